"""SLA clocks set by the real lifecycle services: due times on submission, resubmission and
re-review, the qualification target, uncovered years, status, the calendar table's edits and
the queue order."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviewportal.businesstime import SlaState
from reviewportal.calendar_seed import statutory_days
from reviewportal.models import ReviewState, SlaPolicy, WorkingDay
from reviewportal.selectors import (
    review_queue,
    review_queue_all,
)
from reviewportal.services import lifecycle as lc
from reviewportal.services.calendar import calendar_import
from reviewportal.services.sla import business_calendar, sla_due, sla_status
from reviewportal.services.urgent import urgent_ticket_accept, urgent_ticket_file
from signatures.models import SignatureApplication
from signatures.services import signature_application_update
from tests.factories import (
    QualificationFactory,
    SignatureApplicationFactory,
    TemplateApplicationFactory,
)
from tests.sla.conftest import at
from tests.states import walk_to

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

NINE_HOURS = timedelta(hours=9)

# Standard review (9 business hours) submitted through review_submit.
SUBMIT_DUE_TIMES = [
    # 17:30 on a working day → 17:30 the next working day (SPEC §6).
    ("2026-11-24T17:30:00+08:00", "2026-11-25T17:30:00+08:00"),
    # Exactly at opening: due at closing the same day.
    ("2026-11-24T09:00:00+08:00", "2026-11-24T18:00:00+08:00"),
    # Before opening counts from opening.
    ("2026-11-24T07:15:00+08:00", "2026-11-24T18:00:00+08:00"),
    # Exactly at closing, and after hours: the clock starts the next working day at 09:00.
    ("2026-11-24T18:00:00+08:00", "2026-11-25T18:00:00+08:00"),
    ("2026-11-24T23:59:00+08:00", "2026-11-25T18:00:00+08:00"),
    # Friday evening and Saturday → Monday.
    ("2026-11-27T17:30:00+08:00", "2026-11-30T17:30:00+08:00"),
    ("2026-11-28T11:00:00+08:00", "2026-11-30T18:00:00+08:00"),
    # The SPEC §6 example: the 2026 National Day week (1–7 October) is skipped.
    ("2026-09-30T17:30:00+08:00", "2026-10-08T17:30:00+08:00"),
    # Make-up Saturday 10 October 2026 is a working day, Sunday 11 October is not.
    ("2026-10-10T10:00:00+08:00", "2026-10-12T10:00:00+08:00"),
    ("2026-10-09T17:30:00+08:00", "2026-10-10T17:30:00+08:00"),
    # 2026 Spring Festival: off 15–23 February, make-up Saturdays 14 and 28 February.
    ("2026-02-13T17:30:00+08:00", "2026-02-14T17:30:00+08:00"),
    ("2026-02-14T17:30:00+08:00", "2026-02-24T17:30:00+08:00"),
    # 2025 Labour Day: off 1–5 May; make-up Sunday 27 April 2025.
    ("2025-04-25T17:30:00+08:00", "2025-04-27T17:30:00+08:00"),
    ("2025-04-30T17:30:00+08:00", "2025-05-06T17:30:00+08:00"),
    # 2025 Dragon Boat (31 May – 2 June) and Qingming (4–6 April).
    ("2025-05-30T17:30:00+08:00", "2025-06-03T17:30:00+08:00"),
    ("2025-04-03T17:30:00+08:00", "2025-04-07T17:30:00+08:00"),
    # 2025 National Day and Mid-Autumn, eight days: 1–8 October.
    ("2025-09-30T17:30:00+08:00", "2025-10-09T17:30:00+08:00"),
]


@pytest.mark.parametrize(("submitted", "due"), SUBMIT_DUE_TIMES)
def test_review_submit_starts_standard_clock(submit_signature, submitted, due):
    item = submit_signature(submitted)

    item = SignatureApplication.objects.get(pk=item.pk)
    assert item.submitted_at == at(submitted)
    assert item.due_at == at(due)
    assert item.sla_policy.code == SlaPolicy.Code.STANDARD
    assert item.sla_target == NINE_HOURS
    assert not item.is_urgent
    # Property: the business time between submission and due time is exactly the target.
    assert business_calendar().business_time_between(item.submitted_at, item.due_at) == NINE_HOURS


def test_review_submit_due_times_never_decrease_as_submission_moves_later(submit_signature):
    submissions = [s for s, _due in SUBMIT_DUE_TIMES if s.startswith("2026-11")]
    dues = [submit_signature(s).due_at for s in sorted(submissions, key=at)]
    assert dues == sorted(dues)


def test_review_submit_qualification_gets_ten_working_days(clock, customer, account):
    clock("2026-09-30T17:30:00+08:00")
    qualification = lc.review_submit(item=QualificationFactory(account=account), user=customer)

    assert qualification.sla_policy.code == SlaPolicy.Code.QUALIFICATION
    assert qualification.sla_target == 10 * NINE_HOURS
    # 30 minutes on 30 September; 8, 9, 10 (make-up Saturday), 12–16 and 19 October are nine
    # full days; the last 8.5 hours end on 20 October at 17:30.
    assert qualification.due_at == at("2026-10-20T17:30:00+08:00")


def test_review_submit_uses_edited_policy_target(submit_signature):
    SlaPolicy.objects.filter(code=SlaPolicy.Code.STANDARD).update(
        target_value=2, target_unit=SlaPolicy.Unit.WORKING_DAYS
    )
    item = submit_signature("2026-11-24T17:30:00+08:00")
    assert item.sla_target == 2 * NINE_HOURS
    assert item.due_at == at("2026-11-26T17:30:00+08:00")


def test_review_resubmit_restarts_clock_and_ends_urgency(
    submit_signature, clock, customer, support
):
    item = submit_signature("2026-11-24T10:00:00+08:00")
    ticket = urgent_ticket_file(item=item, user=customer, reason="上线在即")
    clock("2026-11-24T11:00:00+08:00")
    urgent_ticket_accept(ticket=ticket, user=support)
    assert SignatureApplication.objects.get(pk=item.pk).is_urgent

    clock("2026-11-25T16:00:00+08:00")
    signature_application_update(application=item, user=customer, use_case="订单通知与验证码")

    item = SignatureApplication.objects.get(pk=item.pk)
    assert item.state == ReviewState.PENDING_REVIEW
    assert item.submitted_at == at("2026-11-25T16:00:00+08:00")
    assert item.due_at == at("2026-11-26T16:00:00+08:00")
    assert item.sla_policy.code == SlaPolicy.Code.STANDARD
    assert not item.is_urgent
    assert item.breach_recorded_at is None and item.at_risk_flagged_at is None


def test_review_flag_for_rereview_starts_clock(clock, signature, customer, reviewer, senior):
    item = walk_to(signature, "approved", customer=customer, reviewer=reviewer, senior=senior)
    clock("2026-11-27T17:00:00+08:00")
    finding = {
        "code": "SIG_TYPE_NOT_ACCEPTED",
        "severity": "block",
        "field": "sig_type",
        "message": "rule changed",
        "params": {},
    }
    lc.review_flag_for_rereview(item=item, user=senior, findings=[finding])

    item = SignatureApplication.objects.get(pk=item.pk)
    assert item.state == ReviewState.REREVIEW
    assert item.due_at == at("2026-11-30T17:00:00+08:00")


def test_review_submit_after_year_is_imported_reaches_into_it(clock, signature, customer):
    rows = [(d.replace(year=2027), w, n) for d, w, n in statutory_days([2026])]
    # Test data only (2027's real schedule is not known here): 1 January 2027 is a holiday.
    rows = [(d, w and d != date(2027, 1, 1), n) for d, w, n in rows]
    calendar_import(rows_by_year={2027: rows})

    clock("2026-12-31T17:30:00+08:00")
    item = lc.review_submit(item=signature, user=customer)
    assert item.due_at == at("2027-01-04T17:30:00+08:00")


def test_business_calendar_sees_admin_edit_at_once(submit_signature):
    # What the admin's list_editable does: save() on one row.
    day = WorkingDay.objects.get(date=date(2026, 11, 25))
    day.is_working = False
    day.note = "停电检修"
    day.save()

    item = submit_signature("2026-11-24T17:30:00+08:00")
    assert item.due_at == at("2026-11-26T17:30:00+08:00")


def test_business_calendar_incomplete_year_is_not_covered():
    WorkingDay.objects.filter(date=date(2026, 3, 2)).delete()
    assert not business_calendar().covers(2026)
    assert business_calendar().covers(2025)


def test_sla_due_policy_codes():
    start = at("2026-09-30T17:30:00+08:00")
    assert sla_due(start=start, policy="standard") == at("2026-10-08T17:30:00+08:00")
    assert sla_due(start=start, policy="urgent") == at("2026-10-08T10:30:00+08:00")
    assert sla_due(start=start, policy="filing") == at("2026-10-13T17:30:00+08:00")


@pytest.mark.parametrize(
    ("now", "remaining", "state"),
    [
        ("2026-11-24T10:00:00+08:00", timedelta(hours=8), SlaState.ON_TRACK),
        # Exactly 25 % of 9 hours left is still on track; a minute later it is at risk.
        ("2026-11-24T15:45:00+08:00", timedelta(hours=2, minutes=15), SlaState.ON_TRACK),
        ("2026-11-24T15:46:00+08:00", timedelta(hours=2, minutes=14), SlaState.AT_RISK),
        ("2026-11-24T18:00:00+08:00", timedelta(0), SlaState.BREACHED),
    ],
)
def test_sla_status_remaining_and_state(submit_signature, now, remaining, state):
    item = submit_signature("2026-11-24T09:00:00+08:00")
    status = sla_status(item, now=at(now))
    assert status.remaining == remaining
    assert status.state == state
    assert status.due_at == at("2026-11-24T18:00:00+08:00")


def test_sla_status_none_once_decided(submit_signature, reviewer):
    item = submit_signature("2026-11-24T09:00:00+08:00")
    lc.review_claim(item=item, user=reviewer)
    lc.review_reject(item=item, user=reviewer, reasons=["other"])
    assert sla_status(SignatureApplication.objects.get(pk=item.pk)) is None


# --- the queue --------------------------------------------------------------------------------


def test_review_queue_urgent_first_then_due_time(submit_signature, clock, customer, support):
    late = submit_signature("2026-11-24T15:00:00+08:00")
    early = submit_signature("2026-11-24T09:30:00+08:00")
    middle = submit_signature("2026-11-24T12:00:00+08:00")
    newest = submit_signature("2026-11-24T16:00:00+08:00")
    ticket = urgent_ticket_file(item=newest, user=customer, reason="活动明天上线")
    clock("2026-11-24T16:30:00+08:00")
    urgent_ticket_accept(ticket=ticket, user=support)
    decided = submit_signature("2026-11-24T09:00:00+08:00")
    lc.review_withdraw(item=decided, user=customer)

    assert list(review_queue(SignatureApplication)) == [newest, early, middle, late]


def test_review_queue_all_merges_kinds(submit_signature, clock, customer, reviewer, senior):
    signature = submit_signature("2026-11-24T11:00:00+08:00")
    approved = walk_to(
        SignatureApplicationFactory(qualification=signature.qualification),
        "approved",
        customer=customer,
        reviewer=reviewer,
        senior=senior,
    )
    clock("2026-11-24T10:00:00+08:00")
    template = lc.review_submit(
        item=TemplateApplicationFactory(signature=approved, account=signature.account),
        user=customer,
    )
    clock("2026-11-20T09:00:00+08:00")
    # Ten working days from 20 November: due later than both.
    qualification = lc.review_submit(
        item=QualificationFactory(account=signature.account), user=customer
    )

    assert review_queue_all(limit=10) == [template, signature, qualification]
    assert review_queue_all(limit=2) == [template, signature]


def _queue_queries(n: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        shown = [
            (item.account.name, item.claimed_by, item.sla_policy.code)
            for item in review_queue(SignatureApplication)
        ]
    assert len(shown) == n
    return len(queries)


def test_review_queue_query_count_does_not_grow_with_rows(submit_signature, reviewer):
    first = submit_signature("2026-11-24T09:00:00+08:00")
    lc.review_claim(item=first, user=reviewer)
    one = _queue_queries(1)
    for hour in (10, 11, 12):
        submit_signature(f"2026-11-24T{hour}:00:00+08:00")
    assert _queue_queries(4) == one == 1
