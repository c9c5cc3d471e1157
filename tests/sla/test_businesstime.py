"""Business-time engine: due times across the 2025 and 2026 State Council schedules, boundaries,
uncovered years, SLA states, and properties checked against independent oracles."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewportal.businesstime import (
    BusinessCalendar,
    CalendarNotConfigured,
    SlaState,
)
from reviewportal.calendar_seed import statutory_days

SHANGHAI = ZoneInfo("Asia/Shanghai")
STANDARD = timedelta(hours=9)
URGENT = timedelta(hours=2)

CALENDAR = BusinessCalendar.from_rows(statutory_days([2025, 2026]))


def at(text: str) -> datetime:
    """An aware datetime from ISO text that carries its offset."""
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None
    return value


# Standard 9-business-hour reviews around every holiday period of 2025 and 2026 and the make-up
# working days (调休) next to them. Dates from the State Council notices, as chinese_calendar has
# them.
HOLIDAY_DUE_TIMES = [
    # 2025 Spring Festival: off Tue 01-28 .. Tue 02-04; make-up Sun 01-26 and Sat 02-08.
    ("2025-01-24T17:30:00+08:00", "2025-01-26T17:30:00+08:00"),
    ("2025-01-26T10:00:00+08:00", "2025-01-27T10:00:00+08:00"),
    ("2025-01-27T17:30:00+08:00", "2025-02-05T17:30:00+08:00"),
    ("2025-02-07T17:30:00+08:00", "2025-02-08T17:30:00+08:00"),
    # 2025 Qingming: off Fri 04-04 .. Sun 04-06.
    ("2025-04-03T17:30:00+08:00", "2025-04-07T17:30:00+08:00"),
    # 2025 Labour Day: off Thu 05-01 .. Mon 05-05; make-up Sun 04-27.
    ("2025-04-26T12:00:00+08:00", "2025-04-27T18:00:00+08:00"),
    ("2025-04-30T17:30:00+08:00", "2025-05-06T17:30:00+08:00"),
    # 2025 Dragon Boat: off Sat 05-31 .. Mon 06-02.
    ("2025-05-30T17:30:00+08:00", "2025-06-03T17:30:00+08:00"),
    # 2025 National Day with Mid-Autumn (10-06): off Wed 10-01 .. Wed 10-08, eight days;
    # make-up Sun 09-28 and Sat 10-11.
    ("2025-09-27T20:00:00+08:00", "2025-09-28T18:00:00+08:00"),
    ("2025-09-30T17:30:00+08:00", "2025-10-09T17:30:00+08:00"),
    ("2025-10-05T11:00:00+08:00", "2025-10-09T18:00:00+08:00"),
    ("2025-10-10T17:30:00+08:00", "2025-10-11T17:30:00+08:00"),
    # 2026 New Year: off Thu 01-01 .. Sat 01-03; make-up Sun 01-04 (the walk crosses the year).
    ("2025-12-31T17:30:00+08:00", "2026-01-04T17:30:00+08:00"),
    # 2026 Spring Festival: off Sun 02-15 .. Mon 02-23, nine days; make-up Sat 02-14 and 02-28.
    ("2026-02-13T17:30:00+08:00", "2026-02-14T17:30:00+08:00"),
    ("2026-02-14T17:30:00+08:00", "2026-02-24T17:30:00+08:00"),
    ("2026-02-27T17:30:00+08:00", "2026-02-28T17:30:00+08:00"),
    # 2026 Qingming: off Sat 04-04 .. Mon 04-06.
    ("2026-04-03T17:30:00+08:00", "2026-04-07T17:30:00+08:00"),
    # 2026 Labour Day: off Fri 05-01 .. Tue 05-05; make-up Sat 05-09.
    ("2026-04-30T17:30:00+08:00", "2026-05-06T17:30:00+08:00"),
    ("2026-05-08T17:30:00+08:00", "2026-05-09T17:30:00+08:00"),
    # 2026 Dragon Boat: off Fri 06-19 .. Sun 06-21.
    ("2026-06-18T17:30:00+08:00", "2026-06-22T17:30:00+08:00"),
    # 2026 National Day make-up Sun 09-20, counted from its own 09:00.
    ("2026-09-19T10:00:00+08:00", "2026-09-20T18:00:00+08:00"),
    # 2026 Mid-Autumn: off Fri 09-25 .. Sun 09-27.
    ("2026-09-24T17:30:00+08:00", "2026-09-28T17:30:00+08:00"),
    # 2026 National Day: off Thu 10-01 .. Wed 10-07, seven days; make-up Sat 10-10.
    # The first row is the SPEC §6 example of `manage.py sla due`.
    ("2026-09-30T17:30:00+08:00", "2026-10-08T17:30:00+08:00"),
    ("2026-10-09T17:30:00+08:00", "2026-10-10T17:30:00+08:00"),
]


@pytest.mark.parametrize(("start", "expected"), HOLIDAY_DUE_TIMES)
def test_add_business_time_standard_target_across_holidays(start: str, expected: str) -> None:
    due = CALENDAR.add_business_time(at(start), STANDARD)

    assert due.isoformat() == expected


def test_add_business_time_spec_example_national_day_2026() -> None:
    due = CALENDAR.add_business_time(at("2026-09-30T17:30:00+08:00"), STANDARD)

    assert due.isoformat() == "2026-10-08T17:30:00+08:00"
    assert due.tzinfo == SHANGHAI


# Boundaries on an ordinary week: Monday 2026-03-09 to Friday 2026-03-13, weekend 03-14/15.
BOUNDARY_DUE_TIMES = [
    ("2026-03-09T09:00:00+08:00", STANDARD, "2026-03-09T18:00:00+08:00"),
    ("2026-03-09T08:59:00+08:00", STANDARD, "2026-03-09T18:00:00+08:00"),
    ("2026-03-09T00:00:00+08:00", timedelta(minutes=1), "2026-03-09T09:01:00+08:00"),
    ("2026-03-09T17:30:00+08:00", timedelta(minutes=30), "2026-03-09T18:00:00+08:00"),
    ("2026-03-09T17:30:00+08:00", timedelta(minutes=31), "2026-03-10T09:01:00+08:00"),
    ("2026-03-09T17:30:00+08:00", STANDARD, "2026-03-10T17:30:00+08:00"),
    ("2026-03-09T18:00:00+08:00", STANDARD, "2026-03-10T18:00:00+08:00"),
    ("2026-03-09T18:01:00+08:00", STANDARD, "2026-03-10T18:00:00+08:00"),
    ("2026-03-09T18:00:00+08:00", timedelta(seconds=1), "2026-03-10T09:00:01+08:00"),
    ("2026-03-13T17:30:00+08:00", STANDARD, "2026-03-16T17:30:00+08:00"),
    ("2026-03-14T10:00:00+08:00", timedelta(hours=1), "2026-03-16T10:00:00+08:00"),
    ("2026-03-15T23:59:00+08:00", URGENT, "2026-03-16T11:00:00+08:00"),
    ("2026-03-09T10:00:00+08:00", timedelta(hours=18), "2026-03-11T10:00:00+08:00"),
]


@pytest.mark.parametrize(("start", "duration", "expected"), BOUNDARY_DUE_TIMES)
def test_add_business_time_opening_hour_boundaries(
    start: str, duration: timedelta, expected: str
) -> None:
    assert CALENDAR.add_business_time(at(start), duration).isoformat() == expected


def test_add_business_time_zero_duration_is_due_at_start() -> None:
    start = at("2026-03-14T20:00:00+08:00")

    assert CALENDAR.add_business_time(start, timedelta(0)) == start


def test_add_business_time_converts_other_offsets_to_calendar_zone() -> None:
    # 09:30 UTC is 17:30 in Shanghai.
    due = CALENDAR.add_business_time(datetime(2026, 3, 9, 9, 30, tzinfo=UTC), STANDARD)

    assert due.isoformat() == "2026-03-10T17:30:00+08:00"
    assert due.tzinfo == SHANGHAI


def test_add_business_time_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        CALENDAR.add_business_time(datetime(2026, 3, 9, 10, 0), STANDARD)


def test_add_business_time_negative_duration_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        CALENDAR.add_business_time(at("2026-03-09T10:00:00+08:00"), -STANDARD)


def test_add_business_time_walk_into_uncovered_year_names_the_year() -> None:
    # Thursday 2026-12-31 17:30: the remaining 8.5 hours need 2027, which is not configured.
    with pytest.raises(CalendarNotConfigured, match="calendar not configured for 2027") as caught:
        CALENDAR.add_business_time(at("2026-12-31T17:30:00+08:00"), STANDARD)

    assert caught.value.year == 2027


def test_add_business_time_start_in_uncovered_year_names_the_year() -> None:
    with pytest.raises(CalendarNotConfigured, match="calendar not configured for 2024"):
        CALENDAR.add_business_time(at("2024-12-31T10:00:00+08:00"), timedelta(0))


def test_add_business_time_ending_at_closing_needs_no_next_year() -> None:
    due = CALENDAR.add_business_time(at("2026-12-31T17:30:00+08:00"), timedelta(minutes=30))

    assert due.isoformat() == "2026-12-31T18:00:00+08:00"


def test_is_working_day_uncovered_ordinary_monday_has_no_weekday_fallback() -> None:
    with pytest.raises(CalendarNotConfigured) as caught:
        CALENDAR.is_working_day(date(2027, 1, 4))

    assert str(caught.value) == "calendar not configured for 2027"


def test_is_working_day_make_up_weekend_days_are_working() -> None:
    make_up = [date(2025, 9, 28), date(2025, 10, 11), date(2026, 2, 14), date(2026, 9, 20)]
    assert all(CALENDAR.is_working_day(day) for day in make_up)
    assert not CALENDAR.is_working_day(date(2026, 10, 5))
    assert not CALENDAR.is_working_day(date(2026, 3, 14))


def test_is_working_day_datetime_is_refused() -> None:
    with pytest.raises(TypeError, match="date"):
        CALENDAR.is_working_day(at("2026-03-09T10:00:00+08:00"))


def test_business_time_between_across_uncovered_year_names_the_year() -> None:
    with pytest.raises(CalendarNotConfigured, match="2027"):
        CALENDAR.business_time_between(
            at("2026-12-31T10:00:00+08:00"), at("2027-01-04T10:00:00+08:00")
        )


def test_business_time_between_reversed_or_equal_is_zero() -> None:
    later = at("2026-03-10T12:00:00+08:00")
    earlier = at("2026-03-09T12:00:00+08:00")

    assert CALENDAR.business_time_between(later, earlier) == timedelta(0)
    assert CALENDAR.business_time_between(later, later) == timedelta(0)


def test_business_time_between_skips_the_2025_national_day_week() -> None:
    # 17:00 Tue 09-30 to 10:00 Thu 10-09: one hour before the holiday, one hour after it.
    elapsed = CALENDAR.business_time_between(
        at("2025-09-30T17:00:00+08:00"), at("2025-10-09T10:00:00+08:00")
    )

    assert elapsed == timedelta(hours=2)


def test_add_working_days_carrier_target_across_national_day_2026() -> None:
    # 0.5 h on 09-30, then 10-08, 10-09, 10-10 (make-up Saturday), 10-12 and 8.5 h of 10-13.
    due = CALENDAR.add_working_days(at("2026-09-30T17:30:00+08:00"), 5)

    assert due.isoformat() == "2026-10-13T17:30:00+08:00"


def test_add_working_days_qualification_target_across_spring_festival_2026() -> None:
    # Working days after Fri 02-13: 02-14 (Sat), 02-24..02-27, 02-28 (Sat), 03-02..03-05.
    due = CALENDAR.add_working_days(at("2026-02-13T10:00:00+08:00"), 10)

    assert due.isoformat() == "2026-03-05T10:00:00+08:00"


def test_add_working_days_negative_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        CALENDAR.add_working_days(at("2026-03-09T10:00:00+08:00"), -1)


def test_business_calendar_incomplete_year_is_refused() -> None:
    flags = {day: working for day, working, _ in statutory_days([2026])}
    del flags[date(2026, 7, 1)]

    with pytest.raises(ValueError, match="2026-07-01"):
        BusinessCalendar(flags)


def test_business_calendar_undeclared_year_is_not_used() -> None:
    # 2026 rows are present, but only 2025 is declared covered (2026 still being entered).
    calendar = BusinessCalendar.from_rows(statutory_days([2025, 2026]), years=[2025])

    assert calendar.covers(2025)
    assert not calendar.covers(2026)
    with pytest.raises(CalendarNotConfigured, match="2026"):
        calendar.add_business_time(at("2025-12-31T17:30:00+08:00"), STANDARD)


def test_business_calendar_from_rows_conflicting_rows_are_refused() -> None:
    rows = [*statutory_days([2026]), (date(2026, 10, 1), True, "")]

    with pytest.raises(ValueError, match="2026-10-01"):
        BusinessCalendar.from_rows(rows)


def test_business_calendar_opening_hours_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="before"):
        BusinessCalendar({}, years=[], opens=time(18), closes=time(9))


def test_business_calendar_custom_hours_and_zone() -> None:
    weekdays_2030 = {
        date(2030, 1, 1) + timedelta(days=n): (date(2030, 1, 1) + timedelta(days=n)).weekday() < 5
        for n in range(365)
    }
    calendar = BusinessCalendar(weekdays_2030, opens=time(10), closes=time(16), tz="UTC")

    assert calendar.day_length == timedelta(hours=6)
    # Tue 2030-01-01 15:00 UTC given in +08:00; one hour today, five hours on Wednesday.
    due = calendar.add_working_days(at("2030-01-01T23:00:00+08:00"), 1)
    assert due.isoformat() == "2030-01-02T15:00:00+00:00"


# SLA states. Tuesday 2026-03-10 18:00 is the due time of the threshold cases.
SLA_DUE = "2026-03-10T18:00:00+08:00"
SLA_STATES = [
    # Standard (9 h): at risk below 25 % = 2 h 15 min.
    ("2026-03-10T15:45:00+08:00", STANDARD, SlaState.ON_TRACK),
    ("2026-03-10T15:45:01+08:00", STANDARD, SlaState.AT_RISK),
    ("2026-03-10T09:00:00+08:00", STANDARD, SlaState.ON_TRACK),
    # Urgent (2 h): 25 % is 30 min, so the one-business-hour floor decides.
    ("2026-03-10T17:00:00+08:00", URGENT, SlaState.ON_TRACK),
    ("2026-03-10T17:00:01+08:00", URGENT, SlaState.AT_RISK),
    ("2026-03-10T17:59:59+08:00", URGENT, SlaState.AT_RISK),
    # Breached from the due instant on.
    ("2026-03-10T18:00:00+08:00", STANDARD, SlaState.BREACHED),
    ("2026-03-11T09:00:00+08:00", URGENT, SlaState.BREACHED),
]


@pytest.mark.parametrize(("now", "target", "expected"), SLA_STATES)
def test_sla_state_thresholds(now: str, target: timedelta, expected: SlaState) -> None:
    assert CALENDAR.sla_state(at(now), at(SLA_DUE), target) is expected


def test_sla_state_counts_business_time_not_wall_clock() -> None:
    # From Friday 17:00 to Monday 10:30 is 65.5 wall-clock hours but 2.5 business hours.
    friday = at("2026-03-13T17:00:00+08:00")

    assert CALENDAR.remaining(friday, at("2026-03-16T10:30:00+08:00")) == timedelta(hours=2.5)
    assert CALENDAR.sla_state(friday, at("2026-03-16T10:30:00+08:00"), STANDARD) is (
        SlaState.ON_TRACK
    )
    assert CALENDAR.sla_state(friday, at("2026-03-16T10:14:00+08:00"), STANDARD) is (
        SlaState.AT_RISK
    )


def test_remaining_after_due_is_zero() -> None:
    assert CALENDAR.remaining(at("2026-03-11T10:00:00+08:00"), at(SLA_DUE)) == timedelta(0)


# Properties. Starts stay early enough that the longest walk ends inside 2026.
starts = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2026, 6, 30), timezones=st.just(SHANGHAI)
) | st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2026, 6, 30), timezones=st.just(UTC)
)
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=9 * 40))


@given(start=starts, duration=durations)
def test_business_time_between_inverts_add_business_time(
    start: datetime, duration: timedelta
) -> None:
    due = CALENDAR.add_business_time(start, duration)

    assert CALENDAR.business_time_between(start, due) == duration


@given(start=starts, duration=durations.filter(bool))
def test_add_business_time_due_lies_inside_opening_hours_of_a_working_day(
    start: datetime, duration: timedelta
) -> None:
    due = CALENDAR.add_business_time(start, duration)

    assert due.tzinfo == SHANGHAI
    assert CALENDAR.is_working_day(due.date())
    assert time(9) < due.time() <= time(18)


@given(first=starts, second=starts, duration=durations)
def test_add_business_time_is_monotonic_in_start(
    first: datetime, second: datetime, duration: timedelta
) -> None:
    earlier, later = sorted([first, second])

    assert CALENDAR.add_business_time(earlier, duration) <= CALENDAR.add_business_time(
        later, duration
    )


@given(start=starts, first=durations, second=durations)
def test_add_business_time_is_monotonic_in_duration(
    start: datetime, first: timedelta, second: timedelta
) -> None:
    shorter, longer = sorted([first, second])

    assert CALENDAR.add_business_time(start, shorter) <= CALENDAR.add_business_time(start, longer)


@given(first=starts, second=starts, third=starts)
def test_business_time_between_is_additive(
    first: datetime, second: datetime, third: datetime
) -> None:
    a, b, c = sorted([first, second, third])

    assert CALENDAR.business_time_between(a, c) == CALENDAR.business_time_between(
        a, b
    ) + CALENDAR.business_time_between(b, c)


@cache
def _is_workday(day: date) -> bool:
    return chinese_calendar.is_workday(day)


def _minute_stepping_due(start: datetime, minutes: int) -> datetime:
    """Oracle: count business minutes one by one, straight from chinese_calendar."""
    cursor = start.astimezone(SHANGHAI)
    counted = 0
    while counted < minutes:
        if _is_workday(cursor.date()) and time(9) <= cursor.time() < time(18):
            counted += 1
        cursor += timedelta(minutes=1)
    return cursor


@settings(max_examples=60, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2025, 1, 1),
        max_value=datetime(2026, 11, 30),
        timezones=st.just(SHANGHAI),
    ).map(lambda value: value.replace(second=0, microsecond=0)),
    minutes=st.integers(min_value=0, max_value=3 * 9 * 60),
)
def test_add_business_time_matches_minute_stepping_oracle(start: datetime, minutes: int) -> None:
    expected = _minute_stepping_due(start, minutes)

    assert CALENDAR.add_business_time(start, timedelta(minutes=minutes)) == expected


@given(
    day=st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 9, 30)).filter(_is_workday),
    days=st.integers(min_value=1, max_value=12),
)
def test_add_working_days_lands_on_the_nth_working_day(day: date, days: int) -> None:
    from_opening = CALENDAR.add_working_days(datetime.combine(day, time(9), SHANGHAI), days)
    from_ten = CALENDAR.add_working_days(datetime.combine(day, time(10), SHANGHAI), days)

    # chinese_calendar.find_workday(k, day) is the k-th working day after a working ``day``.
    closing_day = chinese_calendar.find_workday(days - 1, day)
    assert from_opening == datetime.combine(closing_day, time(18), SHANGHAI)
    assert from_ten == datetime.combine(
        chinese_calendar.find_workday(days, day), time(10), SHANGHAI
    )


_RANK = {SlaState.ON_TRACK: 0, SlaState.AT_RISK: 1, SlaState.BREACHED: 2}


@given(
    start=starts,
    target=st.sampled_from([URGENT, STANDARD, 5 * STANDARD]),
    offsets=st.lists(
        st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)), min_size=2, max_size=2
    ),
)
def test_sla_state_never_improves_as_time_passes(
    start: datetime, target: timedelta, offsets: list[timedelta]
) -> None:
    due = CALENDAR.add_business_time(start, target)
    sooner, later = sorted(start + offset for offset in offsets)

    before = CALENDAR.sla_state(sooner, due, target)
    after = CALENDAR.sla_state(later, due, target)

    assert _RANK[before] <= _RANK[after]
    assert (after is SlaState.BREACHED) == (later >= due)
