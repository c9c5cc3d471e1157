"""Urgent requests, exactly: who may file one and the words of each refusal (with its code),
what an accepted or declined request records on the ticket and in its history, what an
acceptance does to the item's clock, and what the customer is told in each case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType

from reviewportal.errors import PermissionRefused, ReviewError, TransitionRefused
from reviewportal.models import Notification, UrgentTicket
from reviewportal.selectors import transition_log_for
from reviewportal.services import lifecycle as lc
from reviewportal.services.urgent import (
    urgent_ticket_accept,
    urgent_ticket_decline,
    urgent_ticket_file,
)
from tests.factories import CustomerFactory, QualificationFactory, SignatureApplicationFactory
from tests.states import walk_to

BEIJING = ZoneInfo("Asia/Shanghai")
#: Monday 23 November 2026, 10:00 in Beijing: a working day of the seeded calendar.
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=BEIJING)


@pytest.fixture
def at_t0(time_machine):
    # Given in UTC: time-machine leaves the process time zone alone then.
    time_machine.move_to(T0.astimezone(UTC), tick=False)


@pytest.fixture
def pending(at_t0, approved_qualification, customer, reviewer, senior):
    return walk_to(
        SignatureApplicationFactory(qualification=approved_qualification, content="和讯华谷"),
        "pending_review", customer=customer, reviewer=reviewer, senior=senior,
    )  # fmt: skip


@pytest.fixture
def ticket(pending, customer):
    return urgent_ticket_file(item=pending, user=customer, reason="发布会")


def short(item) -> str:
    """How a signature application names itself in a refusal."""
    return f"【{item.content}】 {item.public_id}"


def name(item) -> str:
    """How a notification names a signature application."""
    return f"signature application {short(item)}"


def told(user) -> Notification:
    return Notification.objects.filter(recipient=user, kind="urgent").latest("pk")


# --- filing ------------------------------------------------------------------------------------


def test_a_user_of_another_account_is_refused_in_those_words(pending, other_customer):
    with pytest.raises(PermissionRefused) as refused:
        urgent_ticket_file(item=pending, user=other_customer, reason="发布会")
    assert str(refused.value) == (
        f"Only users of the account that owns {short(pending)} may ask to expedite it."
    )
    assert not UrgentTicket.objects.exists()


def test_an_inactive_user_of_the_items_account_may_not_ask(pending, account):
    inactive = CustomerFactory(account=account, is_active=False)
    with pytest.raises(PermissionRefused):
        urgent_ticket_file(item=pending, user=inactive, reason="发布会")
    assert not UrgentTicket.objects.exists()


def test_an_item_not_waiting_for_review_is_refused_naming_its_state(
    at_t0, approved_qualification, customer
):
    draft = SignatureApplicationFactory(qualification=approved_qualification)
    with pytest.raises(TransitionRefused) as refused:
        urgent_ticket_file(item=draft, user=customer, reason="发布会")
    assert str(refused.value) == (
        f"{short(draft)} is {draft.get_state_display()}; only an item waiting for review "
        "can be expedited."
    )
    assert not UrgentTicket.objects.exists()


def test_an_urgent_item_is_refused_with_its_code(ticket, pending, customer, support):
    urgent_ticket_accept(ticket=ticket, user=support)
    with pytest.raises(ReviewError) as refused:
        urgent_ticket_file(item=pending, user=customer, reason="再急一点")
    assert refused.value.code == "already_urgent"
    assert str(refused.value) == f"{short(pending)} is already being reviewed urgently."


def test_a_second_request_while_one_waits_names_the_waiting_ticket(ticket, pending, customer):
    with pytest.raises(ReviewError) as refused:
        urgent_ticket_file(item=pending, user=customer, reason="还是急")
    assert refused.value.code == "urgent_ticket_open"
    assert str(refused.value) == (
        f"{short(pending)} already has an urgent request waiting for support ({ticket.public_id})."
    )
    assert UrgentTicket.objects.count() == 1


def test_a_waiting_request_of_another_item_does_not_stop_a_new_one(ticket, pending, customer):
    other = lc.review_submit(
        item=SignatureApplicationFactory(qualification=pending.qualification, content="和讯"),
        user=customer,
    )
    assert urgent_ticket_file(item=other, user=customer, reason="发布会").state == "open"


def test_a_waiting_request_of_another_kind_with_the_same_key_does_not_stop_a_new_one(
    pending, account, customer, reviewer
):
    # A qualification and a signature application may share a primary key: the waiting
    # request is looked up by kind and key.
    qualification = QualificationFactory(account=account)
    qualification = lc.review_submit(item=qualification, user=customer)
    UrgentTicket.objects.create(
        account=account,
        content_type=ContentType.objects.get_for_model(qualification),
        object_id=pending.pk,
        requested_by=customer,
        reason="资质加急",
    )
    assert urgent_ticket_file(item=pending, user=customer, reason="发布会").state == "open"


def test_an_answered_request_of_the_item_does_not_stop_a_new_one(
    ticket, pending, customer, support
):
    urgent_ticket_decline(ticket=ticket, user=support, note="无需加急")
    again = urgent_ticket_file(item=pending, user=customer, reason="真的很急")
    assert again.state == "open" and again.pk != ticket.pk


def test_the_cap_counts_only_the_accounts_own_requests(pending, customer, other_customer, settings):
    settings.REVIEW_POLICY = {**settings.REVIEW_POLICY, "URGENT_TICKETS_PER_MONTH": 1}
    UrgentTicket.objects.create(
        account=other_customer.account,
        content_type=ContentType.objects.get_for_model(pending),
        object_id=pending.pk + 1000,
        requested_by=other_customer,
        reason="别的账户",
    )
    assert urgent_ticket_file(item=pending, user=customer, reason="发布会").state == "open"


def test_the_ticket_filed_records_the_request(ticket, pending, customer):
    ticket = UrgentTicket.objects.get(pk=ticket.pk)
    assert ticket.state == "open"
    assert ticket.account_id == pending.account_id
    assert (ticket.content_type.model_class(), ticket.object_id) == (type(pending), pending.pk)
    assert ticket.requested_by == customer
    assert ticket.reason == "发布会"
    assert (ticket.handled_by, ticket.handled_at, ticket.note) == (None, None, "")


# --- acceptance --------------------------------------------------------------------------------


def test_an_acceptance_records_who_when_and_the_note(ticket, support):
    urgent_ticket_accept(ticket=ticket, user=support, note="  今天处理  ")
    ticket = UrgentTicket.objects.get(pk=ticket.pk)
    assert ticket.state == "accepted"
    assert (ticket.handled_by, ticket.handled_at, ticket.note) == (support, T0, "今天处理")
    log = transition_log_for(ticket).get()
    assert (log.transition, log.by, log.description) == ("accept", support, "今天处理")


def test_an_acceptance_without_a_note_logs_no_description(ticket, support):
    urgent_ticket_accept(ticket=ticket, user=support)
    ticket = UrgentTicket.objects.get(pk=ticket.pk)
    assert (ticket.handled_by, ticket.note) == (support, "")
    log = transition_log_for(ticket).get()
    assert (log.by, log.description) == (support, None)


def test_an_acceptance_restarts_the_clock_under_the_urgent_policy(ticket, pending, support):
    urgent_ticket_accept(ticket=ticket, user=support)
    item = type(pending).objects.get(pk=pending.pk)
    assert item.is_urgent is True
    assert item.sla_policy.code == "urgent"
    assert item.sla_started_at == T0
    assert item.due_at == T0 + timedelta(hours=2)


def test_a_note_too_long_is_refused_by_its_name(ticket, support, settings):
    limit = settings.REVIEW_POLICY["COMMENT_MAX_LENGTH"]
    with pytest.raises(ReviewError) as refused:
        urgent_ticket_accept(ticket=ticket, user=support, note="好" * (limit + 1))
    assert str(refused.value) == (
        f"The note is too long ({limit + 1} characters; at most {limit})."
    )
    assert UrgentTicket.objects.get(pk=ticket.pk).state == "open"


def test_an_item_no_longer_waiting_is_refused_naming_its_state(ticket, pending, customer, support):
    lc.review_withdraw(item=pending, user=customer)
    item = type(pending).objects.get(pk=pending.pk)
    with pytest.raises(TransitionRefused) as refused:
        urgent_ticket_accept(ticket=ticket, user=support)
    assert str(refused.value) == (
        f"{short(item)} is {item.get_state_display()} and no longer waiting for review; "
        "decline the request."
    )
    assert UrgentTicket.objects.get(pk=ticket.pk).state == "open"


def test_the_customer_is_told_the_due_time_and_the_note(ticket, pending, customer, support):
    urgent_ticket_accept(ticket=ticket, user=support, note="今天处理")
    note = told(customer)
    assert note.account_id == pending.account_id
    assert note.text_in("en") == (
        f"Urgent review accepted: {name(pending)}",
        f"{name(pending)} will be reviewed by 2026-11-23 12:00 (Beijing time).\n今天处理",
    )


def test_without_a_note_the_customer_is_told_only_the_due_time(ticket, pending, customer, support):
    urgent_ticket_accept(ticket=ticket, user=support)
    assert told(customer).text_in("en")[1] == (
        f"{name(pending)} will be reviewed by 2026-11-23 12:00 (Beijing time)."
    )


def test_an_acceptance_past_the_calendar_says_the_item_is_reviewed_first(
    approved_qualification, customer, reviewer, senior, support, time_machine
):
    # 31 December 17:30: two business hours later is in 2027, which the calendar lacks.
    time_machine.move_to(datetime(2026, 12, 31, 17, 30, tzinfo=BEIJING), tick=False)
    item = walk_to(
        SignatureApplicationFactory(qualification=approved_qualification, content="和讯华谷"),
        "pending_review", customer=customer, reviewer=reviewer, senior=senior,
    )  # fmt: skip
    ticket = urgent_ticket_file(item=item, user=customer, reason="发布会")
    urgent_ticket_accept(ticket=ticket, user=support, note="尽快")
    assert told(customer).text_in("en")[1] == (
        f"{name(item)} is reviewed first; due time pending: the 2027 calendar is not "
        "imported.\n尽快"
    )


# --- decline -----------------------------------------------------------------------------------


def test_a_decline_records_who_when_and_why(ticket, pending, customer, support):
    urgent_ticket_decline(ticket=ticket, user=support, note="  当前无积压  ")
    ticket = UrgentTicket.objects.get(pk=ticket.pk)
    assert ticket.state == "declined"
    assert (ticket.handled_by, ticket.handled_at, ticket.note) == (support, T0, "当前无积压")
    log = transition_log_for(ticket).get()
    assert (log.transition, log.by, log.description) == ("decline", support, "当前无积压")
    note = told(customer)
    assert note.account_id == pending.account_id
    assert note.text_in("en") == (
        f"Urgent review declined: {name(pending)}",
        f"Your request to expedite {name(pending)} was declined:\n当前无积压",
    )
    item = type(pending).objects.get(pk=pending.pk)
    assert item.is_urgent is False and item.sla_policy.code != "urgent"


# --- a server clock in another time zone -------------------------------------------------------


@pytest.fixture
def server_in_utc(settings):
    """The server runs in UTC; the business hours and the customer's dates stay Beijing's."""
    settings.TIME_ZONE = "UTC"


def test_the_due_time_is_told_in_beijing_time_whatever_the_servers_zone(
    server_in_utc, ticket, pending, customer, support
):
    urgent_ticket_accept(ticket=ticket, user=support)
    assert told(customer).text_in("en")[1] == (
        f"{name(pending)} will be reviewed by 2026-11-23 12:00 (Beijing time)."
    )


def test_the_monthly_cap_follows_beijing_whatever_the_servers_zone(
    server_in_utc, pending, customer, settings, time_machine
):
    settings.REVIEW_POLICY = {**settings.REVIEW_POLICY, "URGENT_TICKETS_PER_MONTH": 1}
    # 1 December 00:30 in Beijing is still 30 November in UTC: November's ticket is another
    # month's in Beijing.
    UrgentTicket.objects.create(
        account=pending.account,
        content_type=ContentType.objects.get_for_model(pending),
        object_id=pending.pk + 1000,
        requested_by=customer,
        reason="十一月",
    )
    UrgentTicket.objects.update(created_at=datetime(2026, 11, 30, 23, 50, tzinfo=BEIJING))
    time_machine.move_to(datetime(2026, 12, 1, 0, 30, tzinfo=BEIJING).astimezone(UTC), tick=False)
    assert urgent_ticket_file(item=pending, user=customer, reason="发布会").state == "open"
