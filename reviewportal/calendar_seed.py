"""Where the working-day calendar comes from: the ``chinese_calendar`` package, or a typed-in CSV.

``statutory_days`` seeds the calendar table from the years the installed ``chinese_calendar``
release knows. A newly published year (the State Council notice comes out around November) may
arrive before a package release does; ``parse_calendar_csv`` reads the notice typed in as a small
CSV of exceptions (format: ``docs/calendar-csv-format.md``). Both return the same rows, one per
date of the year, ``(date, is_working, note)``, which ``BusinessCalendar.from_rows`` accepts.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import date, time, timedelta

import chinese_calendar

from reviewportal.businesstime import DayRow, Hours

MAKE_UP_MARKER = "调休上班 / make-up working day"

HOLIDAY = "holiday"
WORKDAY = "workday"
#: A Monday–Friday working day with opening hours of its own (a half day).
HOURS = "hours"
CSV_KINDS = (HOLIDAY, WORKDAY, HOURS)

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
#: A holiday's name, as the calendar's note keeps it (120 characters with the make-up marker).
NAME_MAX = 100


def _rows(reader) -> Iterable[list[str]]:
    """The reader's rows; a line the csv module cannot read (an unclosed quote running to the
    end, a field over its size limit) raises ValueError naming it."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ValueError(f"line {reader.line_num}: {exc}") from None


_CLOCK = re.compile(r"\d{2}:\d{2}", re.ASCII)


def make_up_note(holiday_name: str = "") -> str:
    """Return the note of a weekend make-up working day, naming its holiday when one is known.

    Every make-up note starts with ``MAKE_UP_MARKER`` so that the admin and reports can tell a
    调休 Saturday or Sunday from an ordinary working day by its note alone.
    """
    return f"{MAKE_UP_MARKER} ({holiday_name})" if holiday_name else MAKE_UP_MARKER


def _holiday_label(english_name: str) -> str:
    """Return ``"<Chinese> / <English>"`` for a name chinese_calendar gives (its English value)."""
    try:
        holiday = chinese_calendar.Holiday(english_name)
    except ValueError:
        # A name added by a newer release than this mapping knows: keep what the package says.
        return english_name
    return f"{holiday.chinese} / {english_name}"


def statutory_years() -> range:
    """Return the years that the installed ``chinese_calendar`` release covers completely.

    The package's own validity range: from the first to the last year of its holiday table
    (2004–2026 in release 1.11.0). Outside it the package raises rather than answer.
    """
    return range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)


def _year_dates(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=n) for n in range((date(year + 1, 1, 1) - first).days)]


def statutory_days(years: Iterable[int] | None = None) -> list[DayRow]:
    """Return ``(date, is_working, note)`` for every date of ``years`` from chinese_calendar.

    ``years`` defaults to all of ``statutory_years()``; a year outside that range raises ValueError
    naming it and the range. Rows are sorted by date. The note is ``"<Chinese> / <English>"`` of
    the holiday for statutory holidays (weekend days inside a holiday period included), the make-up
    note (``MAKE_UP_MARKER`` plus the holiday it makes up for) for weekend working days, and empty
    for ordinary days.
    """
    supported = statutory_years()
    wanted = sorted(set(supported if years is None else years))
    for year in wanted:
        if year not in supported:
            raise ValueError(
                f"chinese_calendar {chinese_calendar.__version__} has no schedule for {year} "
                f"(it covers {supported.start}–{supported.stop - 1}); enter that year from the "
                "State Council notice as a CSV"
            )
    rows: list[DayRow] = []
    for year in wanted:
        for day in _year_dates(year):
            is_holiday, name = chinese_calendar.get_holiday_detail(day)
            if is_holiday:
                note = _holiday_label(name) if name else ""
            elif day.weekday() >= 5:
                note = make_up_note(_holiday_label(name) if name else "")
            else:
                note = ""
            rows.append((day, not is_holiday, note))
    return rows


def parse_calendar_csv(text: str, year: int) -> list[DayRow]:
    """Return ``(date, is_working, note)`` for every date of ``year`` from a CSV of exceptions
    (``parse_calendar_csv_with_hours`` without the opening hours)."""
    return parse_calendar_csv_with_hours(text, year)[0]


def _clock(raw: str, line: int, what: str) -> time:
    if not _CLOCK.fullmatch(raw):
        raise ValueError(f"line {line}: {what} {raw!r} is not a time in the form HH:MM")
    try:
        return time.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"line {line}: {what} {raw!r} is not a valid time") from None


def parse_calendar_csv_with_hours(text: str, year: int) -> tuple[list[DayRow], dict[date, Hours]]:
    """Return ``(date, is_working, note)`` for every date of ``year`` from a CSV of exceptions,
    and the days with opening hours of their own.

    Each data row is ``date,kind[,name[,opens,closes]]``: an ISO date (YYYY-MM-DD) of ``year``;
    ``kind`` is ``holiday`` (a day off, weekend days inside a holiday period may be listed too),
    ``workday`` (a Saturday or Sunday that is a make-up working day) or ``hours`` (a Monday–Friday
    working day with its own hours, such as a half day); an optional holiday name; and, for
    ``workday`` and ``hours`` rows, the opening and closing time ``HH:MM`` (required for
    ``hours``). Every date not listed follows the rule Monday–Friday working, Saturday and
    Sunday off, with the usual hours. Blank lines, lines starting with ``#`` and a first line
    ``date,kind,name`` (header, optionally with ``opens,closes``) are skipped.

    Every row is validated; the first problem raises ValueError naming its line number: a
    malformed or impossible date, a date outside ``year``, an unknown kind, a date listed twice,
    a ``workday`` on Monday–Friday (already a working day, so most likely a mistyped date), an
    ``hours`` row on a weekend, hours on a holiday, a malformed time, a closing time not after
    the opening time, a wrong number of columns. A file without any data row is refused too,
    since every published year has holidays.
    """
    exceptions: dict[date, tuple[bool, str]] = {}
    hours: dict[date, Hours] = {}
    first_line: dict[date, int] = {}
    reader = csv.reader(io.StringIO(text))
    for row in _rows(reader):
        line = reader.line_num
        cells = [cell.strip() for cell in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if not first_line and [cell.lower() for cell in cells[:2]] == ["date", "kind"]:
            continue
        if len(cells) not in (2, 3, 5):
            raise ValueError(
                f"line {line}: expected date,kind[,name[,opens,closes]] (2, 3 or 5 columns), "
                f"got {len(cells)}"
            )
        raw_date, kind = cells[0], cells[1].lower()
        name = cells[2] if len(cells) >= 3 else ""
        if len(name) > NAME_MAX:
            raise ValueError(
                f"line {line}: the name is {len(name)} characters long; at most {NAME_MAX}"
            )
        if not _ISO_DATE.fullmatch(raw_date):
            raise ValueError(f"line {line}: {raw_date!r} is not a date in the form YYYY-MM-DD")
        try:
            day = date.fromisoformat(raw_date)
        except ValueError:
            raise ValueError(f"line {line}: {raw_date!r} is not a valid date") from None
        if day.year != year:
            raise ValueError(f"line {line}: {raw_date} is outside {year}")
        if kind not in CSV_KINDS:
            raise ValueError(
                f"line {line}: unknown kind {cells[1]!r}, expected one of {', '.join(CSV_KINDS)}"
            )
        if day in first_line:
            raise ValueError(
                f"line {line}: {raw_date} is listed twice (first on line {first_line[day]})"
            )
        if kind == WORKDAY and day.weekday() < 5:
            raise ValueError(
                f"line {line}: {raw_date} is a {day:%A}, already a working day; "
                "workday rows are for weekend make-up days (调休)"
            )
        if kind == HOURS and day.weekday() >= 5:
            raise ValueError(
                f"line {line}: {raw_date} is a {day:%A}; a weekend make-up day with its own "
                "hours is a workday row with opens,closes"
            )
        if len(cells) == 5:
            if kind == HOLIDAY:
                raise ValueError(f"line {line}: {raw_date} is a holiday and has no opening hours")
            opens = _clock(cells[3], line, "opening time")
            closes = _clock(cells[4], line, "closing time")
            if not opens < closes:
                raise ValueError(
                    f"line {line}: closing time {cells[4]} is not after opening time {cells[3]}"
                )
            hours[day] = (opens, closes)
        elif kind == HOURS:
            raise ValueError(f"line {line}: an hours row needs opens,closes (HH:MM,HH:MM)")
        first_line[day] = line
        if kind == HOLIDAY:
            exceptions[day] = (False, name)
        elif kind == WORKDAY:
            exceptions[day] = (True, make_up_note(name))
        else:
            exceptions[day] = (True, name)
    if not any(not working or day.weekday() >= 5 for day, (working, _n) in exceptions.items()):
        raise ValueError(f"no holiday or workday rows for {year}")
    rows: list[DayRow] = []
    for day in _year_dates(year):
        working, note = exceptions.get(day, (day.weekday() < 5, ""))
        rows.append((day, working, note))
    return rows, hours
