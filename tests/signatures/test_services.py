"""Qualification, signature, trademark and authorization services: validation, account scoping
and the change flow of an approved qualification."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from reviewportal.errors import NotFoundForUser, PermissionRefused, TransitionRefused
from reviewportal.models import ReviewState
from reviewportal.sample_ids import sample_resident_id, sample_uscc
from reviewportal.services import lifecycle as lc
from signatures.models import Qualification, SignatureApplication
from signatures.services import (
    authorization_create,
    qualification_change_start,
    qualification_create,
    qualification_update,
    signature_application_create,
    signature_application_update,
    trademark_create,
)
from tests.factories import enterprise_materials, make_material

S = ReviewState


def _qualification_fields(**overrides):
    fields = {
        "entity_kind": "enterprise",
        "name": "杭州云栖数据科技有限公司",
        "uscc": sample_uscc(9001),
        "legal_rep_name": "李四",
        "legal_rep_id_number": sample_resident_id(9001),
    }
    fields.update(overrides)
    return fields


def test_qualification_create_validates_uscc_check_character(account, customer):
    bad = sample_uscc(9001)[:-1] + ("0" if sample_uscc(9001)[-1] != "0" else "1")
    with pytest.raises(ValidationError) as excinfo:
        qualification_create(account=account, user=customer, **_qualification_fields(uscc=bad))
    assert "uscc" in excinfo.value.message_dict
    assert not Qualification.objects.exists()


def test_qualification_create_validates_resident_id_check_digit(account, customer):
    good = sample_resident_id(9001)
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")
    with pytest.raises(ValidationError) as excinfo:
        qualification_create(
            account=account, user=customer, **_qualification_fields(legal_rep_id_number=bad)
        )
    assert "legal_rep_id_number" in excinfo.value.message_dict
    assert not Qualification.objects.exists()


def test_qualification_create_normalises_and_submits(account, customer):
    fields = _qualification_fields(uscc=" " + sample_uscc(9001).lower() + " ")
    qualification = qualification_create(
        account=account,
        user=customer,
        submit=True,
        materials=enterprise_materials(account, customer),
        **fields,
    )
    assert qualification.uscc == sample_uscc(9001)
    assert qualification.state == S.PENDING_REVIEW
    assert qualification.public_id.startswith("QUA")


def test_qualification_create_for_another_account_is_not_found(account, other_customer):
    with pytest.raises(NotFoundForUser):
        qualification_create(account=account, user=other_customer, **_qualification_fields())


def test_materials_of_another_account_cannot_be_attached(account, customer, other_customer):
    foreign = make_material(other_customer.account, "business_license", user=other_customer)
    with pytest.raises(NotFoundForUser):
        qualification_create(
            account=account, user=customer, materials=[foreign], **_qualification_fields()
        )
    assert not Qualification.objects.filter(account=account).exists()


def test_approved_qualification_is_not_edited_in_place(approved_qualification, customer):
    with pytest.raises(TransitionRefused, match="submit a change"):
        qualification_update(
            qualification=approved_qualification, user=customer, legal_rep_name="王五"
        )
    approved_qualification.refresh_from_db()
    assert approved_qualification.legal_rep_name == "张三"


def test_qualification_change_is_reviewed_while_original_stays_in_force(
    approved_qualification, customer, reviewer
):
    change = qualification_change_start(
        qualification=approved_qualification,
        user=customer,
        legal_rep_name="王五",
        legal_rep_id_number=sample_resident_id(555),
    )
    assert change.change_of == approved_qualification
    assert change.state == S.PENDING_REVIEW
    approved_qualification.refresh_from_db()
    assert approved_qualification.state == S.APPROVED
    assert approved_qualification.legal_rep_name == "张三"

    with pytest.raises(TransitionRefused, match="already under way"):
        qualification_change_start(
            qualification=approved_qualification, user=customer, legal_rep_name="赵六"
        )

    change = lc.review_claim(item=change, user=reviewer)
    lc.review_approve(item=change, user=reviewer)
    approved_qualification.refresh_from_db()
    assert approved_qualification.state == S.APPROVED
    assert approved_qualification.legal_rep_name == "王五"
    assert approved_qualification.legal_rep_id_number == sample_resident_id(555)
    assert approved_qualification.current_revision.snapshot["legal_rep_name"] == "王五"


def test_rejected_change_leaves_original_untouched(approved_qualification, customer, reviewer):
    change = qualification_change_start(
        qualification=approved_qualification, user=customer, name="深圳市和讯华谷科技有限公司"
    )
    change = lc.review_claim(item=change, user=reviewer)
    lc.review_reject(item=change, user=reviewer, reasons=["license_invalid"])
    approved_qualification.refresh_from_db()
    assert approved_qualification.name == "深圳市和讯华谷信息技术有限公司"
    assert approved_qualification.state == S.APPROVED


def test_change_of_unapproved_qualification_is_refused(account, customer):
    qualification = qualification_create(account=account, user=customer, **_qualification_fields())
    with pytest.raises(TransitionRefused):
        qualification_change_start(
            qualification=qualification, user=customer, legal_rep_name="王五"
        )


def test_signature_create_needs_submitted_qualification(account, customer):
    draft = qualification_create(account=account, user=customer, **_qualification_fields())
    with pytest.raises(ValidationError) as excinfo:
        signature_application_create(
            account=account,
            user=customer,
            qualification=draft,
            sig_type="company",
            content="云栖数据",
        )
    assert "qualification" in excinfo.value.message_dict
    assert not SignatureApplication.objects.exists()


def test_signature_create_with_another_accounts_qualification_is_not_found(
    approved_qualification, other_customer
):
    with pytest.raises(NotFoundForUser):
        signature_application_create(
            account=other_customer.account,
            user=other_customer,
            qualification=approved_qualification,
            sig_type="company",
            content="和讯华谷",
        )


def test_signature_update_by_another_account_is_not_found(signature, customer, other_customer):
    item = lc.review_submit(item=signature, user=customer)
    with pytest.raises(NotFoundForUser):
        signature_application_update(application=item, user=other_customer, content="盗用")
    item.refresh_from_db()
    assert item.content == "和讯华谷"


def test_staff_cannot_edit_a_customers_signature(signature, reviewer):
    with pytest.raises(NotFoundForUser):
        signature_application_update(application=signature, user=reviewer, content="改名")


def test_approved_signature_cannot_be_edited(signature, customer, reviewer):
    item = lc.review_submit(item=signature, user=customer)
    item = lc.review_claim(item=item, user=reviewer)
    lc.review_approve(item=item, user=reviewer)
    item.refresh_from_db()
    with pytest.raises(TransitionRefused):
        signature_application_update(application=item, user=customer, content="新签名")


def test_self_use_signature_refuses_an_authorization(approved_qualification, customer):
    letter = make_material(approved_qualification.account, "authorization_letter", user=customer)
    authorization = authorization_create(
        qualification=approved_qualification,
        user=customer,
        partner_name="上海途远国际旅行社有限公司",
        partner_uscc=sample_uscc(7001),
        partner_legal_rep_name="周七",
        partner_legal_rep_id_number=sample_resident_id(7001),
        valid_from=dt.date(2026, 1, 1),
        valid_until=dt.date(2027, 12, 31),
        letter=letter,
    )
    with pytest.raises(ValidationError) as excinfo:
        signature_application_create(
            account=approved_qualification.account,
            user=customer,
            qualification=approved_qualification,
            sig_type="company",
            content="途远国际",
            purpose="self",
            authorization=authorization,
        )
    assert "authorization" in excinfo.value.message_dict


def test_authorization_refuses_reversed_dates(approved_qualification, customer):
    with pytest.raises(ValidationError):
        authorization_create(
            qualification=approved_qualification,
            user=customer,
            partner_name="上海途远国际旅行社有限公司",
            partner_uscc=sample_uscc(7001),
            partner_legal_rep_name="周七",
            partner_legal_rep_id_number=sample_resident_id(7001),
            valid_from=dt.date(2027, 1, 1),
            valid_until=dt.date(2026, 1, 1),
        )


def test_trademark_certificate_from_another_account_is_refused(
    approved_qualification, customer, other_customer
):
    foreign = make_material(other_customer.account, "trademark_certificate", user=other_customer)
    with pytest.raises(NotFoundForUser):
        trademark_create(
            qualification=approved_qualification,
            user=customer,
            name="极光",
            registration_number="12345678",
            owner_name=approved_qualification.name,
            certificate=foreign,
        )


def test_withdraw_by_staff_is_refused(signature, customer, senior):
    item = lc.review_submit(item=signature, user=customer)
    with pytest.raises(PermissionRefused):
        lc.review_withdraw(item=item, user=senior)


def test_material_open_records_access_and_scopes_to_account(customer, other_customer, reviewer):
    from reviewportal.models import AccessLog
    from signatures.services import material_open

    material = make_material(customer.account, "legal_rep_id_front", user=customer)
    with material_open(material=material, user=reviewer, ip_address="127.0.0.1") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"
    with material_open(material=material, user=customer) as fh:
        assert fh.read(4)
    with pytest.raises(NotFoundForUser):
        material_open(material=material, user=other_customer)
    logs = AccessLog.objects.filter(object_id=material.pk).order_by("pk")
    assert [(log.user, log.action) for log in logs] == [
        (reviewer, "view_material"),
        (customer, "view_material"),
    ]
    assert logs[0].ip_address == "127.0.0.1"
