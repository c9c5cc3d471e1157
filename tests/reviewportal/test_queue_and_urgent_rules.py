"""The rules of the queue and of urgent requests, exactly: which item "claim next" hands out
across kinds (urgent first, then the earliest due time, then the earliest start), what the
idle-claim sweep counts, the calendar month of the urgent cap in Beijing time, and the words
each refusal and notice uses."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from reviewportal.errors import PermissionRefused, ReviewError, TransitionRefused
from reviewportal.models import Notification
from reviewportal.services import lifecycle as lc
from reviewportal.services.claims import review_claim_next, review_claims_expire_run
from reviewportal.services.urgent import (
    urgent_ticket_accept,
    urgent_ticket_decline,
    urgent_ticket_file,
)
from tests.factories import (
    QualificationFactory,
    SignatureApplicationFactory,
    TemplateApplicationFactory,
)
from tests.states import walk_to

BEIJING = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=BEIJING)


@pytest.fixture
def three_kinds(account, customer, reviewer, senior, approved_qualification):
    """A pending qualification, signature and template: the heads of the three queues."""
    qualification = walk_to(
        QualificationFactory(account=account), "pending_review",
        customer=customer, reviewer=reviewer, senior=senior,
    )  # fmt: skip
    approved = walk_to(
        SignatureApplicationFactory(qualification=approved_qualification, content="和讯华谷"),
        "approved", customer=customer, reviewer=reviewer, senior=senior,
    )  # fmt: skip
    signature = walk_to(
        SignatureApplicationFactory(qualification=approved_qualification, content="华谷信息"),
        "pending_review", customer=customer, reviewer=reviewer, senior=senior,
    )  # fmt: skip
    template = walk_to(
        TemplateApplicationFactory(signature=approved), "pending_review",
        customer=customer, reviewer=reviewer, senior=senior,
    )  # fmt: skip
    return {"qualification": qualification, "signature": signature, "template": template}


def _clock(item, *, urgent=False, due=None, started=None, submitted=None):
    """Set the queue fields of ``item`` as the SLA clock would have."""
    type(item).objects.filter(pk=item.pk).update(
        is_urgent=urgent,
        due_at=due,
        sla_started_at=started or T0,
        submitted_at=submitted or T0,
    )


def _hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def _next(reviewer):
    item = review_claim_next(user=reviewer)
    return item._meta.model_name


def test_an_urgent_item_comes_first_whatever_its_due_time(three_kinds, reviewer):
    _clock(three_kinds["qualification"], due=_hours(1))
    _clock(three_kinds["signature"], urgent=True, due=_hours(30))
    _clock(three_kinds["template"], due=_hours(2))
    assert _next(reviewer) == "signatureapplication"


def test_then_the_earliest_due_time_not_the_earliest_start(three_kinds, reviewer):
    _clock(three_kinds["qualification"], due=_hours(9), started=_hours(-5))
    _clock(three_kinds["signature"], due=_hours(5), started=_hours(-1))
    _clock(three_kinds["template"], due=_hours(3), started=_hours(0))
    assert [_next(reviewer) for _ in range(3)] == [
        "templateapplication",
        "signatureapplication",
        "qualification",
    ]


def test_an_item_whose_due_time_is_pending_comes_after_those_with_one(three_kinds, reviewer):
    _clock(three_kinds["qualification"], due=None, started=_hours(-50))
    _clock(three_kinds["signature"], due=_hours(40), started=_hours(0))
    _clock(three_kinds["template"], due=_hours(50), started=_hours(0))
    assert [_next(reviewer) for _ in range(3)] == [
        "signatureapplication",
        "templateapplication",
        "qualification",
    ]


def test_without_due_times_the_clock_start_decides_not_the_submission(three_kinds, reviewer):
    # Started (the SLA clock) and submitted in opposite orders.
    _clock(three_kinds["qualification"], started=_hours(-1), submitted=_hours(-0.5))
    _clock(three_kinds["signature"], started=_hours(-0.8), submitted=_hours(-0.9))
    _clock(three_kinds["template"], started=_hours(-0.6), submitted=_hours(-1.5))
    assert [_next(reviewer) for _ in range(3)] == [
        "qualification",
        "signatureapplication",
        "templateapplication",
    ]


def test_equal_due_times_are_ordered_by_the_clock_start(three_kinds, reviewer):
    _clock(three_kinds["qualification"], due=_hours(4), started=_hours(-1), submitted=_hours(-0.5))
    _clock(three_kinds["signature"], due=_hours(4), started=_hours(-0.8), submitted=_hours(-0.9))
    _clock(three_kinds["template"], due=_hours(4), started=_hours(-0.6), submitted=_hours(-1.5))
    assert [_next(reviewer) for _ in range(3)] == [
        "qualification",
        "signatureapplication",
        "templateapplication",
    ]


def test_claim_next_says_who_may_claim(support):
    with pytest.raises(PermissionRefused) as refused:
        review_claim_next(user=support)
    assert str(refused.value) == "Only reviewers may claim items."


# --- the idle-claim sweep ----------------------------------------------------------------------


def test_the_sweep_counts_every_claim_it_returns(three_kinds, reviewer, settings):
    idle = settings.REVIEW_POLICY["CLAIM_IDLE_MINUTES"]
    for item in three_kinds.values():
        lc.review_claim(item=item, user=reviewer)
    # As of a moment past the idle time, without moving the clock: the sweep uses its ``now``.
    later = timezone.now() + timedelta(minutes=idle + 1)
    assert review_claims_expire_run(now=later) == 3
    for item in three_kinds.values():
        item.refresh_from_db()
        assert item.state == "pending_review" and item.claimed_by is None


def test_the_sweep_as_of_now_leaves_fresh_claims(three_kinds, reviewer):
    for item in three_kinds.values():
        lc.review_claim(item=item, user=reviewer)
    assert review_claims_expire_run() == 0


# --- urgent requests -------------------------------------------------------------------------


@pytest.fixture
def cap_of_one(settings):
    settings.REVIEW_POLICY = {**settings.REVIEW_POLICY, "URGENT_TICKETS_PER_MONTH": 1}


def test_the_monthly_cap_follows_the_beijing_calendar_month(
    three_kinds, customer, cap_of_one, time_machine
):
    # 23:30 on 30 November in Beijing is still November there (15:30 UTC).
    time_machine.move_to(datetime(2026, 11, 30, 23, 30, tzinfo=BEIJING), tick=False)
    urgent_ticket_file(item=three_kinds["signature"], user=customer, reason="上线活动")
    with pytest.raises(ReviewError) as refused:
        urgent_ticket_file(item=three_kinds["template"], user=customer, reason="上线活动")
    assert refused.value.code == "urgent_cap_reached"
    assert str(refused.value) == (
        "Your account has used its 1 urgent requests for this month; you can ask again from "
        "2026-12-01."
    )
    # 00:30 on 1 December in Beijing (still 30 November in UTC): a new month, a new cap.
    time_machine.move_to(datetime(2026, 12, 1, 0, 30, tzinfo=BEIJING), tick=False)
    assert urgent_ticket_file(item=three_kinds["template"], user=customer, reason="上线活动")


def test_the_cap_of_december_opens_again_in_january(
    three_kinds, customer, cap_of_one, time_machine
):
    time_machine.move_to(datetime(2026, 12, 15, 10, 0, tzinfo=BEIJING), tick=False)
    urgent_ticket_file(item=three_kinds["signature"], user=customer, reason="年终活动")
    with pytest.raises(ReviewError) as refused:
        urgent_ticket_file(item=three_kinds["template"], user=customer, reason="年终活动")
    assert str(refused.value).endswith("you can ask again from 2027-01-01.")


def test_a_ticket_of_the_first_morning_of_the_month_counts(
    three_kinds, customer, cap_of_one, time_machine
):
    time_machine.move_to(datetime(2026, 12, 1, 0, 5, tzinfo=BEIJING), tick=False)
    urgent_ticket_file(item=three_kinds["signature"], user=customer, reason="上线活动")
    time_machine.move_to(datetime(2026, 12, 20, 9, 0, tzinfo=BEIJING), tick=False)
    with pytest.raises(ReviewError):
        urgent_ticket_file(item=three_kinds["template"], user=customer, reason="上线活动")


def test_the_month_starts_at_midnight_to_the_microsecond(
    three_kinds, customer, cap_of_one, time_machine
):
    # A ticket of the very first instant of December counts against December's cap, checked at
    # a time with minutes, seconds and microseconds of its own.
    time_machine.move_to(datetime(2026, 12, 1, 0, 0, 0, 0, tzinfo=BEIJING), tick=False)
    urgent_ticket_file(item=three_kinds["signature"], user=customer, reason="上线活动")
    time_machine.move_to(datetime(2026, 12, 20, 9, 47, 33, 123456, tzinfo=BEIJING), tick=False)
    with pytest.raises(ReviewError) as refused:
        urgent_ticket_file(item=three_kinds["template"], user=customer, reason="上线活动")
    assert refused.value.code == "urgent_cap_reached"


def test_a_reason_of_exactly_the_limit_is_accepted(three_kinds, customer, settings):
    limit = settings.REVIEW_POLICY["COMMENT_MAX_LENGTH"]
    ticket = urgent_ticket_file(item=three_kinds["signature"], user=customer, reason="急" * limit)
    assert len(ticket.reason) == limit


def test_the_reason_and_the_note_are_checked_with_their_names(
    three_kinds, customer, support, settings
):
    with pytest.raises(ReviewError) as refused:
        urgent_ticket_file(item=three_kinds["signature"], user=customer, reason="  ")
    assert (str(refused.value), refused.value.code) == ("The reason is required.", "required")
    limit = settings.REVIEW_POLICY["COMMENT_MAX_LENGTH"]
    with pytest.raises(ReviewError) as refused:
        urgent_ticket_file(item=three_kinds["signature"], user=customer, reason="急" * (limit + 1))
    assert str(refused.value) == (
        f"The reason is too long ({limit + 1} characters; at most {limit})."
    )
    ticket = urgent_ticket_file(item=three_kinds["signature"], user=customer, reason="上线活动")
    with pytest.raises(ReviewError) as refused:
        urgent_ticket_decline(ticket=ticket, user=support, note="")
    assert str(refused.value) == "The note is required."


def test_only_support_answers_in_those_words(three_kinds, customer, reviewer):
    ticket = urgent_ticket_file(item=three_kinds["signature"], user=customer, reason="上线活动")
    with pytest.raises(PermissionRefused) as refused:
        urgent_ticket_accept(ticket=ticket, user=reviewer)
    assert str(refused.value) == "Only support staff may answer urgent requests."


def test_an_answered_ticket_says_how_it_was_answered(three_kinds, customer, support):
    ticket = urgent_ticket_file(item=three_kinds["signature"], user=customer, reason="上线活动")
    urgent_ticket_decline(ticket=ticket, user=support, note="无需加急")
    with pytest.raises(TransitionRefused) as refused:
        urgent_ticket_accept(ticket=ticket, user=support)
    assert str(refused.value) == (
        f"Urgent request {ticket.public_id} has already been answered (Declined)."
    )


def test_the_acceptance_tells_the_due_time_in_beijing_time(
    three_kinds, customer, support, time_machine
):
    # Monday 10:00 in Beijing (02:00 UTC): two business hours later is 12:00 Beijing time.
    time_machine.move_to(T0, tick=False)
    ticket = urgent_ticket_file(item=three_kinds["signature"], user=customer, reason="上线活动")
    urgent_ticket_accept(ticket=ticket, user=support)
    note = Notification.objects.filter(recipient=customer, kind="urgent").latest("pk")
    title, body = note.texts["en"]["title"], note.texts["en"]["body"]
    assert title.startswith("Urgent review accepted: ")
    assert body.endswith("will be reviewed by 2026-11-23 12:00 (Beijing time).")
