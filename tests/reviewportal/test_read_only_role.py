"""A read-only user of an account reads everything of it and changes nothing: every write service
(qualifications, trademarks, authorizations, materials, signatures, templates, the lifecycle's
customer actions, urgent tickets, a carrier re-file) refuses them with the one read-only
message and writes nothing, while a member of the same account is let through."""

from __future__ import annotations

import datetime as dt

import pytest

from carriers.models import CarrierFiling, CustomerRefile
from carriers.rules import RefileRefusalCode
from carriers.services import (
    RefileRefused,
    filing_refile_by_customer,
    filing_result_enter,
    filing_submit,
)
from reviewportal.errors import PermissionRefused
from reviewportal.models import AccountRole, ReviewState, UrgentTicket
from reviewportal.permissions import Action, available_actions
from reviewportal.sample_ids import sample_resident_id, sample_uscc
from reviewportal.services import lifecycle as lc
from reviewportal.services.urgent import urgent_ticket_file
from signatures.models import (
    Authorization,
    Material,
    Qualification,
    SignatureApplication,
    Trademark,
)
from signatures.services import (
    authorization_create,
    material_create,
    qualification_change_start,
    qualification_create,
    qualification_update,
    signature_application_create,
    signature_application_update,
    trademark_create,
)
from templates.models import TemplateApplication
from templates.services import template_application_create, template_application_update
from tests.factories import (
    CustomerFactory,
    QualificationFactory,
    SignatureApplicationFactory,
    StaffFactory,
    TemplateApplicationFactory,
    png_bytes,
)
from tests.states import walk_to

READ_ONLY = "Your role in the account is read-only: ask an admin of the account."
S = ReviewState


@pytest.fixture
def viewer(account):
    return CustomerFactory(account=account, account_role=AccountRole.VIEWER)


@pytest.fixture
def member(account):
    return CustomerFactory(account=account, account_role=AccountRole.MEMBER)


def counts():
    return [
        model.objects.count()
        for model in (
            Qualification,
            Trademark,
            Authorization,
            Material,
            SignatureApplication,
            TemplateApplication,
            UrgentTicket,
        )
    ]


def qualification_fields(n: int) -> dict:
    return {
        "entity_kind": "enterprise",
        "name": "杭州云栖数据科技有限公司",
        "uscc": sample_uscc(9300 + n),
        "legal_rep_name": "李四",
        "legal_rep_id_number": sample_resident_id(9300 + n),
    }


@pytest.fixture
def writes(account, approved_qualification, signature, customer, reviewer, senior):
    """Each write service, called by ``user``: name → callable(user)."""
    draft = QualificationFactory(account=account, uscc=sample_uscc(9399))
    approved_signature = walk_to(
        SignatureApplicationFactory(qualification=approved_qualification, content="和讯"),
        S.APPROVED,
        customer=customer,
        reviewer=reviewer,
        senior=senior,
    )
    template = TemplateApplicationFactory(signature=approved_signature)
    return {
        "material_create": lambda user: material_create(
            account=account,
            user=user,
            kind="business_license",
            data=png_bytes(),
            original_name="a.png",
        ),
        "qualification_create": lambda user: qualification_create(
            account=account, user=user, **qualification_fields(1)
        ),
        "qualification_update": lambda user: qualification_update(
            qualification=draft, user=user, legal_rep_name="王五"
        ),
        "qualification_change_start": lambda user: qualification_change_start(
            qualification=approved_qualification, user=user, legal_rep_name="王五"
        ),
        "trademark_create": lambda user: trademark_create(
            qualification=approved_qualification,
            user=user,
            name="和讯",
            registration_number="12345678",
            owner_name=approved_qualification.name,
        ),
        "authorization_create": lambda user: authorization_create(
            qualification=approved_qualification,
            user=user,
            partner_name="深圳市伙伴科技有限公司",
            partner_uscc=sample_uscc(9388),
            partner_legal_rep_name="赵六",
            partner_legal_rep_id_number=sample_resident_id(9388),
            valid_from=dt.date(2026, 1, 1),
            valid_until=dt.date(2027, 12, 31),
        ),
        "signature_application_create": lambda user: signature_application_create(
            account=account,
            user=user,
            qualification=approved_qualification,
            sig_type="company",
            content="华谷信息",
            use_case="验证码",
        ),
        "signature_application_update": lambda user: signature_application_update(
            application=signature, user=user, use_case="订单通知"
        ),
        "template_application_create": lambda user: template_application_create(
            account=account,
            user=user,
            signature=approved_signature,
            name="订单通知",
            content="您的订单${order}已发货。",
            kind="notification",
            industry="general",
        ),
        "template_application_update": lambda user: template_application_update(
            application=template, user=user, name="登录验证码（新）"
        ),
        "review_submit": lambda user: lc.review_submit(item=signature, user=user),
        "review_withdraw": lambda user: lc.review_withdraw(item=approved_signature, user=user),
    }


WRITES = [
    "material_create",
    "qualification_create",
    "qualification_update",
    "qualification_change_start",
    "trademark_create",
    "authorization_create",
    "signature_application_create",
    "signature_application_update",
    "template_application_create",
    "template_application_update",
    "review_submit",
]


@pytest.mark.parametrize("service", [*WRITES, "review_withdraw"])
def test_write_services_refuse_a_read_only_user(writes, viewer, service):
    before = counts()
    with pytest.raises(PermissionRefused) as refusal:
        writes[service](viewer)
    assert str(refusal.value) == READ_ONLY
    assert counts() == before


@pytest.mark.parametrize("service", WRITES)
def test_write_services_let_a_member_through(writes, member, service):
    assert writes[service](member) is not None


def test_review_withdraw_by_a_member(signature, member):
    item = lc.review_submit(item=signature, user=member)
    assert lc.review_withdraw(item=item, user=member).state == S.WITHDRAWN


def test_available_actions_offer_a_read_only_user_nothing(signature, viewer, member):
    assert available_actions(signature, viewer) == []
    assert Action.EDIT in available_actions(signature, member)


def test_require_action_tells_another_account_it_may_not(signature, other_customer):
    with pytest.raises(PermissionRefused) as refusal:
        lc.review_submit(item=signature, user=other_customer)
    assert str(refusal.value) != READ_ONLY


def test_urgent_ticket_file_refuses_a_read_only_user(signature, customer, viewer, member):
    item = lc.review_submit(item=signature, user=customer)
    with pytest.raises(PermissionRefused) as refusal:
        urgent_ticket_file(item=item, user=viewer, reason="明天上线")
    assert str(refusal.value) == READ_ONLY
    assert not UrgentTicket.objects.exists()
    assert urgent_ticket_file(item=item, user=member, reason="明天上线").pk


# --- a carrier re-file ------------------------------------------------------------------------


@pytest.fixture
def rejected_filing(signature, customer, reviewer, senior, stub_carriers):
    item = walk_to(signature, S.APPROVED, customer=customer, reviewer=reviewer, senior=senior)
    filing = CarrierFiling.objects.of(item).get(carrier__code="cucc")
    filing_submit(filing_id=filing.pk)
    staff = StaffFactory(role="Senior reviewer")
    filing_result_enter(filing=filing, user=staff, status="rejected", reason="CU-4007")
    return CarrierFiling.objects.get(pk=filing.pk)


def test_filing_refile_by_customer_refuses_a_read_only_user(rejected_filing, viewer, member):
    with pytest.raises(RefileRefused) as refusal:
        filing_refile_by_customer(filing=rejected_filing, user=viewer)
    assert refusal.value.refusal.code == RefileRefusalCode.READ_ONLY
    assert str(refusal.value) == READ_ONLY
    assert not CustomerRefile.objects.exists()
    filing_refile_by_customer(filing=rejected_filing, user=member)
    assert CustomerRefile.objects.get().requested_by == member
