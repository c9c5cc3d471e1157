"""``/health/``'s calendar check: fails without the current year, warns from 1 November when
next year is missing (SPEC §6), and while a current or coming year is only provisional."""

from __future__ import annotations

from datetime import date

import pytest

from reviewportal.calendar_seed import statutory_days
from reviewportal.errors import ReviewError
from reviewportal.models import WorkingDay
from reviewportal.services.calendar import (
    calendar_health,
    calendar_import,
    calendar_stopgap,
    calendar_weekend_rows,
)

pytestmark = pytest.mark.django_db


def add_year(year: int) -> None:
    """Test data: 2026's flags on the same month and day of ``year`` (weekdays differ, which
    does not matter to a coverage check)."""
    rows = [(d.replace(year=year), w, n) for d, w, n in statutory_days([2026])]
    calendar_import(rows_by_year={year: rows})


@pytest.mark.parametrize(
    ("today", "warned"),
    [
        (date(2026, 6, 1), False),
        (date(2026, 10, 31), False),
        (date(2026, 11, 1), True),
        (date(2026, 12, 31), True),
    ],
)
def test_calendar_health_warns_from_november_when_next_year_missing(today, warned):
    result = calendar_health(today=today)
    assert result["ok"] is True
    assert ("warning" in result) is warned
    if warned:
        assert "calendar not configured for 2027" in result["warning"]


def test_calendar_health_next_year_present_no_warning():
    add_year(2027)
    result = calendar_health(today=date(2026, 11, 20))
    assert result == {"ok": True, "years": list(range(2004, 2028))}


def test_calendar_health_current_year_missing_fails():
    result = calendar_health(today=date(2027, 1, 4))
    assert result["ok"] is False
    assert result["error"] == "calendar not configured for 2027"


def test_calendar_health_incomplete_current_year_fails():
    WorkingDay.objects.filter(date=date(2026, 7, 1)).delete()
    assert calendar_health(today=date(2026, 7, 2))["ok"] is False


def test_health_view_warns_with_status_200(client, health_token, time_machine):
    time_machine.move_to("2026-11-02T10:00:00+08:00", tick=False)
    response = client.get("/health/", **health_token)
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "warn"
    assert body["checks"]["calendar"]["ok"] is True
    assert "2027" in body["checks"]["calendar"]["warning"]


def test_health_view_fails_without_current_year(client, health_token, time_machine):
    time_machine.move_to("2026-06-01T10:00:00+08:00", tick=False)
    WorkingDay.objects.filter(date__year=2026).delete()
    response = client.get("/health/", **health_token)
    body = response.json()
    assert response.status_code == 503
    assert body["checks"]["calendar"] == {
        "ok": False,
        "years": list(range(2004, 2026)),
        "error": "calendar not configured for 2026",
        "ms": body["checks"]["calendar"]["ms"],
    }


# --- provisional years (calendar_stopgap) ---------------------------------------------------


def test_calendar_stopgap_enters_next_year_weekends_only_from_november():
    assert calendar_stopgap(today=date(2026, 12, 24)) == [2027]

    days = WorkingDay.objects.filter(date__year=2027)
    assert days.count() == 365
    assert not days.filter(provisional=False).exists()
    # Weekends off, every weekday working: New Year's Day 2027 (a Friday) is a guess.
    assert WorkingDay.objects.get(date=date(2027, 1, 1)).is_working
    assert not WorkingDay.objects.get(date=date(2027, 1, 2)).is_working
    assert days.filter(is_working=True).count() == 261
    assert not WorkingDay.objects.filter(date__year=2026, provisional=True).exists()
    # Once is enough.
    assert calendar_stopgap(today=date(2026, 12, 24)) == []

    result = calendar_health(today=date(2026, 12, 24))
    assert result["ok"] is True
    assert result["provisional_years"] == [2027]
    assert "calendar for 2027 is provisional" in result["warning"]


def test_calendar_stopgap_before_november_enters_nothing():
    assert calendar_stopgap(today=date(2026, 6, 1)) == []
    assert not WorkingDay.objects.filter(provisional=True).exists()
    assert "provisional_years" not in calendar_health(today=date(2026, 6, 1))


def test_calendar_stopgap_enters_a_missing_current_year():
    assert calendar_health(today=date(2028, 3, 1))["ok"] is False

    assert calendar_stopgap(today=date(2028, 3, 1)) == [2028]

    assert not WorkingDay.objects.filter(date__year=2027).exists()
    result = calendar_health(today=date(2028, 3, 1))
    assert result["ok"] is True
    assert "calendar for 2028 is provisional" in result["warning"]
    # A provisional year long past is no longer worth a warning.
    add_year(2029)
    assert "warning" not in calendar_health(today=date(2029, 3, 1))


def test_provisional_year_is_only_entered_where_the_table_has_nothing():
    with pytest.raises(ReviewError, match="only entered where the calendar has nothing"):
        calendar_import(rows_by_year={2026: calendar_weekend_rows(2026)}, provisional=True)
    assert not WorkingDay.objects.filter(provisional=True).exists()
