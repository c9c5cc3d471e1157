"""What recording a trademark or a partner's authorization keeps (every field, trimmed and
normalised, with its certificate, letter and partner documents), and the exact refusals: another
account's customer or documents, and an authorization whose end date is before its start."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from reviewportal.errors import NotFoundForUser
from reviewportal.sample_ids import sample_resident_id, sample_uscc
from signatures.models import Authorization, Trademark
from signatures.services import authorization_create, trademark_create
from tests.factories import make_material

PARTNER = "上海途远国际旅行社有限公司"


def _trademark(qualification, user, **overrides):
    fields = {
        "name": " 极光 ",
        "registration_number": " 12345678 ",
        "owner_name": " 深圳市和讯华谷信息技术有限公司 ",
        "certificate": None,
    }
    fields.update(overrides)
    return trademark_create(qualification=qualification, user=user, **fields)


def _authorization(qualification, user, **overrides):
    fields = {
        "partner_name": f" {PARTNER} ",
        "partner_uscc": sample_uscc(7001),
        "partner_legal_rep_name": " 周七 ",
        "partner_legal_rep_id_number": sample_resident_id(7001),
        "valid_from": dt.date(2026, 1, 1),
        "valid_until": dt.date(2027, 12, 31),
    }
    fields.update(overrides)
    return authorization_create(qualification=qualification, user=user, **fields)


# --- trademarks ---------------------------------------------------------------------------------


def test_a_trademark_keeps_its_trimmed_fields_and_certificate(approved_qualification, customer):
    certificate = make_material(customer.account, "trademark_certificate", user=customer)
    trademark = _trademark(approved_qualification, customer, certificate=certificate)
    trademark = Trademark.objects.get(pk=trademark.pk)
    assert (trademark.account, trademark.qualification, trademark.certificate) == (
        customer.account,
        approved_qualification,
        certificate,
    )
    assert (trademark.name, trademark.registration_number, trademark.owner_name) == (
        "极光",
        "12345678",
        "深圳市和讯华谷信息技术有限公司",
    )


def test_a_trademark_without_a_certificate_is_kept_without_one(approved_qualification, customer):
    trademark = _trademark(approved_qualification, customer)
    assert Trademark.objects.get(pk=trademark.pk).certificate is None


def test_a_trademark_needs_a_registration_number(approved_qualification, customer):
    with pytest.raises(ValidationError) as excinfo:
        _trademark(approved_qualification, customer, registration_number="  ")
    assert excinfo.value.message_dict == {"registration_number": ["This field cannot be blank."]}
    assert not Trademark.objects.exists()


def test_a_trademark_for_another_accounts_qualification_is_not_found(
    approved_qualification, other_customer
):
    with pytest.raises(NotFoundForUser) as excinfo:
        _trademark(approved_qualification, other_customer)
    assert str(excinfo.value) == "Not found."
    assert not Trademark.objects.exists()


def test_a_certificate_of_another_account_is_a_material_not_found(
    approved_qualification, customer, other_customer
):
    foreign = make_material(other_customer.account, "trademark_certificate", user=other_customer)
    with pytest.raises(NotFoundForUser) as excinfo:
        _trademark(approved_qualification, customer, certificate=foreign)
    assert str(excinfo.value) == "Material not found."
    assert not Trademark.objects.exists()


# --- authorizations -----------------------------------------------------------------------------


def test_an_authorization_keeps_its_normalised_fields_letter_and_documents(
    approved_qualification, customer
):
    letter = make_material(customer.account, "authorization_letter", user=customer)
    licence = make_material(customer.account, "business_license", user=customer)
    id_number = sample_resident_id(7001)
    authorization = _authorization(
        approved_qualification,
        customer,
        partner_uscc=" " + sample_uscc(7001).lower() + " ",
        partner_legal_rep_id_number=" " + id_number.lower() + " ",
        partner_entity_kind="public_institution",
        letter=letter,
        partner_materials=[licence],
    )
    authorization = Authorization.objects.get(pk=authorization.pk)
    assert (authorization.account, authorization.qualification, authorization.letter) == (
        customer.account,
        approved_qualification,
        letter,
    )
    assert authorization.partner_name == PARTNER
    assert authorization.partner_entity_kind == "public_institution"
    assert authorization.partner_uscc == sample_uscc(7001)
    assert authorization.partner_legal_rep_name == "周七"
    assert authorization.partner_legal_rep_id_number == id_number.upper()
    assert (authorization.valid_from, authorization.valid_until) == (
        dt.date(2026, 1, 1),
        dt.date(2027, 12, 31),
    )
    assert list(authorization.partner_materials.all()) == [licence]


def test_an_authorization_is_for_an_enterprise_unless_told_otherwise(
    approved_qualification, customer
):
    authorization = _authorization(approved_qualification, customer)
    authorization = Authorization.objects.get(pk=authorization.pk)
    assert authorization.partner_entity_kind == "enterprise"
    assert authorization.letter is None
    assert list(authorization.partner_materials.all()) == []


def test_an_authorization_may_be_valid_for_a_single_day(approved_qualification, customer):
    day = dt.date(2026, 7, 1)
    authorization = _authorization(
        approved_qualification, customer, valid_from=day, valid_until=day
    )
    assert Authorization.objects.get(pk=authorization.pk).valid_until == day


def test_an_end_date_before_the_start_is_refused_in_these_words(approved_qualification, customer):
    with pytest.raises(ValidationError) as excinfo:
        _authorization(
            approved_qualification,
            customer,
            valid_from=dt.date(2026, 7, 2),
            valid_until=dt.date(2026, 7, 1),
        )
    assert excinfo.value.message_dict == {"valid_until": ["The end date is before the start date."]}
    assert not Authorization.objects.exists()


def test_an_unknown_partner_entity_kind_is_refused(approved_qualification, customer):
    with pytest.raises(ValidationError) as excinfo:
        _authorization(approved_qualification, customer, partner_entity_kind="club")
    assert list(excinfo.value.message_dict) == ["partner_entity_kind"]
    assert not Authorization.objects.exists()


def test_an_authorization_for_another_accounts_qualification_is_not_found(
    approved_qualification, other_customer
):
    with pytest.raises(NotFoundForUser) as excinfo:
        _authorization(approved_qualification, other_customer)
    assert str(excinfo.value) == "Not found."
    assert not Authorization.objects.exists()


def test_a_letter_of_another_account_is_a_material_not_found(
    approved_qualification, customer, other_customer
):
    foreign = make_material(other_customer.account, "authorization_letter", user=other_customer)
    with pytest.raises(NotFoundForUser) as excinfo:
        _authorization(approved_qualification, customer, letter=foreign)
    assert str(excinfo.value) == "Material not found."
    assert not Authorization.objects.exists()


def test_a_partner_document_of_another_account_is_a_material_not_found(
    approved_qualification, customer, other_customer
):
    own = make_material(customer.account, "business_license", user=customer)
    foreign = make_material(other_customer.account, "business_license", user=other_customer)
    with pytest.raises(NotFoundForUser) as excinfo:
        _authorization(approved_qualification, customer, partner_materials=[own, foreign])
    assert str(excinfo.value) == "Material not found."
    assert not Authorization.objects.exists()
