"""A field a signature application (or a qualification) does not have is refused by name, all
of them in alphabetical order, and nothing of the call is kept: in particular the review state,
which only the lifecycle services move, cannot be written through an edit."""

import pytest

from reviewportal.errors import ReviewError
from reviewportal.models import ReviewState
from signatures.models import Qualification, SignatureApplication
from signatures.services import (
    qualification_update,
    signature_application_create,
    signature_application_update,
)
from tests.factories import QualificationFactory

S = ReviewState


def test_unknown_fields_of_a_new_signature_are_named_in_order(approved_qualification, customer):
    with pytest.raises(ReviewError) as excinfo:
        signature_application_create(
            account=customer.account,
            user=customer,
            qualification=approved_qualification,
            sig_type="company",
            content="云栖数据",
            state="approved",
            public_id="SIG0000000000",
        )
    assert str(excinfo.value) == "Unknown field: public_id, state"
    assert not SignatureApplication.objects.exists()


def test_an_edit_cannot_write_the_review_state(signature, customer):
    with pytest.raises(ReviewError) as excinfo:
        signature_application_update(application=signature, user=customer, state="approved")
    assert str(excinfo.value) == "Unknown field: state"
    assert SignatureApplication.objects.get(pk=signature.pk).state == S.DRAFT


def test_unknown_fields_of_an_edit_are_named_in_order(signature, customer):
    with pytest.raises(ReviewError) as excinfo:
        signature_application_update(
            application=signature,
            user=customer,
            content="云栖数据",
            state="approved",
            public_id="SIG0000000000",
        )
    assert str(excinfo.value) == "Unknown field: public_id, state"
    assert SignatureApplication.objects.get(pk=signature.pk).content == "和讯华谷"


def test_an_unknown_field_of_a_qualification_edit_is_named(account, customer):
    draft = QualificationFactory(account=account)
    with pytest.raises(ReviewError) as excinfo:
        qualification_update(qualification=draft, user=customer, state="approved")
    assert str(excinfo.value) == "Unknown field: state"
    assert Qualification.objects.get(pk=draft.pk).state == S.DRAFT
