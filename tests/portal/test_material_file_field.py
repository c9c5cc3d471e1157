"""The file input of one material kind (``MaterialFileField``): what it tells the browser (the
types the file picker offers, the preview hook, optional unless the form says otherwise) and
that a file the upload handler cut short at the limit is refused without being read."""

from __future__ import annotations

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.helpers import MaterialFileField
from tests.factories import png_bytes


@pytest.mark.parametrize(
    ("kind", "accept"),
    [
        ("business_license", "image/jpeg,image/png,application/pdf"),
        ("authorization_letter", "image/jpeg,image/png,application/pdf"),
        ("legal_rep_id_front", "image/jpeg,image/png"),
        ("trademark_certificate", "image/jpeg,image/png,application/pdf"),
        ("icp_screenshot", "image/jpeg,image/png"),
    ],
)
def test_the_file_picker_offers_the_types_the_kind_accepts(kind, accept):
    field = MaterialFileField(kind=kind)
    assert field.widget.attrs == {"accept": accept, "data-preview": "1"}
    rendered = field.widget.render("f", None)
    assert f'accept="{accept}"' in rendered and 'data-preview="1"' in rendered


def test_the_input_is_optional_unless_the_form_requires_it():
    assert MaterialFileField(kind="business_license").required is False
    assert MaterialFileField(kind="business_license", required=True).required is True
    assert MaterialFileField(kind="business_license").clean(None) is None
    with pytest.raises(forms.ValidationError):
        MaterialFileField(kind="business_license", required=True).clean(None)


def test_a_file_the_upload_handler_cut_short_is_refused_unread():
    upload = SimpleUploadedFile("licence.png", png_bytes((40, 30), "gray"), "image/png")
    assert MaterialFileField(kind="business_license").clean(upload) is upload
    upload = SimpleUploadedFile("licence.png", png_bytes((40, 30), "gray"), "image/png")
    upload.oversized = True  # what the portal's upload handler marks: it kept only the limit
    with pytest.raises(forms.ValidationError) as refused:
        MaterialFileField(kind="business_license").clean(upload)
    assert refused.value.code == "too_large"
