"""What a signature application may be linked to, and the exact words of each refusal: the
qualification (its own account's, submitted, the one in force), a partner's authorization (only
for other-use, given to that qualification) and a trademark (only for a trademark signature, of
that qualification); and the duplicate signature of one account."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from reviewportal.errors import NotFoundForUser
from reviewportal.models import ReviewState
from reviewportal.sample_ids import sample_resident_id, sample_uscc
from signatures.models import SignatureApplication
from signatures.services import (
    authorization_create,
    qualification_change_start,
    signature_application_create,
    signature_application_update,
    trademark_create,
)
from tests.factories import QualificationFactory, make_material
from tests.states import walk_to

S = ReviewState


def _authorization(qualification, user, n=7001):
    return authorization_create(
        qualification=qualification,
        user=user,
        partner_name="上海途远国际旅行社有限公司",
        partner_uscc=sample_uscc(n),
        partner_legal_rep_name="周七",
        partner_legal_rep_id_number=sample_resident_id(n),
        valid_from=dt.date(2026, 1, 1),
        valid_until=dt.date(2027, 12, 31),
        letter=make_material(qualification.account, "authorization_letter", user=user),
    )


def _trademark(qualification, user):
    return trademark_create(
        qualification=qualification,
        user=user,
        name="极光",
        registration_number="12345678",
        owner_name=qualification.name,
        certificate=make_material(qualification.account, "trademark_certificate", user=user),
    )


def _create(qualification, user, **fields):
    fields.setdefault("sig_type", "company")
    fields.setdefault("content", "和讯华谷")
    return signature_application_create(
        account=qualification.account, user=user, qualification=qualification, **fields
    )


def _refusal(excinfo) -> dict:
    return excinfo.value.message_dict


@pytest.fixture
def second_qualification(account, customer, reviewer):
    """Another approved qualification of the same account."""
    qualification = QualificationFactory(account=account, name="深圳市极光科技有限公司")
    return walk_to(qualification, S.APPROVED, customer=customer, reviewer=reviewer, senior=None)


@pytest.fixture
def other_qualification(other_customer, reviewer):
    qualification = QualificationFactory(
        account=other_customer.account, name="杭州云栖数据有限公司"
    )
    return walk_to(
        qualification, S.APPROVED, customer=other_customer, reviewer=reviewer, senior=None
    )


# --- the qualification --------------------------------------------------------------------------


def test_another_accounts_qualification_is_not_found(customer, other_qualification):
    with pytest.raises(NotFoundForUser) as excinfo:
        signature_application_create(
            account=customer.account,
            user=customer,
            qualification=other_qualification,
            sig_type="company",
            content="云栖数据",
        )
    assert str(excinfo.value) == "Qualification not found."
    assert excinfo.value.code == "not_found"
    assert not SignatureApplication.objects.exists()


@pytest.mark.parametrize("state", [S.DRAFT, S.REJECTED, S.WITHDRAWN])
def test_a_qualification_not_under_review_or_approved_is_refused(
    account, customer, reviewer, state
):
    qualification = walk_to(
        QualificationFactory(account=account),
        state,
        customer=customer,
        reviewer=reviewer,
        senior=None,
    )
    with pytest.raises(ValidationError) as excinfo:
        _create(qualification, customer)
    assert _refusal(excinfo) == {
        "qualification": ["The qualification must be submitted for review first."]
    }


@pytest.mark.parametrize("state", [S.PENDING_REVIEW, S.UNDER_REVIEW, S.APPROVED, S.REREVIEW])
def test_a_qualification_submitted_or_in_force_may_carry_a_signature(
    account, customer, reviewer, senior, state
):
    qualification = walk_to(
        QualificationFactory(account=account),
        state,
        customer=customer,
        reviewer=reviewer,
        senior=senior,
    )
    application = _create(qualification, customer)
    assert application.qualification == qualification and application.state == S.DRAFT


def test_a_pending_change_of_a_qualification_is_refused(approved_qualification, customer):
    change = qualification_change_start(
        qualification=approved_qualification, user=customer, legal_rep_name="王五"
    )
    with pytest.raises(ValidationError) as excinfo:
        _create(change, customer)
    assert _refusal(excinfo) == {
        "qualification": ["Choose the qualification in force, not a pending change of it."]
    }
    assert _create(approved_qualification, customer).qualification == approved_qualification


# --- authorizations -----------------------------------------------------------------------------


def test_another_accounts_authorization_is_not_found(
    approved_qualification, customer, other_qualification, other_customer
):
    foreign = _authorization(other_qualification, other_customer)
    with pytest.raises(NotFoundForUser) as excinfo:
        _create(approved_qualification, customer, purpose="other", authorization=foreign)
    assert str(excinfo.value) == "Authorization not found."
    assert not SignatureApplication.objects.exists()


def test_an_authorization_given_to_another_qualification_is_refused(
    approved_qualification, second_qualification, customer
):
    given_elsewhere = _authorization(second_qualification, customer)
    with pytest.raises(ValidationError) as excinfo:
        _create(
            approved_qualification,
            customer,
            content="途远国际",
            purpose="other",
            authorization=given_elsewhere,
        )
    assert _refusal(excinfo) == {
        "authorization": ["This authorization was given to another qualification."]
    }


def test_a_self_use_signature_takes_no_authorization(approved_qualification, customer):
    authorization = _authorization(approved_qualification, customer)
    with pytest.raises(ValidationError) as excinfo:
        _create(
            approved_qualification,
            customer,
            content="途远国际",
            purpose="self",
            authorization=authorization,
        )
    assert _refusal(excinfo) == {
        "authorization": ["A self-use signature does not take a partner authorization."]
    }


def test_an_other_use_signature_takes_its_qualifications_authorization(
    approved_qualification, customer
):
    authorization = _authorization(approved_qualification, customer)
    application = _create(
        approved_qualification,
        customer,
        content="途远国际",
        purpose="other",
        authorization=authorization,
    )
    assert application.authorization == authorization


# --- trademarks ---------------------------------------------------------------------------------


def test_another_accounts_trademark_is_not_found(
    approved_qualification, customer, other_qualification, other_customer
):
    foreign = _trademark(other_qualification, other_customer)
    with pytest.raises(NotFoundForUser) as excinfo:
        _create(approved_qualification, customer, sig_type="trademark", trademark=foreign)
    assert str(excinfo.value) == "Trademark not found."


def test_a_trademark_of_another_qualification_is_refused(
    approved_qualification, second_qualification, customer
):
    elsewhere = _trademark(second_qualification, customer)
    with pytest.raises(ValidationError) as excinfo:
        _create(
            approved_qualification,
            customer,
            sig_type="trademark",
            content="极光",
            trademark=elsewhere,
        )
    assert _refusal(excinfo) == {"trademark": ["This trademark belongs to another qualification."]}


def test_only_a_trademark_signature_takes_a_trademark(approved_qualification, customer):
    trademark = _trademark(approved_qualification, customer)
    with pytest.raises(ValidationError) as excinfo:
        _create(approved_qualification, customer, sig_type="company", trademark=trademark)
    assert _refusal(excinfo) == {"trademark": ["Only a trademark signature takes a trademark."]}
    application = _create(
        approved_qualification, customer, sig_type="trademark", content="极光", trademark=trademark
    )
    assert application.trademark == trademark


def test_an_update_checks_the_links_too(approved_qualification, second_qualification, customer):
    application = _create(approved_qualification, customer)
    elsewhere = _trademark(second_qualification, customer)
    with pytest.raises(ValidationError) as excinfo:
        signature_application_update(
            application=application, user=customer, sig_type="trademark", trademark=elsewhere
        )
    assert _refusal(excinfo) == {"trademark": ["This trademark belongs to another qualification."]}
    application.refresh_from_db()
    assert application.sig_type == "company" and application.trademark is None


# --- duplicates ---------------------------------------------------------------------------------


def test_the_same_signature_twice_in_one_account_names_the_first(approved_qualification, customer):
    first = _create(approved_qualification, customer, content="和讯华谷")
    with pytest.raises(ValidationError) as excinfo:
        # Full-width spelling of the same signature: stored NFKC-normalised, so the same one.
        _create(approved_qualification, customer, content=" 和讯华谷 ")
    (error,) = excinfo.value.error_dict["content"]
    assert error.code == "duplicate"
    assert error.messages == [
        f"Your account already has the signature 【和讯华谷】 ({first.public_id}); open it "
        "instead of applying again."
    ]
    assert list(SignatureApplication.objects.all()) == [first]


def test_content_is_stored_nfkc_normalised_and_stripped(approved_qualification, customer):
    application = _create(approved_qualification, customer, content="  ＡＢＣ数据  ")
    assert application.content == "ABC数据"
    updated = signature_application_update(
        application=application, user=customer, content=" ＸＹＺ数据 "
    )
    assert updated.content == "XYZ数据"


def test_another_signature_of_the_account_is_not_a_duplicate(approved_qualification, customer):
    _create(approved_qualification, customer, content="和讯华谷")
    second = _create(approved_qualification, customer, content="和讯")
    assert SignatureApplication.objects.count() == 2 and second.content == "和讯"


def test_the_same_signature_in_another_account_is_not_a_duplicate_of_it(
    approved_qualification, customer, other_qualification, other_customer
):
    _create(other_qualification, other_customer, content="和讯华谷")
    mine = _create(approved_qualification, customer, content="和讯华谷")
    assert mine.account == customer.account
    assert SignatureApplication.objects.filter(content="和讯华谷").count() == 2


@pytest.mark.parametrize("content", ["", None, "   "])
def test_a_signature_without_content_is_refused(approved_qualification, customer, content):
    with pytest.raises(ValidationError) as excinfo:
        _create(approved_qualification, customer, content=content)
    assert set(_refusal(excinfo)) == {"content"}
    assert not SignatureApplication.objects.exists()
