"""Every service that takes new files stores them as the calling user's uploads: a material's
``uploaded_by`` is who sent it (the audit and the reviewer's page show it), whichever service
received it; a change of a qualification is created by its caller; an optional document left
out stays out."""

import datetime as dt

import pytest

from reviewportal.sample_ids import sample_resident_id, sample_uscc
from signatures.services import (
    Upload,
    authorization_create,
    qualification_change_start,
    qualification_create,
    qualification_update,
    signature_application_create,
    signature_application_update,
    trademark_create,
)
from tests.factories import QualificationFactory, png_bytes


def _upload(kind: str) -> Upload:
    return Upload(kind=kind, data=png_bytes(), original_name=f"{kind}.png")


def _enterprise_uploads() -> list[Upload]:
    return [_upload(k) for k in ("business_license", "legal_rep_id_front", "legal_rep_id_back")]


def _uploaders(materials) -> set:
    return {material.uploaded_by for material in materials}


def _qualification_fields(n: int) -> dict:
    return {
        "entity_kind": "enterprise",
        "name": "杭州云栖数据科技有限公司",
        "uscc": sample_uscc(n),
        "legal_rep_name": "李四",
        "legal_rep_id_number": sample_resident_id(n),
    }


def test_a_new_qualifications_uploads(customer):
    qualification = qualification_create(
        account=customer.account,
        user=customer,
        materials=_enterprise_uploads(),
        **_qualification_fields(9401),
    )
    assert qualification.materials.count() == 3
    assert _uploaders(qualification.materials.all()) == {customer}


def test_an_edited_qualifications_uploads(account, customer):
    draft = QualificationFactory(account=account)
    qualification_update(qualification=draft, user=customer, materials=_enterprise_uploads())
    assert draft.materials.count() == 3
    assert _uploaders(draft.materials.all()) == {customer}


def test_a_change_and_its_uploads_are_the_callers(approved_qualification, customer):
    change = qualification_change_start(
        qualification=approved_qualification,
        user=customer,
        legal_rep_name="王五",
        materials=_enterprise_uploads(),
    )
    change.refresh_from_db()
    assert change.created_by == customer
    assert change.materials.count() == 3
    assert _uploaders(change.materials.all()) == {customer}


def _trademark(qualification, user, **extra):
    return trademark_create(
        qualification=qualification,
        user=user,
        name="极光",
        registration_number="12345678",
        owner_name=qualification.name,
        **extra,
    )


def test_a_trademark_certificate_upload(approved_qualification, customer):
    trademark = _trademark(
        approved_qualification, customer, certificate=_upload("trademark_certificate")
    )
    assert trademark.certificate.uploaded_by == customer


def test_a_trademark_without_a_certificate_has_none(approved_qualification, customer):
    trademark = _trademark(approved_qualification, customer)
    trademark.refresh_from_db()
    assert trademark.certificate is None


def test_an_authorizations_letter_and_partner_uploads(approved_qualification, customer):
    authorization = authorization_create(
        qualification=approved_qualification,
        user=customer,
        partner_name="上海途远国际旅行社有限公司",
        partner_uscc=sample_uscc(7401, region="310000"),
        partner_legal_rep_name="周七",
        partner_legal_rep_id_number=sample_resident_id(7401),
        valid_from=dt.date(2026, 1, 1),
        valid_until=dt.date(2027, 12, 31),
        letter=_upload("authorization_letter"),
        partner_materials=_enterprise_uploads(),
    )
    assert authorization.letter.uploaded_by == customer
    assert authorization.partner_materials.count() == 3
    assert _uploaders(authorization.partner_materials.all()) == {customer}


@pytest.mark.parametrize("how", ["create", "edit"])
def test_a_signature_applications_uploads(how, approved_qualification, customer):
    fields = {"qualification": approved_qualification, "sig_type": "company", "content": "和讯华谷"}
    if how == "create":
        application = signature_application_create(
            account=customer.account, user=customer, materials=[_upload("other")], **fields
        )
    else:
        application = signature_application_create(
            account=customer.account, user=customer, **fields
        )
        application = signature_application_update(
            application=application, user=customer, materials=[_upload("other")]
        )
    [material] = application.materials.all()
    assert material.uploaded_by == customer
