"""Staff see a missing year coming: the warning the console shows, the weekly reminder to
senior reviewers, and the sweep's safety net for clocks a year entered behind its back."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from reviewportal.models import Notification, WorkingDay
from reviewportal.services.calendar import (
    calendar_coverage_remind,
    calendar_coverage_warning,
    calendar_import,
    calendar_stopgap,
    calendar_weekend_rows,
)
from reviewportal.services.sla import sla_pending_recompute
from reviewportal.services.sla.recompute import _recompute_touched_since
from reviewportal.tasks import sla_sweep
from signatures.models import SignatureApplication
from tests.sla.conftest import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def fresh(item):
    return SignatureApplication.objects.get(pk=item.pk)


def test_calendar_coverage_warning_before_november_is_silent():
    assert calendar_coverage_warning(today=date(2026, 10, 31)) is None


def test_calendar_coverage_warning_from_november_names_the_year_and_pending_clocks(
    submit_signature,
):
    submit_signature("2026-12-31T17:30:00+08:00")
    warning = calendar_coverage_warning(today=date(2026, 11, 1))
    assert (warning.year, warning.provisional, warning.pending) == (2027, False, 1)
    assert "The 2027 calendar is not imported." in warning.text
    assert "1 open clocks have their due time pending" in warning.text
    assert "calendar_import --year 2027 --csv FILE --commit" in warning.text


def test_calendar_coverage_warning_for_a_provisional_year():
    calendar_stopgap(today=date(2026, 12, 24))
    warning = calendar_coverage_warning(today=date(2026, 12, 24))
    assert (warning.year, warning.provisional) == (2027, True)
    assert "provisional (Monday–Friday working, no statutory holidays)" in warning.text


def test_calendar_coverage_warning_once_next_year_is_in_is_silent():
    calendar_import(rows_by_year={2027: calendar_weekend_rows(2027)})
    assert calendar_coverage_warning(today=date(2026, 12, 24)) is None


def test_calendar_coverage_remind_tells_seniors_once_a_week(clock, senior, reviewer):
    now = clock("2026-12-01T10:00:00+08:00")
    assert calendar_coverage_remind(now=now) == 1
    told = Notification.objects.get(recipient=senior, kind="calendar")
    assert "2027" in told.title and "calendar_import" in told.body
    assert not Notification.objects.filter(recipient=reviewer).exists()

    assert calendar_coverage_remind(now=now + timedelta(days=6)) == 0
    assert calendar_coverage_remind(now=now + timedelta(days=7, minutes=1)) == 1
    assert Notification.objects.filter(recipient=senior, kind="calendar").count() == 2


def test_calendar_coverage_remind_says_nothing_before_november(clock, senior):
    assert calendar_coverage_remind(now=at("2026-10-15T10:00:00+08:00")) == 0
    assert not Notification.objects.exists()


def test_sla_sweep_task_computes_clocks_pending_on_a_year_entered_directly(
    eager_tasks, submit_signature
):
    item = submit_signature("2026-12-31T17:30:00+08:00")
    WorkingDay.objects.bulk_create(
        WorkingDay(date=day, is_working=working, note=note)
        for day, working, note in calendar_weekend_rows(2027)
    )

    sla_sweep.delay()

    assert fresh(item).due_at == at("2027-01-01T17:30:00+08:00")
    assert fresh(item).due_pending_year is None


def test_sla_pending_recompute_gives_a_started_clock_without_due_time_its_due_time(
    submit_signature,
):
    # A filing waiting at a carrier when the filing clock came in has a start and no due time.
    item = submit_signature("2026-11-24T09:00:00+08:00")
    SignatureApplication.objects.filter(pk=item.pk).update(due_at=None, at_risk_at=None)

    assert sla_pending_recompute() == 1
    assert fresh(item).due_at == at("2026-11-24T18:00:00+08:00")
    assert sla_pending_recompute() == 0


def test_recompute_after_commit_walks_clocks_started_alongside_the_change(submit_signature):
    # A submission that read the calendar before the change committed wrote the old instants.
    item = submit_signature("2026-11-24T17:30:00+08:00")
    started = fresh(item).updated_at
    WorkingDay.objects.filter(date=date(2026, 11, 25)).update(is_working=False)
    WorkingDay.objects.filter(date=date(2026, 11, 25)).first().save()  # the table's version moves

    _recompute_touched_since(started)

    assert fresh(item).due_at == at("2026-11-26T17:30:00+08:00")


@pytest.mark.parametrize(
    ("role", "may_edit"),
    [("Senior reviewer", True), ("Auditor", False), ("Reviewer", None)],
)
def test_roles_keep_and_read_the_calendar(role, may_edit):
    from tests.factories import StaffFactory

    user = StaffFactory(role=role)
    reads = user.has_perm("reviewportal.view_calendarchange")
    assert reads is (may_edit is not None)
    assert user.has_perm("reviewportal.view_workingday") is reads
    assert user.has_perm("carriers.view_carrierpause") is reads
    for perm in (
        "reviewportal.change_workingday",
        "reviewportal.change_slapolicy",
        "carriers.add_carrierpause",
        "carriers.delete_carrierpause",
    ):
        assert user.has_perm(perm) is bool(may_edit)
