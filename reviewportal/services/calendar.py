"""Entering years into the business calendar table, and reporting what it covers (SPEC §6).

Years come from the ``chinese_calendar`` package or from a CSV typed from the State Council
notice (``docs/calendar-csv-format.md``); both arrive as ``(date, is_working, note)`` rows of
whole years, which ``calendar_import`` writes. ``manage.py calendar_import`` and the admin
call these; ``/health/`` reads ``calendar_health``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from reviewportal.businesstime import BusinessCalendar, DayRow
from reviewportal.calendar_seed import statutory_days, statutory_years
from reviewportal.errors import ReviewError
from reviewportal.models import WorkingDay
from reviewportal.services.sla import business_calendar, business_tz

#: From this month on, /health/ warns when next year is not in the table yet (SPEC §6).
WARN_FROM_MONTH = 11


@dataclass(frozen=True)
class YearPlan:
    """What importing one year writes, and how it differs from what the table has."""

    year: int
    rows: Sequence[DayRow]
    #: Rows the table already has for the year (0 for a new year).
    existing: int
    #: ``(date, working now, working after)`` for every date whose flag the import changes.
    changes: Sequence[tuple[date, bool, bool]]
    #: Whether the table's rows of the year are all provisional (weekends only, entered
    #: without the notice): the import replaces them without being asked to.
    replaces_provisional: bool = False

    @property
    def refused_without_replace(self) -> bool:
        """The table has real rows for the year: only ``replace`` overwrites them."""
        return bool(self.existing) and not self.replaces_provisional

    @property
    def working_days(self) -> int:
        return sum(1 for _day, working, _note in self.rows if working)

    @property
    def exceptions(self) -> list[DayRow]:
        """Days that differ from Monday–Friday working, or carry a note: holidays (their
        weekend days included) and make-up working days, the days an operator checks."""
        return [
            (day, working, note)
            for day, working, note in self.rows
            if note or working != (day.weekday() < 5)
        ]

    @property
    def holidays(self) -> int:
        return sum(1 for _day, working, note in self.exceptions if not working)

    @property
    def make_up_days(self) -> int:
        return sum(1 for day, working, _note in self.rows if working and day.weekday() >= 5)


def _validate(year: int, rows: Sequence[DayRow]) -> None:
    if any(day.year != year for day, _working, _note in rows):
        raise ReviewError(
            _("The rows given for %(year)s contain dates of another year.") % {"year": year}
        )
    try:
        BusinessCalendar.from_rows(rows, years=[year])
    except ValueError as exc:
        raise ReviewError(str(exc), code="calendar_invalid") from exc


def calendar_import_plan(*, rows_by_year: Mapping[int, Sequence[DayRow]]) -> list[YearPlan]:
    """Return, year by year, what importing ``rows_by_year`` would write; writes nothing.

    Each year's rows must be every date of that year exactly once (ReviewError naming the
    problem otherwise). Reads the table's rows of those years with one query."""
    for year, rows in rows_by_year.items():
        _validate(year, rows)
    current: dict[date, bool] = {}
    provisional: dict[int, bool] = {}
    for day, working, is_provisional in (
        WorkingDay.objects.annotate(year=ExtractYear("date"))
        .filter(year__in=list(rows_by_year))
        .values_list("date", "is_working", "provisional")
    ):
        current[day] = working
        provisional[day.year] = provisional.get(day.year, True) and is_provisional
    plans = []
    for year in sorted(rows_by_year):
        rows = sorted(rows_by_year[year])
        existing = sum(1 for day in current if day.year == year)
        changes = [
            (day, current[day], working)
            for day, working, _note in rows
            if day in current and current[day] != working
        ]
        plans.append(
            YearPlan(
                year=year,
                rows=rows,
                existing=existing,
                changes=changes,
                replaces_provisional=provisional.get(year, False),
            )
        )
    return plans


def calendar_weekend_rows(year: int) -> list[DayRow]:
    """A stop-gap year for when the State Council notice is not at hand: Monday to Friday
    working, weekends off, no holidays and no make-up days — a guess the due times computed on
    it inherit, which is why ``calendar_import(provisional=True)`` marks it."""
    first = date(year, 1, 1)
    days = (date(year + 1, 1, 1) - first).days
    note = _("provisional: weekends only, State Council notice not imported")
    return [
        (day, day.weekday() < 5, note)
        for day in (date.fromordinal(first.toordinal() + n) for n in range(days))
    ]


def calendar_package_rows(*, years: Sequence[int] | None = None) -> dict[int, list[DayRow]]:
    """Return the ``chinese_calendar`` rows of ``years``; by default of every year the package
    covers that the table does not have yet (nothing when all are in). A year the package does
    not cover is a ReviewError naming the package's range."""
    if years is None:
        present = set(
            WorkingDay.objects.annotate(year=ExtractYear("date"))
            .values_list("year", flat=True)
            .distinct()
        )
        years = [year for year in statutory_years() if year not in present]
    try:
        rows = statutory_days(years)
    except ValueError as exc:
        raise ReviewError(str(exc), code="calendar_year_unknown") from exc
    by_year: dict[int, list[DayRow]] = {year: [] for year in years}
    for row in rows:
        by_year[row[0].year].append(row)
    return by_year


@transaction.atomic
def calendar_import(
    *,
    rows_by_year: Mapping[int, Sequence[DayRow]],
    replace: bool = False,
    provisional: bool = False,
) -> list[YearPlan]:
    """Write whole years into the business calendar table and return what was written.

    Effects, in order: every year is validated (``calendar_import_plan``); a year the table
    already has rows for is refused unless ``replace`` or its rows are all provisional, and
    nothing is written; the rows of a year replaced are deleted; all rows are inserted with one
    bulk INSERT per 1,000 rows, marked ``provisional`` when asked (``calendar_weekend_rows``).
    Every process sees the new calendar on its next due-time computation (the table's version
    changes). All or nothing: one transaction."""
    plans = calendar_import_plan(rows_by_year=rows_by_year)
    if provisional and any(plan.existing for plan in plans):
        raise ReviewError(
            _("A provisional year is only entered where the calendar has nothing."),
            code="calendar_year_exists",
        )
    present = [plan.year for plan in plans if plan.refused_without_replace]
    if present and not replace:
        raise ReviewError(
            _(
                "The calendar already has %(years)s; nothing was written. Use --replace to "
                "overwrite those years."
            )
            % {"years": ", ".join(str(y) for y in present)},
            code="calendar_year_exists",
        )
    replaced = [plan.year for plan in plans if plan.existing]
    if replaced:
        WorkingDay.objects.annotate(year=ExtractYear("date")).filter(year__in=replaced).delete()
    note_length = WorkingDay._meta.get_field("note").max_length
    WorkingDay.objects.bulk_create(
        (
            # The note only informs; a long holiday name typed from a notice is cut, not refused.
            WorkingDay(
                date=day, is_working=working, note=note[:note_length], provisional=provisional
            )
            for plan in plans
            for day, working, note in plan.rows
        ),
        batch_size=1000,
    )
    return plans


def calendar_years() -> list[int]:
    """The years the business calendar covers completely, in order."""
    return sorted(business_calendar().covered_years)


def calendar_provisional_years() -> list[int]:
    """The years of the table entered provisionally (weekends only), in order."""
    return sorted(
        {day.year for day in WorkingDay.objects.filter(provisional=True).dates("date", "year")}
    )


def calendar_stopgap(*, today: date) -> list[int]:
    """Enter provisional weekend-only years (``calendar_weekend_rows``) for the current year
    and, from 1 November, the next one, where the table has nothing for them; returns the
    years entered. For a demo or a trial that must run before the notice is at hand, never
    for production data: /health/ warns while such a year is in use."""
    covered = set(calendar_years()) | set(calendar_provisional_years())
    wanted = [today.year] + ([today.year + 1] if today.month >= WARN_FROM_MONTH else [])
    missing = [year for year in wanted if year not in covered]
    if missing:
        calendar_import(
            rows_by_year={year: calendar_weekend_rows(year) for year in missing}, provisional=True
        )
    return missing


def calendar_health(*, today: date | None = None) -> dict:
    """The calendar part of ``/health/``: ``ok`` while the current year is covered, and from
    1 November a ``warning`` when next year is not (SPEC §6); a ``warning`` too while the
    current or next year is only provisional (``calendar_stopgap``). ``today`` is the local
    date of the opening hours' time zone by default."""
    today = today or timezone.now().astimezone(business_tz()).date()
    years = calendar_years()
    provisional = [
        year for year in calendar_provisional_years() if year in (today.year, today.year + 1)
    ]
    result: dict = {"ok": today.year in years, "years": years}
    if provisional:
        result["provisional_years"] = provisional
    if not result["ok"]:
        result["error"] = _("calendar not configured for %(year)s") % {"year": today.year}
    elif today.month >= WARN_FROM_MONTH and today.year + 1 not in years:
        result["warning"] = _(
            "calendar not configured for %(year)s: enter it (manage.py calendar_import) before "
            "due times reach into it."
        ) % {"year": today.year + 1}
    elif provisional:
        result["warning"] = _(
            "calendar for %(years)s is provisional (weekends only, no statutory holidays): "
            "import the State Council notice (manage.py calendar_import --csv FILE --year YEAR "
            "--commit)."
        ) % {"years": ", ".join(str(year) for year in provisional)}
    return result
