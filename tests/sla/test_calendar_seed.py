"""Calendar sources: the chinese_calendar seed and the typed-in CSV of a State Council notice."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from reviewportal.businesstime import BusinessCalendar
from reviewportal.calendar_seed import (
    MAKE_UP_MARKER,
    parse_calendar_csv,
    parse_calendar_csv_with_hours,
    statutory_days,
    statutory_years,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "calendar-csv-format.md"


def _span(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# (first day off, last day off, Chinese name, make-up working days) from the State Council notices
# for 2025 and 2026.
HOLIDAY_PERIODS = [
    (date(2025, 1, 1), date(2025, 1, 1), "元旦", []),
    (date(2025, 1, 28), date(2025, 2, 4), "春节", [date(2025, 1, 26), date(2025, 2, 8)]),
    (date(2025, 4, 4), date(2025, 4, 6), "清明", []),
    (date(2025, 5, 1), date(2025, 5, 5), "劳动节", [date(2025, 4, 27)]),
    (date(2025, 5, 31), date(2025, 6, 2), "端午", []),
    (date(2025, 10, 1), date(2025, 10, 8), "国庆节", [date(2025, 9, 28), date(2025, 10, 11)]),
    (date(2026, 1, 1), date(2026, 1, 3), "元旦", [date(2026, 1, 4)]),
    (date(2026, 2, 15), date(2026, 2, 23), "春节", [date(2026, 2, 14), date(2026, 2, 28)]),
    (date(2026, 4, 4), date(2026, 4, 6), "清明", []),
    (date(2026, 5, 1), date(2026, 5, 5), "劳动节", [date(2026, 5, 9)]),
    (date(2026, 6, 19), date(2026, 6, 21), "端午", []),
    (date(2026, 9, 25), date(2026, 9, 27), "中秋", []),
    (date(2026, 10, 1), date(2026, 10, 7), "国庆节", [date(2026, 9, 20), date(2026, 10, 10)]),
]

# 2024 too, for the day before New Year 2025.
SEEDED = {day: (working, note) for day, working, note in statutory_days([2024, 2025, 2026])}


@pytest.mark.parametrize(("first", "last", "name", "make_up"), HOLIDAY_PERIODS)
def test_statutory_days_holiday_periods_of_2025_and_2026(
    first: date, last: date, name: str, make_up: list[date]
) -> None:
    for day in _span(first, last):
        working, note = SEEDED[day]
        assert not working, day
        # 2025-10-06 is Mid-Autumn inside the National Day holiday.
        expected_name = "中秋" if day == date(2025, 10, 6) else name
        assert note.startswith(expected_name), (day, note)
    # In 2025 and 2026 the day before and the day after every period are working days, so the
    # ends of each period are exact.
    assert SEEDED[first - timedelta(days=1)][0]
    assert SEEDED[last + timedelta(days=1)][0]
    for day in make_up:
        working, note = SEEDED[day]
        assert working, day
        assert day.weekday() >= 5, day
        assert note.startswith(MAKE_UP_MARKER), (day, note)
        assert name in note, (day, note)


def test_statutory_days_weekend_working_days_2025_2026_are_exactly_the_make_up_days() -> None:
    weekend_working = sorted(
        day
        for day, (working, _) in SEEDED.items()
        if working and day.weekday() >= 5 and day.year >= 2025
    )

    assert weekend_working == [
        date(2025, 1, 26),
        date(2025, 2, 8),
        date(2025, 4, 27),
        date(2025, 9, 28),
        date(2025, 10, 11),
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]


def test_statutory_years_is_the_range_chinese_calendar_answers_for() -> None:
    years = statutory_years()

    assert 2025 in years
    assert 2026 in years
    chinese_calendar.is_workday(date(years[0], 1, 1))
    chinese_calendar.is_workday(date(years[-1], 12, 31))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(years[-1] + 1, 1, 1))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(years[0] - 1, 12, 31))


def test_statutory_days_default_lists_every_date_of_every_covered_year_once() -> None:
    rows = statutory_days()
    years = statutory_years()
    days = [day for day, _, _ in rows]

    assert days == _span(date(years[0], 1, 1), date(years[-1], 12, 31))
    assert all(working == chinese_calendar.is_workday(day) for day, working, _ in rows)


def test_statutory_days_make_up_marker_only_on_weekend_working_days() -> None:
    for day, working, note in statutory_days():
        is_make_up = working and day.weekday() >= 5
        assert note.startswith(MAKE_UP_MARKER) == is_make_up, (day, note)
        if not working and day.weekday() < 5:
            assert note, day


def test_statutory_days_uncovered_year_is_refused_with_the_year() -> None:
    with pytest.raises(ValueError, match="no schedule for 2027"):
        statutory_days([2026, 2027])


def _documented_csv() -> str:
    blocks = re.findall(r"```csv\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) == 1
    return blocks[0]


def test_parse_calendar_csv_documented_2026_example_reproduces_chinese_calendar() -> None:
    assert parse_calendar_csv(_documented_csv(), 2026) == statutory_days([2026])


def test_parse_calendar_csv_documented_2026_example_gives_the_spec_due_time() -> None:
    rows = [*statutory_days([2025]), *parse_calendar_csv(_documented_csv(), 2026)]
    calendar = BusinessCalendar.from_rows(rows)

    due = calendar.add_business_time(
        datetime.fromisoformat("2026-09-30T17:30:00+08:00"), timedelta(hours=9)
    )

    assert due.isoformat() == "2026-10-08T17:30:00+08:00"


def test_parse_calendar_csv_unlisted_dates_follow_monday_to_friday() -> None:
    rows = parse_calendar_csv("2028-01-03,holiday,元旦\n", 2028)

    assert len(rows) == 366
    flags = {day: working for day, working, _ in rows}
    assert flags[date(2028, 1, 3)] is False
    assert flags[date(2028, 1, 4)] is True
    assert flags[date(2028, 1, 8)] is False
    assert flags[date(2028, 2, 29)] is True


def test_parse_calendar_csv_workday_row_makes_a_weekend_day_working() -> None:
    rows = parse_calendar_csv("date,kind,name\n# 调休\n\n2028-01-08,WorkDay\n", 2028)

    day, working, note = rows[7]
    assert day == date(2028, 1, 8)
    assert working is True
    assert note == MAKE_UP_MARKER


def test_parse_calendar_csv_with_hours_reads_half_days_and_make_up_hours() -> None:
    text = (
        "date,kind,name,opens,closes\n"
        "2026-10-01,holiday,国庆节\n"
        "2026-10-10,workday,国庆节,09:00,12:00\n"
        "2026-12-31,hours,跨年半天,09:00,13:30\n"
    )
    rows, hours = parse_calendar_csv_with_hours(text, 2026)

    assert hours == {
        date(2026, 10, 10): (time(9, 0), time(12, 0)),
        date(2026, 12, 31): (time(9, 0), time(13, 30)),
    }
    by_day = {day: (working, note) for day, working, note in rows}
    assert by_day[date(2026, 12, 31)] == (True, "跨年半天")
    assert by_day[date(2026, 10, 10)][0] is True
    assert parse_calendar_csv(text, 2026) == rows


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("date,kind,name\n2026-10-01,holiday\n2026-13-01,holiday\n", "line 3: '2026-13-01'"),
        ("2026-02-30,holiday\n", "line 1: '2026-02-30' is not a valid date"),
        ("2026/10/01,holiday\n", "line 1: '2026/10/01' is not a date in the form YYYY-MM-DD"),
        ("20261001,holiday\n", "line 1: '20261001' is not a date"),
        ("2026-10-01,holiday\n2025-12-31,holiday\n", "line 2: 2025-12-31 is outside 2026"),
        ("2026-10-01,holliday\n", "line 1: unknown kind 'holliday'"),
        ("2026-10-01,holiday\n\n2026-10-01,holiday\n", "line 3: 2026-10-01 is listed twice"),
        ("2026-10-01,holiday\n2026-10-01,workday\n", "(first on line 1)"),
        ("2026-09-21,workday\n", "line 1: 2026-09-21 is a Monday, already a working day"),
        ("2026-10-01\n", "line 1: expected date,kind"),
        ("2026-10-01,holiday,国庆节,extra\n", "got 4"),
        ("2026-10-01,holiday\n2026-12-31,hours,跨年,14:00,12:00\n", "line 2: closing time 12:00"),
        ("2026-10-01,holiday\n2026-12-31,hours,跨年,09:00,09:00\n", "is not after opening"),
        ("2026-10-01,holiday\n2026-12-31,hours,跨年,9am,12:00\n", "line 2: opening time '9am'"),
        ("2026-10-01,holiday\n2026-12-31,hours,跨年,09:00,25:00\n", "'25:00' is not a valid"),
        ("2026-10-01,holiday\n2026-12-31,hours\n", "line 2: an hours row needs opens,closes"),
        ("2026-10-01,holiday,国庆节,09:00,12:00\n", "line 1: 2026-10-01 is a holiday and has no"),
        ("2026-10-01,holiday\n2026-10-10,hours,x,09:00,12:00\n", "line 2: 2026-10-10 is a Sat"),
        ("2026-10-01,holiday\n2026-12-31,hours,x,09:00\n", "got 4"),
        ("date,kind,name\n# nothing typed yet\n", "no holiday or workday rows for 2026"),
    ],
)
def test_parse_calendar_csv_bad_rows_are_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_calendar_csv(text, 2026)
