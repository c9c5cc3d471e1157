"""One test per guard line of the services that nothing else would miss if it were deleted: who
may answer an urgent request and which requests are still open, the customer told of the answer;
who may "claim next" (even on an empty queue) and when a claim is idle; who may open a material
and the access-log row it writes; the materials a change or an edit carries over; and the links a
signature may rely on."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone

from reviewportal.errors import NotFoundForUser, PermissionRefused, TransitionRefused
from reviewportal.models import AccessLog, Notification, ReviewState, UrgentTicket, User
from reviewportal.sample_ids import sample_resident_id, sample_uscc
from reviewportal.selectors import transition_log_for
from reviewportal.services import lifecycle as lc
from reviewportal.services.claims import review_claim_expire, review_claim_next
from reviewportal.services.urgent import (
    urgent_ticket_accept,
    urgent_ticket_decline,
    urgent_ticket_file,
)
from signatures.models import Material, Qualification, SignatureApplication
from signatures.services import (
    authorization_create,
    material_open,
    qualification_change_start,
    qualification_update,
    signature_application_create,
    signature_application_update,
    trademark_create,
)
from tests.factories import (
    CustomerFactory,
    QualificationFactory,
    StaffFactory,
    make_material,
)
from tests.states import walk_to

pytestmark = pytest.mark.django_db

S = ReviewState
T = UrgentTicket.State


def _fresh(user: User) -> User:
    """The user read again (permissions are cached on the instance)."""
    return User.objects.get(pk=user.pk)


def _with_perm(user: User, codename: str, app_label: str = "reviewportal") -> User:
    user.user_permissions.add(
        Permission.objects.get(codename=codename, content_type__app_label=app_label)
    )
    return _fresh(user)


@pytest.fixture
def roleless_staff(db):
    """A staff user in no role group: staff, but with no permission at all."""
    return StaffFactory()


@pytest.fixture
def inactive_customer(account):
    return CustomerFactory(account=account, is_active=False)


# --- urgent tickets -----------------------------------------------------------------------------


@pytest.fixture
def pending(signature, customer):
    return lc.review_submit(item=signature, user=customer)


@pytest.fixture
def ticket(pending, customer):
    return urgent_ticket_file(item=pending, user=customer, reason="明天发布会需要使用")


def _urgent_notifications() -> int:
    return Notification.objects.filter(kind="urgent").count()


def _unchanged(ticket: UrgentTicket, pending: SignatureApplication) -> None:
    """The ticket is still open and unanswered, its item keeps its clock, no one was told."""
    ticket = UrgentTicket.objects.get(pk=ticket.pk)
    assert ticket.state == T.OPEN
    assert ticket.handled_by is None and ticket.handled_at is None
    assert not transition_log_for(ticket).exists()
    item = SignatureApplication.objects.get(pk=pending.pk)
    assert not item.is_urgent
    assert (item.due_at, item.sla_policy_id) == (pending.due_at, pending.sla_policy_id)
    assert _urgent_notifications() == 0


@pytest.mark.parametrize("who", ["reviewer", "customer", "auditor", "roleless_staff"])
def test_only_support_may_decline_an_urgent_request(request, ticket, pending, who):
    with pytest.raises(PermissionRefused, match="Only support staff"):
        urgent_ticket_decline(ticket=ticket, user=request.getfixturevalue(who), note="不需要加急")
    _unchanged(ticket, pending)


@pytest.mark.parametrize("who", ["reviewer", "customer", "auditor", "roleless_staff"])
def test_only_support_may_accept_an_urgent_request(request, ticket, pending, who):
    with pytest.raises(PermissionRefused, match="Only support staff"):
        urgent_ticket_accept(ticket=ticket, user=request.getfixturevalue(who), note="已加急")
    _unchanged(ticket, pending)


@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_a_customer_given_the_urgent_permission_is_still_not_support(
    ticket, pending, customer, answer
):
    """The permission alone is not enough: only active staff answer urgent requests."""
    customer = _with_perm(customer, "handle_urgent")
    assert customer.has_perm("reviewportal.handle_urgent")
    with pytest.raises(PermissionRefused, match="Only support staff"):
        if answer == "accept":
            urgent_ticket_accept(ticket=ticket, user=customer)
        else:
            urgent_ticket_decline(ticket=ticket, user=customer, note="不需要加急")
    _unchanged(ticket, pending)


@pytest.mark.parametrize("first", ["accept", "decline"])
@pytest.mark.parametrize("second", ["accept", "decline"])
def test_only_an_open_urgent_request_is_answered(ticket, support, senior, first, second):
    if first == "accept":
        urgent_ticket_accept(ticket=ticket, user=support, note="已加急")
    else:
        urgent_ticket_decline(ticket=ticket, user=support, note="标准时效内即可完成")
    answered = UrgentTicket.objects.get(pk=ticket.pk)
    told = _urgent_notifications()

    with pytest.raises(TransitionRefused, match="has already been answered"):
        if second == "accept":
            urgent_ticket_accept(ticket=ticket, user=senior, note="再次加急")
        else:
            urgent_ticket_decline(ticket=ticket, user=senior, note="改为拒绝")

    again = UrgentTicket.objects.get(pk=ticket.pk)
    assert (again.state, again.handled_by, again.handled_at, again.note) == (
        answered.state,
        support,
        answered.handled_at,
        answered.note,
    )
    assert transition_log_for(ticket).count() == 1
    assert _urgent_notifications() == told


@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_the_customer_is_told_of_the_answer(ticket, pending, customer, support, answer):
    colleague = CustomerFactory(account=customer.account)
    CustomerFactory(account=customer.account, is_active=False)
    CustomerFactory()  # another account's user hears nothing
    if answer == "accept":
        urgent_ticket_accept(ticket=ticket, user=support, note="已加急处理")
    else:
        urgent_ticket_decline(ticket=ticket, user=support, note="标准时效内即可完成")

    told = Notification.objects.filter(kind="urgent").order_by("recipient_id")
    assert [n.recipient for n in told] == [customer, colleague]
    for notification in told:
        assert notification.account == customer.account
        assert notification.subject == SignatureApplication.objects.get(pk=pending.pk)
        assert pending.public_id in notification.body
        assert ("已加急处理" if answer == "accept" else "标准时效内即可完成") in notification.body


@pytest.mark.parametrize("state", [S.APPROVED, S.REJECTED])
def test_an_urgent_request_for_an_item_decided_meanwhile_is_not_accepted(
    ticket, pending, reviewer, support, state
):
    item = lc.review_claim(item=pending, user=reviewer)
    if state == S.APPROVED:
        lc.review_approve(item=item, user=reviewer)
    else:
        lc.review_reject(item=item, user=reviewer, reasons=["other"], comment="请补充材料")
    decided = SignatureApplication.objects.get(pk=pending.pk)

    with pytest.raises(TransitionRefused, match="decline the request"):
        urgent_ticket_accept(ticket=ticket, user=support)

    assert UrgentTicket.objects.get(pk=ticket.pk).state == T.OPEN
    item = SignatureApplication.objects.get(pk=pending.pk)
    assert item.state == state and not item.is_urgent
    assert (item.sla_policy_id, item.due_at) == (decided.sla_policy_id, decided.due_at)


def test_an_inactive_customer_may_not_ask_to_expedite(pending, inactive_customer):
    with pytest.raises(PermissionRefused):
        urgent_ticket_file(item=pending, user=inactive_customer, reason="急")
    assert not UrgentTicket.objects.exists()


# --- claims -------------------------------------------------------------------------------------


@pytest.fixture
def inactive_reviewer(db):
    return StaffFactory(role="Reviewer", is_active=False)


@pytest.mark.parametrize(
    "who", ["support", "auditor", "customer", "roleless_staff", "inactive_reviewer"]
)
def test_claim_next_is_refused_to_non_reviewers_even_on_an_empty_queue(request, who):
    assert not SignatureApplication.objects.filter(state=S.PENDING_REVIEW).exists()
    with pytest.raises(PermissionRefused, match="Only reviewers may claim"):
        review_claim_next(user=request.getfixturevalue(who))


def test_a_customer_given_the_review_permission_may_not_claim_next(pending, customer):
    customer = _with_perm(customer, "review_items")
    with pytest.raises(PermissionRefused, match="Only reviewers may claim"):
        review_claim_next(user=customer)
    assert SignatureApplication.objects.get(pk=pending.pk).state == S.PENDING_REVIEW


def test_claim_next_leaves_items_claimed_by_others_alone(pending, reviewer, reviewer2):
    lc.review_claim(item=pending, user=reviewer)
    assert review_claim_next(user=reviewer2) is None
    item = SignatureApplication.objects.get(pk=pending.pk)
    assert item.claimed_by == reviewer


def test_claim_next_claims_the_head_of_the_queue(pending, reviewer):
    claimed = review_claim_next(user=reviewer)
    assert claimed.pk == pending.pk
    item = SignatureApplication.objects.get(pk=pending.pk)
    assert item.state == S.UNDER_REVIEW and item.claimed_by == reviewer


def test_a_claim_is_not_expired_before_it_has_been_idle_long_enough(pending, reviewer, settings):
    item = lc.review_claim(item=pending, user=reviewer)
    idle = timedelta(minutes=settings.REVIEW_POLICY["CLAIM_IDLE_MINUTES"])

    assert (
        review_claim_expire(item=item, now=item.claimed_at + idle - timedelta(seconds=1)) is False
    )
    kept = SignatureApplication.objects.get(pk=item.pk)
    assert kept.state == S.UNDER_REVIEW and kept.claimed_by == reviewer
    assert kept.claimed_at == item.claimed_at

    assert review_claim_expire(item=item, now=item.claimed_at + idle + timedelta(seconds=1))
    released = SignatureApplication.objects.get(pk=item.pk)
    assert released.state == S.PENDING_REVIEW and released.claimed_by is None


def test_a_claim_released_meanwhile_is_not_expired_again(pending, reviewer, settings):
    item = lc.review_claim(item=pending, user=reviewer)
    lc.review_release(item=item, user=reviewer)
    later = timezone.now() + timedelta(minutes=settings.REVIEW_POLICY["CLAIM_IDLE_MINUTES"] + 5)
    assert review_claim_expire(item=item, now=later) is False
    assert transition_log_for(item).filter(transition="release").count() == 1


# --- opening materials --------------------------------------------------------------------------


@pytest.fixture
def material(customer):
    return make_material(customer.account, "legal_rep_id_front", user=customer)


def _logs(material: Material):
    return AccessLog.objects.filter(
        content_type=ContentType.objects.get_for_model(Material), object_id=material.pk
    )


@pytest.mark.parametrize("who", ["inactive_customer", "other_customer", "roleless_staff"])
def test_a_material_is_not_opened_for_who_may_not_see_it(request, material, who):
    with pytest.raises(NotFoundForUser):
        material_open(material=material, user=request.getfixturevalue(who))
    assert not _logs(material).exists()


def test_a_user_of_no_account_and_no_staff_may_not_open_a_material(material):
    outsider = _with_perm(CustomerFactory(account=None), "view_material", app_label="signatures")
    with pytest.raises(NotFoundForUser):
        material_open(material=material, user=outsider)
    assert not _logs(material).exists()


@pytest.mark.parametrize("who", ["customer", "reviewer", "support", "auditor"])
def test_opening_a_material_writes_one_access_log_row(request, material, who):
    user = request.getfixturevalue(who)
    with material_open(material=material, user=user, ip_address="203.0.113.9") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
    (log,) = _logs(material)
    assert log.user == user
    assert log.action == AccessLog.Action.VIEW_MATERIAL
    assert log.ip_address == "203.0.113.9"
    assert log.detail == f"legal_rep_id_front {material.sha256[:12]}"


# --- materials carried over ---------------------------------------------------------------------


def _pks(item) -> set[int]:
    return set(item.materials.values_list("pk", flat=True))


def test_a_change_started_without_materials_carries_the_ones_in_force(
    approved_qualification, customer
):
    change = qualification_change_start(
        qualification=approved_qualification, user=customer, legal_rep_name="王五"
    )
    assert len(_pks(approved_qualification)) == 3
    assert _pks(change) == _pks(approved_qualification)
    assert change.state == S.PENDING_REVIEW  # submitted: the documents were there


def test_a_change_started_with_materials_carries_those(approved_qualification, customer):
    kept = list(approved_qualification.materials.exclude(kind="business_license"))
    licence = make_material(customer.account, "business_license", user=customer)
    change = qualification_change_start(
        qualification=approved_qualification, user=customer, materials=[licence, *kept]
    )
    assert _pks(change) == {licence.pk, *(m.pk for m in kept)}
    assert approved_qualification.materials.filter(pk=licence.pk).exists() is False


def test_a_signature_edit_without_materials_keeps_its_materials(signature, customer):
    own = make_material(customer.account, "other", user=customer)
    signature.materials.set([own])
    item = lc.review_submit(item=signature, user=customer)
    item = signature_application_update(application=item, user=customer, use_case="补充说明")
    assert _pks(item) == {own.pk}
    assert {m["id"] for m in item.current_revision.snapshot["materials"]} == {own.pk}


def test_a_qualification_edit_without_materials_keeps_its_materials(account, customer, reviewer):
    item = walk_to(
        QualificationFactory(account=account),
        S.REJECTED,
        customer=customer,
        reviewer=reviewer,
        senior=None,
    )
    materials = _pks(item)
    item = qualification_update(qualification=item, user=customer, legal_rep_name="王五")
    assert item.state == S.PENDING_REVIEW
    assert _pks(item) == materials and len(materials) == 3


def test_an_authorization_keeps_the_partner_materials(approved_qualification, customer):
    partner = [
        make_material(customer.account, kind, user=customer)
        for kind in ("business_license", "legal_rep_id_front", "legal_rep_id_back")
    ]
    authorization = authorization_create(
        qualification=approved_qualification,
        user=customer,
        partner_name="上海途远国际旅行社有限公司",
        partner_uscc=sample_uscc(7301, region="310000"),
        partner_legal_rep_name="周七",
        partner_legal_rep_id_number=sample_resident_id(7301),
        valid_from=dt.date(2026, 1, 1),
        valid_until=dt.date(2027, 12, 31),
        partner_materials=partner,
    )
    assert set(authorization.partner_materials.values_list("pk", flat=True)) == {
        m.pk for m in partner
    }


# --- what a signature may rely on ---------------------------------------------------------------


def _signature(qualification, customer, **fields):
    return signature_application_create(
        account=qualification.account,
        user=customer,
        qualification=qualification,
        sig_type=fields.pop("sig_type", "company"),
        content=fields.pop("content", "和讯华谷"),
        **fields,
    )


def test_a_signature_may_not_rely_on_a_pending_change(approved_qualification, customer):
    change = qualification_change_start(
        qualification=approved_qualification, user=customer, legal_rep_name="王五"
    )
    assert change.state == S.PENDING_REVIEW
    with pytest.raises(ValidationError) as refused:
        _signature(change, customer)
    assert "in force" in " ".join(refused.value.message_dict["qualification"])
    assert not SignatureApplication.objects.exists()


@pytest.fixture
def second_qualification(account, customer, reviewer):
    return walk_to(
        QualificationFactory(account=account, name="深圳市星河远航科技有限公司"),
        S.APPROVED,
        customer=customer,
        reviewer=reviewer,
        senior=None,
    )


def test_a_signature_may_not_use_another_qualifications_authorization(
    approved_qualification, second_qualification, customer
):
    authorization = authorization_create(
        qualification=second_qualification,
        user=customer,
        partner_name="上海途远国际旅行社有限公司",
        partner_uscc=sample_uscc(7302, region="310000"),
        partner_legal_rep_name="周七",
        partner_legal_rep_id_number=sample_resident_id(7302),
        valid_from=dt.date(2026, 1, 1),
        valid_until=dt.date(2027, 12, 31),
    )
    with pytest.raises(ValidationError) as refused:
        _signature(
            approved_qualification,
            customer,
            content="途远国际",
            purpose="other",
            authorization=authorization,
        )
    assert "another qualification" in " ".join(refused.value.message_dict["authorization"])
    assert not SignatureApplication.objects.exists()


def test_a_signature_may_not_use_another_qualifications_trademark(
    approved_qualification, second_qualification, customer
):
    trademark = trademark_create(
        qualification=second_qualification,
        user=customer,
        name="星河",
        registration_number="12345678",
        owner_name=second_qualification.name,
        certificate=make_material(customer.account, "trademark_certificate", user=customer),
    )
    with pytest.raises(ValidationError) as refused:
        _signature(
            approved_qualification,
            customer,
            sig_type="trademark",
            content="星河",
            trademark=trademark,
        )
    assert "another qualification" in " ".join(refused.value.message_dict["trademark"])
    assert not SignatureApplication.objects.exists()


def test_only_a_trademark_signature_takes_a_trademark(approved_qualification, customer):
    trademark = trademark_create(
        qualification=approved_qualification,
        user=customer,
        name="和讯华谷",
        registration_number="87654321",
        owner_name=approved_qualification.name,
    )
    with pytest.raises(ValidationError) as refused:
        _signature(approved_qualification, customer, trademark=trademark)
    assert "Only a trademark signature" in " ".join(refused.value.message_dict["trademark"])
    assert not SignatureApplication.objects.exists()


# --- the change flow's own guards ---------------------------------------------------------------


@pytest.mark.parametrize("state", [S.PENDING_REVIEW, S.UNDER_REVIEW, S.REJECTED])
def test_only_an_approved_qualification_is_changed(account, customer, reviewer, state):
    item = walk_to(
        QualificationFactory(account=account),
        state,
        customer=customer,
        reviewer=reviewer,
        senior=None,
    )
    with pytest.raises(TransitionRefused, match="Only an approved qualification"):
        qualification_change_start(qualification=item, user=customer, legal_rep_name="王五")
    assert not Qualification.objects.filter(change_of__isnull=False).exists()


def test_an_approved_change_is_not_changed_itself(approved_qualification, customer, reviewer):
    change = qualification_change_start(
        qualification=approved_qualification, user=customer, legal_rep_name="王五"
    )
    change = lc.review_claim(item=change, user=reviewer)
    lc.review_approve(item=change, user=reviewer)
    change = Qualification.objects.get(pk=change.pk)
    assert change.state == S.APPROVED

    with pytest.raises(TransitionRefused, match="Only an approved qualification"):
        qualification_change_start(qualification=change, user=customer, legal_rep_name="赵六")
    assert not Qualification.objects.filter(change_of=change).exists()
