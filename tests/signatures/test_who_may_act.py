"""Who may write to an account and read its materials, and who may verify domains, with the exact
words of each refusal; and the audit rows a domain verification and its withdrawal leave."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import AnonymousUser, Group

from reviewportal.errors import NotFoundForUser, PermissionRefused
from reviewportal.models import AccessLog
from reviewportal.sample_ids import sample_resident_id, sample_uscc
from signatures.models import DomainVerification, Qualification
from signatures.services import (
    domain_verification_withdraw,
    domain_verify,
    material_may_view,
    material_open,
    qualification_change_start,
    qualification_create,
    trademark_create,
)
from tests.factories import CustomerFactory, StaffFactory, make_material, png_bytes

ICP = "京ICP备12345678号-1"


def _qualification_fields():
    return {
        "entity_kind": "enterprise",
        "name": "杭州云栖数据科技有限公司",
        "uscc": sample_uscc(9101),
        "legal_rep_name": "李四",
        "legal_rep_id_number": sample_resident_id(9101),
    }


# --- writing to an account ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["other_customer", "reviewer", "anonymous"])
def test_only_a_customer_of_the_account_may_write_to_it(request, account, who):
    user = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)
    with pytest.raises(NotFoundForUser) as excinfo:
        qualification_create(account=account, user=user, **_qualification_fields())
    assert str(excinfo.value) == "Not found."
    assert excinfo.value.code == "not_found"
    assert not Qualification.objects.exists()


def test_a_customer_of_the_account_writes_to_it(account, customer):
    qualification = qualification_create(account=account, user=customer, **_qualification_fields())
    assert qualification.account == account and qualification.created_by == customer


def test_a_trademark_is_written_only_by_a_customer_of_the_account(
    approved_qualification, other_customer
):
    with pytest.raises(NotFoundForUser) as excinfo:
        trademark_create(
            qualification=approved_qualification,
            user=other_customer,
            name="极光",
            registration_number="12345678",
            owner_name=approved_qualification.name,
        )
    assert str(excinfo.value) == "Not found."


def test_another_accounts_material_is_not_found_by_name(account, customer, other_customer):
    foreign = make_material(other_customer.account, "business_license", user=other_customer)
    with pytest.raises(NotFoundForUser) as excinfo:
        qualification_create(
            account=account, user=customer, materials=[foreign], **_qualification_fields()
        )
    assert str(excinfo.value) == "Material not found."


# --- reading materials --------------------------------------------------------------------------


@pytest.fixture
def material(customer):
    return make_material(customer.account, "legal_rep_id_front", user=customer)


@pytest.mark.parametrize("role", ["Reviewer", "Senior reviewer", "Support", "Auditor"])
def test_staff_whose_role_views_applications_see_any_material(material, role):
    assert material_may_view(material=material, user=StaffFactory(role=role))


def test_a_customer_sees_the_materials_of_their_own_account(material, customer, account):
    colleague = CustomerFactory(account=account)
    assert material_may_view(material=material, user=customer)
    assert material_may_view(material=material, user=colleague)


def test_staff_without_a_role_do_not_see_materials(material):
    assert not material_may_view(material=material, user=StaffFactory())


def test_a_user_with_the_right_who_is_not_staff_does_not_see_materials(material):
    user = CustomerFactory(account=None)
    user.groups.add(Group.objects.get(name="Reviewer"))
    assert user.has_perm("signatures.view_material")
    assert not material_may_view(material=material, user=user)


def test_an_inactive_customer_of_the_account_does_not_see_its_materials(material, account):
    former = CustomerFactory(account=account, is_active=False)
    assert not material_may_view(material=material, user=former)
    with pytest.raises(NotFoundForUser) as excinfo:
        material_open(material=material, user=former)
    assert str(excinfo.value) == "Material not found."
    assert not AccessLog.objects.exists()


def test_nobody_signed_in_sees_no_material(material):
    assert not material_may_view(material=material, user=AnonymousUser())
    assert not material_may_view(material=material, user=None)
    with pytest.raises(NotFoundForUser):
        material_open(material=material, user=AnonymousUser())


def test_another_accounts_customer_does_not_see_the_material(material, other_customer):
    assert not material_may_view(material=material, user=other_customer)


# --- verifying domains --------------------------------------------------------------------------


@pytest.fixture
def qualification(approved_qualification):
    approved_qualification.verified_domains = ["jiguang.cn", "jpush.cn"]
    approved_qualification.save(update_fields=["verified_domains"])
    return approved_qualification


def _verify(qualification, user, domain="jiguang.cn", **kwargs):
    return domain_verify(
        qualification=qualification,
        domain=domain,
        user=user,
        data=png_bytes((80, 50), "gray"),
        original_name="icp.png",
        **kwargs,
    )


@pytest.mark.parametrize("who", ["support", "auditor", "customer", "no_role"])
def test_only_reviewers_may_verify_a_domain(request, qualification, who):
    user = StaffFactory() if who == "no_role" else request.getfixturevalue(who)
    with pytest.raises(PermissionRefused) as excinfo:
        _verify(qualification, user)
    assert str(excinfo.value) == "Only reviewers may verify domains."
    assert not DomainVerification.objects.exists()


def test_a_user_with_the_review_right_who_is_not_staff_may_not_verify(qualification):
    user = CustomerFactory(account=None)
    user.groups.add(Group.objects.get(name="Reviewer"))
    with pytest.raises(PermissionRefused) as excinfo:
        _verify(qualification, user)
    assert str(excinfo.value) == "Only reviewers may verify domains."


def test_the_audit_row_of_a_verification_says_what_was_verified(qualification, reviewer):
    verification = _verify(qualification, reviewer, icp_number=ICP)
    entry = LogEntry.objects.get_for_object(verification).get()
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor == reviewer
    assert entry.changes_dict == {
        "domain": ["None", "jiguang.cn"],
        "icp_number": ["None", ICP],
        "evidence": ["None", str(verification.evidence_id)],
    }
    assert entry.additional_data == {"item": qualification.public_id, "domain": "jiguang.cn"}
    assert entry.object_repr == "jiguang.cn"


def test_the_audit_row_of_a_withdrawal_says_what_was_withdrawn(qualification, reviewer, senior):
    verification = _verify(qualification, reviewer, domain="jpush.cn")
    domain_verification_withdraw(verification=verification, user=senior)
    entry = LogEntry.objects.filter(action=LogEntry.Action.DELETE).get()
    assert entry.actor == senior
    assert entry.changes_dict == {"domain": ["jpush.cn", "None"]}
    assert entry.additional_data == {"item": qualification.public_id, "domain": "jpush.cn"}
    assert not DomainVerification.objects.exists()


def test_withdrawing_is_refused_in_the_same_words(qualification, reviewer, support):
    verification = _verify(qualification, reviewer)
    with pytest.raises(PermissionRefused) as excinfo:
        domain_verification_withdraw(verification=verification, user=support)
    assert str(excinfo.value) == "Only reviewers may verify domains."
    assert DomainVerification.objects.count() == 1


def test_a_domain_verified_on_a_change_goes_to_the_qualification_in_force(
    qualification, customer, reviewer
):
    change = qualification_change_start(
        qualification=qualification,
        user=customer,
        verified_domains=["jiguang.cn", "new.example.cn"],
    )
    verification = _verify(change, reviewer, domain="new.example.cn")
    assert verification.qualification == qualification
    entry = LogEntry.objects.get_for_object(verification).get()
    assert entry.additional_data == {"item": qualification.public_id, "domain": "new.example.cn"}
    # On the qualification in force itself it stays where it is.
    assert _verify(qualification, reviewer, domain="jpush.cn").qualification == qualification
