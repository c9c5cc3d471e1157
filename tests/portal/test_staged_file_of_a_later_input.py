"""A staged file is honoured for whichever input of the form it belongs to, also when an input
before it on the form has none."""

from __future__ import annotations

import pytest
from django import forms

from portal.helpers import MaterialFileField, PortalFormMixin
from tests.factories import make_material

pytestmark = pytest.mark.django_db


class DocumentsForm(PortalFormMixin, forms.Form):
    name = forms.CharField(label="Name")
    licence = MaterialFileField(kind="business_license", label="Licence")
    photo = MaterialFileField(kind="legal_rep_id_front", label="Photo")


def test_a_staged_file_of_the_second_input_fills_it_when_the_first_has_none(customer):
    staged = make_material(customer.account, "legal_rep_id_front", user=customer)
    form = DocumentsForm({"name": "和讯", "photo-staged": str(staged.pk)}, user=customer)

    assert form.is_valid(), form.errors
    assert (form.cleaned_data["licence"], form.cleaned_data["photo"]) == (None, staged)


def test_a_staged_file_stays_chosen_when_an_input_before_it_lost_its_own(customer):
    staged = make_material(customer.account, "legal_rep_id_front", user=customer)
    form = DocumentsForm(
        {"name": "和讯", "licence-staged": "999999", "photo-staged": str(staged.pk)},
        user=customer,
    )

    assert not form.is_valid()
    assert form.errors == {"licence": [str(PortalFormMixin.staged_gone)]}
    assert form.cleaned_data["photo"] == staged
    assert form.fields["photo"].staged == staged
