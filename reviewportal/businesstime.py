"""Business time: working days, opening hours, due times and SLA states.

Reviews happen during opening hours (09:00–18:00 Asia/Shanghai by default) on working days, and the
working days follow the State Council schedule, weekend make-up working days (调休) included (SPEC
§6). This module is pure: it reads no database. Callers build a ``BusinessCalendar`` from the
calendar table (or from ``reviewportal.calendar_seed``) and ask it questions.

Conventions, used by every function below:

- *Business time* between two instants is the length of their overlap with the opening windows
  ``[opens, closes]`` of the working days in between. Outside those windows the clock stands still.
- A *due time* is the earliest instant at which the business time elapsed since the start reaches
  the duration. Consequently a due time that lands exactly on closing time stays there (17:30 + 30
  business minutes is 18:00 the same day, never 09:00 the next working day), 9 hours from exactly
  09:00 is 18:00 the same day, a start before opening counts from opening, and a start after closing
  or on a non-working day counts from the next working day's opening.
- A zero duration is due at the start itself.
- Every datetime argument must be aware; results are in the calendar's time zone. Arithmetic is done
  in UTC so that a zone with daylight saving would still get exact lengths.
- A date in a year the calendar does not cover raises ``CalendarNotConfigured``: there is no
  weekday fallback, because a guessed working day silently moves every due time around a holiday.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_OPENS = time(9, 0)
DEFAULT_CLOSES = time(18, 0)

# SPEC §6 thresholds for ``at_risk``; callers with a policy of their own pass theirs to sla_state.
AT_RISK_FRACTION = 0.25
AT_RISK_FLOOR = timedelta(hours=1)

ONE_DAY = timedelta(days=1)

# One calendar day as stored or seeded: the date, whether it is a working day, and a note (holiday
# name, make-up working day marker, or empty).
DayRow = tuple[date, bool, str]
# Opening hours of one day that differ from the calendar's default: (opens, closes), naive local.
Hours = tuple[time, time]


class CalendarNotConfigured(Exception):
    """A date was looked up in a year that the business calendar does not cover."""

    def __init__(self, year: int) -> None:
        super().__init__(f"calendar not configured for {year}")
        self.year = year


class SlaState(enum.StrEnum):
    """Where an open item stands against its target (SPEC §6)."""

    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    #: The due time needs a year the calendar does not cover yet (never returned by
    #: ``sla_state``, which needs a due time; stored clocks say so).
    PENDING = "pending"


def _days_of_year(year: int) -> Iterable[date]:
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += ONE_DAY


def _check_hours(opens: time, closes: time) -> None:
    if opens.tzinfo is not None or closes.tzinfo is not None:
        raise ValueError("opening hours must be naive local times; the zone is given by tz")
    if not opens < closes:
        raise ValueError(f"opening time {opens} must be before closing time {closes}")


def _require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got naive {value.isoformat()}")


class BusinessCalendar:
    """Working days of whole years plus daily opening hours in one time zone.

    The calendar covers a set of years, each of them completely: every date of a covered year has a
    known working/non-working flag, and any question that needs a date outside those years raises
    ``CalendarNotConfigured`` naming the year.
    """

    def __init__(
        self,
        working_days: Mapping[date, bool],
        *,
        years: Iterable[int] | None = None,
        opens: time = DEFAULT_OPENS,
        closes: time = DEFAULT_CLOSES,
        tz: tzinfo | str = DEFAULT_TIMEZONE,
        hours: Mapping[date, Hours] | None = None,
    ) -> None:
        """Build a calendar from ``date -> is working day`` and the years it covers.

        ``years`` are the years that count as configured; when omitted, every year that appears in
        ``working_days`` is. Each covered year must be complete in ``working_days`` (ValueError
        naming the first missing date otherwise). Dates of years not listed in ``years`` are
        ignored, so a year that is still being entered is not used until it is declared covered.
        ``opens`` and ``closes`` are naive local times with ``opens < closes``; ``tz`` is a tzinfo
        or an IANA zone name. ``hours`` gives single working days opening hours of their own (a
        half day, a late opening); each must open before it closes.
        """
        _check_hours(opens, closes)
        own_hours = dict(hours or {})
        for day, (day_opens, day_closes) in own_hours.items():
            try:
                _check_hours(day_opens, day_closes)
            except ValueError as exc:
                raise ValueError(f"{day.isoformat()}: {exc}") from None
        covered = frozenset(years) if years is not None else frozenset(d.year for d in working_days)
        flags: dict[date, bool] = {}
        for year in sorted(covered):
            for day in _days_of_year(year):
                if day not in working_days:
                    raise ValueError(
                        f"calendar for {year} is incomplete: {day.isoformat()} has no entry"
                    )
                flags[day] = bool(working_days[day])
        self._flags = flags
        self._hours = own_hours
        self.covered_years: frozenset[int] = covered
        self.opens = opens
        self.closes = closes
        self.tz: tzinfo = ZoneInfo(tz) if isinstance(tz, str) else tz
        # The nominal length of one working day, the unit of add_working_days.
        self.day_length: timedelta = datetime.combine(date.min, closes) - datetime.combine(
            date.min, opens
        )

    def with_closed(self, days: Iterable[date]) -> BusinessCalendar:
        """Return a copy of this calendar on which ``days`` are not working days (a carrier's
        filing pause stops the clocks of its filings). Days of uncovered years are ignored: the
        copy covers the same years, and a walk into them still raises."""
        copy = object.__new__(BusinessCalendar)
        copy.__dict__.update(self.__dict__)
        copy._flags = dict(self._flags)
        for day in days:
            if day in copy._flags:
                copy._flags[day] = False
        return copy

    def hours_of(self, day: date) -> Hours:
        """The opening and closing time of ``day`` (its own hours, or the default)."""
        return self._hours.get(day, (self.opens, self.closes))

    @classmethod
    def from_rows(
        cls,
        rows: Iterable[Sequence[object]],
        *,
        years: Iterable[int] | None = None,
        opens: time = DEFAULT_OPENS,
        closes: time = DEFAULT_CLOSES,
        tz: tzinfo | str = DEFAULT_TIMEZONE,
        hours: Mapping[date, Hours] | None = None,
    ) -> BusinessCalendar:
        """Return a calendar built from rows whose first two items are ``(date, is_working)``.

        Rows are what ``calendar_seed.statutory_days`` and ``calendar_seed.parse_calendar_csv``
        return (further items, such as the note, are ignored). A date given twice with different
        flags raises ValueError; the other arguments are those of the constructor.
        """
        flags: dict[date, bool] = {}
        for row in rows:
            day, working = row[0], row[1]
            if not isinstance(day, date) or isinstance(day, datetime):
                raise ValueError(f"calendar row {row!r} does not start with a date")
            working = bool(working)
            if flags.setdefault(day, working) != working:
                raise ValueError(f"calendar rows disagree about {day.isoformat()}")
        return cls(flags, years=years, opens=opens, closes=closes, tz=tz, hours=hours)

    def __repr__(self) -> str:
        years = ", ".join(str(year) for year in sorted(self.covered_years))
        return (
            f"<BusinessCalendar years=[{years}] {self.opens:%H:%M}-{self.closes:%H:%M} {self.tz}>"
        )

    def covers(self, year: int) -> bool:
        """Return whether every date of ``year`` is configured (for the coverage health check)."""
        return year in self.covered_years

    def is_working_day(self, day: date) -> bool:
        """Return whether ``day`` is a working day, make-up weekend days (调休) included.

        Raises CalendarNotConfigured when the year of ``day`` is not covered, TypeError for a
        datetime (whose date depends on a time zone the caller must choose).
        """
        if isinstance(day, datetime):
            raise TypeError("is_working_day takes a date; convert the datetime to a local date")
        try:
            return self._flags[day]
        except KeyError:
            raise CalendarNotConfigured(day.year) from None

    def _window_utc(self, day: date) -> tuple[datetime, datetime]:
        """Opening and closing instants of ``day`` in UTC (caller checks it is a working day)."""
        opens, closes = self._hours.get(day, (self.opens, self.closes))
        opening = datetime.combine(day, opens, tzinfo=self.tz).astimezone(UTC)
        closing = datetime.combine(day, closes, tzinfo=self.tz).astimezone(UTC)
        return opening, closing

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime:
        """Return the due time: ``duration`` of business time after ``start``, in the calendar's tz.

        Walks whole day segments, so the cost is one lookup per calendar day walked. Conventions
        (module docstring): the earliest instant at which the elapsed business time reaches
        ``duration``, hence a due time at exactly closing time stays at closing time and a zero
        duration is due at ``start``. Raises ValueError for a naive ``start`` or a negative
        ``duration``, CalendarNotConfigured when the walk needs an uncovered year.
        """
        _require_aware("start", start)
        if duration < timedelta(0):
            raise ValueError(f"duration must not be negative, got {duration}")
        cursor = start.astimezone(UTC)
        day = start.astimezone(self.tz).date()
        left = duration
        # Looked up even for a zero duration: a start in an uncovered year is always an error.
        working = self.is_working_day(day)
        if not left:
            return start.astimezone(self.tz)
        while True:
            if working:
                opening, closing = self._window_utc(day)
                segment_start = max(cursor, opening)
                if segment_start < closing:
                    available = closing - segment_start
                    if left <= available:
                        return (segment_start + left).astimezone(self.tz)
                    left -= available
            day += ONE_DAY
            working = self.is_working_day(day)

    def business_time_between(self, earlier: datetime, later: datetime) -> timedelta:
        """Return the business time from ``earlier`` to ``later``; zero when ``later <= earlier``.

        The overlap of ``[earlier, later]`` with the opening windows of the working days between
        them, computed one calendar day at a time. Raises ValueError for naive datetimes and
        CalendarNotConfigured when a day in between is in an uncovered year.
        """
        _require_aware("earlier", earlier)
        _require_aware("later", later)
        if later <= earlier:
            return timedelta(0)
        begin = earlier.astimezone(UTC)
        end = later.astimezone(UTC)
        day = earlier.astimezone(self.tz).date()
        last_day = later.astimezone(self.tz).date()
        total = timedelta(0)
        while day <= last_day:
            if self.is_working_day(day):
                opening, closing = self._window_utc(day)
                overlap = min(end, closing) - max(begin, opening)
                if overlap > timedelta(0):
                    total += overlap
            day += ONE_DAY
        return total

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """Return the due time ``days`` full working days of business time after ``start``.

        Defined as ``days * day_length`` of business time (9 hours per day with default hours)
        walked by ``add_business_time``: from 10:00 on a working day, 5 working days are due at
        10:00 on the fifth working day after it; from a start at or before opening, at closing
        time of the ``days``-th working day counting the start's own day. Used for the carrier
        filing target (5) and the qualification review target (10). Raises ValueError when
        ``days`` is negative.
        """
        if days < 0:
            raise ValueError(f"days must not be negative, got {days}")
        return self.add_business_time(start, self.day_length * days)

    def remaining(self, now: datetime, due: datetime) -> timedelta:
        """Return the business time left from ``now`` until ``due``; zero once it has passed."""
        return self.business_time_between(now, due)

    def sla_state(
        self,
        now: datetime,
        due: datetime,
        target: timedelta,
        *,
        at_risk_fraction: float = AT_RISK_FRACTION,
        at_risk_floor: timedelta = AT_RISK_FLOOR,
    ) -> SlaState:
        """Return the SLA state of an item due at ``due`` with the given ``target``, as of ``now``.

        ``BREACHED`` when ``now >= due``; otherwise ``AT_RISK`` when the remaining business time is
        strictly less than ``at_risk_fraction`` of ``target`` (25 %) or strictly less than
        ``at_risk_floor`` (one business hour); otherwise ``ON_TRACK``. Exactly 25 % or exactly one
        hour left is still on track.
        """
        _require_aware("now", now)
        _require_aware("due", due)
        if now >= due:
            return SlaState.BREACHED
        left = self.remaining(now, due)
        if left < target * at_risk_fraction or left < at_risk_floor:
            return SlaState.AT_RISK
        return SlaState.ON_TRACK
