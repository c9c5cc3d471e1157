"""Urgent tickets: filing by the customer (who, which states, one open ticket, the monthly cap),
acceptance (2 business hours from acceptance, top of the queue) and decline by support."""

from __future__ import annotations

from datetime import timedelta

import pytest

from reviewportal.errors import (
    PermissionRefused,
    ReviewError,
    TransitionRefused,
)
from reviewportal.models import Notification, ReviewState, SlaPolicy, UrgentTicket
from reviewportal.selectors import review_queue, transition_log_for
from reviewportal.services.lifecycle import review_claim, review_withdraw
from reviewportal.services.urgent import (
    urgent_ticket_accept,
    urgent_ticket_decline,
    urgent_ticket_file,
)
from signatures.models import SignatureApplication
from tests.factories import CustomerFactory, QualificationFactory, SignatureApplicationFactory
from tests.sla.conftest import at
from tests.states import walk_to

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

S = ReviewState
T = UrgentTicket.State


@pytest.fixture
def cap(settings):
    """Set the monthly cap of urgent tickets per account."""

    def set_cap(n: int) -> None:
        settings.REVIEW_POLICY = {**settings.REVIEW_POLICY, "URGENT_TICKETS_PER_MONTH": n}

    return set_cap


@pytest.fixture
def pending(submit_signature):
    return submit_signature("2026-11-24T10:00:00+08:00")


def test_urgent_ticket_file_creates_open_ticket(pending, customer):
    ticket = urgent_ticket_file(item=pending, user=customer, reason="  明天发布会需要使用  ")

    assert ticket.state == T.OPEN
    assert ticket.subject == pending
    assert ticket.content_type.model_class() is SignatureApplication
    assert ticket.account == pending.account
    assert ticket.requested_by == customer
    assert ticket.reason == "明天发布会需要使用"


@pytest.mark.parametrize("who", ["other_customer", "support", "senior"])
def test_urgent_ticket_file_only_by_the_items_account(pending, request, who):
    with pytest.raises(PermissionRefused):
        urgent_ticket_file(item=pending, user=request.getfixturevalue(who), reason="急")
    assert not UrgentTicket.objects.exists()


@pytest.mark.parametrize(
    "state", [S.DRAFT, S.REJECTED, S.WITHDRAWN, S.APPROVED, S.REREVIEW, S.REVOKED]
)
def test_urgent_ticket_file_refused_unless_waiting_for_review(
    state, approved_qualification, customer, reviewer, senior
):
    item = walk_to(
        SignatureApplicationFactory(qualification=approved_qualification),
        state,
        customer=customer,
        reviewer=reviewer,
        senior=senior,
    )
    with pytest.raises(TransitionRefused, match="only an item waiting for review"):
        urgent_ticket_file(item=item, user=customer, reason="急")


def test_urgent_ticket_file_under_review_is_allowed(pending, customer, reviewer):
    review_claim(item=pending, user=reviewer)
    assert urgent_ticket_file(item=pending, user=customer, reason="急").state == T.OPEN


def test_urgent_ticket_file_needs_a_reason(pending, customer):
    with pytest.raises(ReviewError, match="required"):
        urgent_ticket_file(item=pending, user=customer, reason="   ")


def test_urgent_ticket_file_one_open_ticket_per_item(pending, customer):
    first = urgent_ticket_file(item=pending, user=customer, reason="急")
    with pytest.raises(ReviewError, match=first.public_id):
        urgent_ticket_file(item=pending, user=customer, reason="还是急")
    assert UrgentTicket.objects.count() == 1


def test_urgent_ticket_file_refused_once_item_is_urgent(pending, customer, support):
    urgent_ticket_accept(
        ticket=urgent_ticket_file(item=pending, user=customer, reason="急"), user=support
    )
    with pytest.raises(ReviewError, match="already being reviewed urgently"):
        urgent_ticket_file(item=pending, user=customer, reason="再急一点")


def test_urgent_ticket_file_monthly_cap(submit_signature, customer, cap):
    cap(2)
    items = [submit_signature(f"2026-11-{day}T10:00:00+08:00") for day in ("02", "03", "04", "05")]
    urgent_ticket_file(item=items[0], user=customer, reason="急")
    urgent_ticket_file(item=items[1], user=customer, reason="急")

    with pytest.raises(ReviewError, match="used its 2 urgent requests") as refused:
        urgent_ticket_file(item=items[2], user=customer, reason="急")
    assert refused.value.code == "urgent_cap_reached"
    assert "2026-12-01" in refused.value.message
    assert UrgentTicket.objects.count() == 2


def test_urgent_ticket_file_declined_tickets_do_not_count(submit_signature, customer, support, cap):
    cap(1)
    first, second = (submit_signature(f"2026-11-{d}T10:00:00+08:00") for d in ("02", "03"))
    urgent_ticket_decline(
        ticket=urgent_ticket_file(item=first, user=customer, reason="急"),
        user=support,
        note="当前队列无积压，标准时效内即可完成。",
    )
    assert urgent_ticket_file(item=second, user=customer, reason="急").state == T.OPEN


def test_urgent_ticket_file_cap_counts_per_local_month(submit_signature, customer, cap):
    cap(1)
    # 30 November 23:30 in Beijing is still November there (15:30 UTC).
    november = submit_signature("2026-11-30T23:30:00+08:00")
    urgent_ticket_file(item=november, user=customer, reason="急")
    december = submit_signature("2026-12-01T00:10:00+08:00")
    assert urgent_ticket_file(item=december, user=customer, reason="急").state == T.OPEN


def test_urgent_ticket_file_cap_is_per_account(pending, customer, reviewer, cap):
    cap(1)
    urgent_ticket_file(item=pending, user=customer, reason="急")
    other = CustomerFactory()
    qualification = walk_to(
        QualificationFactory(account=other.account),
        "approved",
        customer=other,
        reviewer=reviewer,
        senior=None,
    )
    theirs = walk_to(
        # Another content: a signature is unique across entities (SIG_TAKEN).
        SignatureApplicationFactory(qualification=qualification, content="华谷信息"),
        "pending_review",
        customer=other,
        reviewer=reviewer,
        senior=None,
    )
    assert urgent_ticket_file(item=theirs, user=other, reason="急").state == T.OPEN


# --- accept / decline -------------------------------------------------------------------------


def test_urgent_ticket_accept_restarts_clock_at_two_business_hours(
    pending, clock, customer, support
):
    ticket = urgent_ticket_file(item=pending, user=customer, reason="急")
    accepted_at = clock("2026-11-24T17:00:00+08:00")
    ticket = urgent_ticket_accept(ticket=ticket, user=support, note="已加急")

    item = SignatureApplication.objects.get(pk=pending.pk)
    assert item.is_urgent
    assert item.sla_policy.code == SlaPolicy.Code.URGENT
    assert item.sla_target == timedelta(hours=2)
    # One hour left on Tuesday, the second from Wednesday's opening.
    assert item.due_at == at("2026-11-25T10:00:00+08:00")
    assert ticket.state == T.ACCEPTED
    assert ticket.handled_by == support and ticket.handled_at == accepted_at
    assert ticket.note == "已加急"
    log = transition_log_for(ticket).get()
    assert (log.transition, log.by, log.state) == ("accept", support, T.ACCEPTED)
    told = Notification.objects.get(recipient=customer, kind="urgent")
    assert item.public_id in told.body and "2026-11-25 10:00" in told.body


def test_urgent_ticket_accept_moves_item_to_top_of_queue(
    submit_signature, clock, customer, support
):
    first = submit_signature("2026-11-24T09:00:00+08:00")
    last = submit_signature("2026-11-24T15:00:00+08:00")
    assert list(review_queue(SignatureApplication)) == [first, last]

    clock("2026-11-24T15:30:00+08:00")
    urgent_ticket_accept(
        ticket=urgent_ticket_file(item=last, user=customer, reason="急"), user=support
    )
    assert list(review_queue(SignatureApplication)) == [last, first]


@pytest.mark.parametrize("who", ["reviewer", "customer", "auditor"])
def test_urgent_ticket_accept_needs_urgent_permission(pending, customer, request, who):
    ticket = urgent_ticket_file(item=pending, user=customer, reason="急")
    with pytest.raises(PermissionRefused):
        urgent_ticket_accept(ticket=ticket, user=request.getfixturevalue(who))
    ticket.refresh_from_db()
    assert ticket.state == T.OPEN
    assert not SignatureApplication.objects.get(pk=pending.pk).is_urgent


def test_urgent_ticket_accept_by_senior_reviewer(pending, customer, senior):
    ticket = urgent_ticket_file(item=pending, user=customer, reason="急")
    assert urgent_ticket_accept(ticket=ticket, user=senior).state == T.ACCEPTED


def test_urgent_ticket_accept_twice_is_refused(pending, customer, support):
    ticket = urgent_ticket_file(item=pending, user=customer, reason="急")
    urgent_ticket_accept(ticket=ticket, user=support)
    with pytest.raises(TransitionRefused, match="already been answered"):
        urgent_ticket_accept(ticket=ticket, user=support)
    with pytest.raises(TransitionRefused):
        urgent_ticket_decline(ticket=ticket, user=support, note="不需要")


def test_urgent_ticket_accept_item_no_longer_waiting_is_refused(pending, customer, support):
    ticket = urgent_ticket_file(item=pending, user=customer, reason="急")
    review_withdraw(item=pending, user=customer)
    with pytest.raises(TransitionRefused, match="decline the request"):
        urgent_ticket_accept(ticket=ticket, user=support)
    ticket.refresh_from_db()
    assert ticket.state == T.OPEN


def test_urgent_ticket_decline_tells_customer_and_keeps_due_time(pending, customer, support):
    due = pending.due_at
    ticket = urgent_ticket_file(item=pending, user=customer, reason="急")
    ticket = urgent_ticket_decline(ticket=ticket, user=support, note="材料不全，加急无法缩短审核。")

    assert ticket.state == T.DECLINED and ticket.handled_by == support
    item = SignatureApplication.objects.get(pk=pending.pk)
    assert item.due_at == due and not item.is_urgent
    log = transition_log_for(ticket).get()
    assert (log.transition, log.by) == ("decline", support)
    told = Notification.objects.get(recipient=customer, kind="urgent")
    assert "材料不全" in told.body


def test_urgent_ticket_decline_needs_a_note(pending, customer, support):
    ticket = urgent_ticket_file(item=pending, user=customer, reason="急")
    with pytest.raises(ReviewError, match="required"):
        urgent_ticket_decline(ticket=ticket, user=support, note="")
    ticket.refresh_from_db()
    assert ticket.state == T.OPEN
