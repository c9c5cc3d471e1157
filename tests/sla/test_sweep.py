"""The periodic SLA sweep: each breach recorded once, at-risk items flagged once, one
notification per senior reviewer per run, and a query count that does not grow with items."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviewportal.models import Notification
from reviewportal.services import lifecycle as lc
from reviewportal.services.sla import sla_sweep_run
from reviewportal.tasks import sla_sweep
from signatures.models import SignatureApplication
from tests.sla.conftest import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

# Submitted at 09:00 on Tuesday 24 November 2026: due at 18:00 the same day, at risk after 15:45
# (exactly 2 h 15 min, a quarter of 9 hours, left is still on track).
SUBMITTED = "2026-11-24T09:00:00+08:00"
DUE = "2026-11-24T18:00:00+08:00"


def fresh(item) -> SignatureApplication:
    return SignatureApplication.objects.get(pk=item.pk)


def test_sla_sweep_run_records_breach_once(submit_signature, clock, senior, reviewer):
    item = submit_signature(SUBMITTED)
    now = clock("2026-11-24T18:05:00+08:00")

    report = sla_sweep_run()

    assert [e.public_id for e in report.breached] == [item.public_id]
    assert fresh(item).breach_recorded_at == now
    told = Notification.objects.get(recipient=senior, kind="sla")
    assert item.public_id in told.body and "2026-11-24 18:00" in told.body
    assert not Notification.objects.filter(recipient=reviewer).exists()

    clock("2026-11-25T09:00:00+08:00")
    again = sla_sweep_run()
    assert again.breached == [] and again.at_risk == [] and again.notified == 0
    assert fresh(item).breach_recorded_at == now
    assert Notification.objects.filter(recipient=senior).count() == 1


def test_sla_sweep_run_due_time_itself_is_a_breach(submit_signature, clock):
    item = submit_signature(SUBMITTED)
    clock(DUE)
    assert [e.public_id for e in sla_sweep_run().breached] == [item.public_id]


@pytest.mark.parametrize(
    ("now", "flagged"),
    [
        ("2026-11-24T15:45:00+08:00", False),
        ("2026-11-24T15:45:01+08:00", True),
        ("2026-11-24T17:59:00+08:00", True),
    ],
)
def test_sla_sweep_run_flags_at_risk_after_three_quarters(submit_signature, clock, now, flagged):
    item = submit_signature(SUBMITTED)
    clock(now)
    report = sla_sweep_run()
    assert bool(report.at_risk) is flagged
    assert (fresh(item).at_risk_flagged_at is not None) is flagged
    assert report.breached == []


def test_sla_sweep_run_flags_at_risk_once_then_records_breach(submit_signature, clock, senior):
    item = submit_signature(SUBMITTED)
    flagged_at = clock("2026-11-24T16:00:00+08:00")
    assert [e.public_id for e in sla_sweep_run().at_risk] == [item.public_id]
    clock("2026-11-24T17:00:00+08:00")
    assert sla_sweep_run().at_risk == []
    assert fresh(item).at_risk_flagged_at == flagged_at

    breached_at = clock("2026-11-25T09:00:00+08:00")
    assert [e.public_id for e in sla_sweep_run().breached] == [item.public_id]
    assert fresh(item).breach_recorded_at == breached_at
    assert Notification.objects.filter(recipient=senior, kind="sla").count() == 2


def test_sla_sweep_run_at_risk_waits_for_opening_when_threshold_is_reached_at_closing(
    submit_signature, clock
):
    # From 11:15, 6 h 45 min of business time (the target less its quarter) ends at 18:00:
    # exactly a quarter is left all night, which is on track until the next opening.
    item = submit_signature("2026-11-24T11:15:00+08:00")
    assert fresh(item).at_risk_at == at("2026-11-25T09:00:00+08:00")
    clock("2026-11-24T22:00:00+08:00")
    assert sla_sweep_run().at_risk == []
    clock("2026-11-25T09:01:00+08:00")
    assert [e.public_id for e in sla_sweep_run().at_risk] == [item.public_id]


def test_sla_sweep_run_ignores_decided_items(submit_signature, clock, reviewer, customer):
    decided = submit_signature(SUBMITTED)
    lc.review_claim(item=decided, user=reviewer)
    lc.review_approve(item=decided, user=reviewer)
    withdrawn = submit_signature(SUBMITTED)
    lc.review_withdraw(item=withdrawn, user=customer)
    claimed = submit_signature(SUBMITTED)
    lc.review_claim(item=claimed, user=reviewer)

    clock("2026-11-25T10:00:00+08:00")
    report = sla_sweep_run()

    assert [e.public_id for e in report.breached] == [claimed.public_id]
    assert fresh(decided).breach_recorded_at is None
    assert fresh(withdrawn).breach_recorded_at is None


def test_sla_sweep_run_resubmission_starts_a_new_clock(submit_signature, clock, customer):
    from signatures.services import signature_application_update

    item = submit_signature(SUBMITTED)
    clock("2026-11-25T09:00:00+08:00")
    sla_sweep_run()
    assert fresh(item).breach_recorded_at is not None

    clock("2026-11-25T10:00:00+08:00")
    signature_application_update(application=fresh(item), user=customer, use_case="新的用途")
    assert fresh(item).breach_recorded_at is None
    assert sla_sweep_run().breached == []
    clock("2026-11-26T10:00:00+08:00")
    assert [e.public_id for e in sla_sweep_run().breached] == [item.public_id]


def _sweep_queries(submit_signature, clock, breached: int, at_risk: int) -> int:
    for _ in range(breached):
        submit_signature("2026-11-23T09:00:00+08:00")
    for _ in range(at_risk):
        submit_signature(SUBMITTED)
    clock("2026-11-24T16:00:00+08:00")
    with CaptureQueriesContext(connection) as queries:
        report = sla_sweep_run()
    assert (len(report.breached), len(report.at_risk)) == (breached, at_risk)
    return len(queries)


def test_sla_sweep_run_query_count_one_item(submit_signature, clock, senior):
    # The count for one breached and one at-risk item; the test below asserts the same count
    # for twenty of each.
    assert _sweep_queries(submit_signature, clock, 1, 1) == SWEEP_QUERIES


def test_sla_sweep_run_query_count_twenty_items(
    submit_signature, clock, senior, django_assert_num_queries
):
    for _ in range(20):
        submit_signature("2026-11-23T09:00:00+08:00")
        submit_signature(SUBMITTED)
    clock("2026-11-24T16:00:00+08:00")
    with django_assert_num_queries(SWEEP_QUERIES):
        report = sla_sweep_run()
    assert (len(report.breached), len(report.at_risk)) == (20, 20)


# Per kind of item (qualification, signature, template): one SELECT … FOR UPDATE each for due
# and at-risk items (6), one UPDATE for the kind that has some of each (2); one SELECT … FOR
# UPDATE for overdue carrier filings (1); the senior reviewers (1); one notification INSERT per
# senior (1); a savepoint and its release for the sweep's transaction and for
# notification_send's (4).
SWEEP_QUERIES = 15


def test_sla_sweep_task_runs_the_sweep(eager_tasks, submit_signature, clock, senior):
    item = submit_signature(SUBMITTED)
    clock("2026-11-25T09:00:00+08:00")
    sla_sweep.delay()
    assert fresh(item).breach_recorded_at is not None


def test_sla_sweep_is_in_beat_schedule_every_five_minutes():
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == sla_sweep.name]
    assert entries == [{"task": "reviewportal.tasks.sla_sweep", "schedule": 300.0}]


def test_sla_sweep_run_lists_at_most_fifty_items_and_counts_the_rest(
    submit_signature, clock, senior
):
    from reviewportal.services.sla.sweep import LISTED

    items = [submit_signature(SUBMITTED) for _ in range(LISTED + 3)]
    clock("2026-11-25T09:00:00+08:00")

    report = sla_sweep_run()

    assert len(report.breached) == LISTED + 3
    body = Notification.objects.get(recipient=senior, kind="sla").body
    assert body.count("\n- ") == LISTED
    assert "3" in body.splitlines()[-1] and items[0].public_id in body
