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
    current: dict[date, bool] = dict(
        WorkingDay.objects.annotate(year=ExtractYear("date"))
        .filter(year__in=list(rows_by_year))
        .values_list("date", "is_working")
    )
    plans = []
    for year in sorted(rows_by_year):
        rows = sorted(rows_by_year[year])
        existing = sum(1 for day in current if day.year == year)
        changes = [
            (day, current[day], working)
            for day, working, _note in rows
            if day in current and current[day] != working
        ]
        plans.append(YearPlan(year=year, rows=rows, existing=existing, changes=changes))
    return plans


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
    *, rows_by_year: Mapping[int, Sequence[DayRow]], replace: bool = False
) -> list[YearPlan]:
    """Write whole years into the business calendar table and return what was written.

    Effects, in order: every year is validated (``calendar_import_plan``); a year the table
    already has rows for is refused unless ``replace``, and nothing is written; with
    ``replace`` the year's rows are deleted; all rows are inserted with one bulk INSERT per
    1,000 rows. Every process sees the new calendar on its next due-time computation (the
    table's version changes). All or nothing: one transaction."""
    plans = calendar_import_plan(rows_by_year=rows_by_year)
    present = [plan.year for plan in plans if plan.existing]
    if present and not replace:
        raise ReviewError(
            _(
                "The calendar already has %(years)s; nothing was written. Use --replace to "
                "overwrite those years."
            )
            % {"years": ", ".join(str(y) for y in present)},
            code="calendar_year_exists",
        )
    if present:
        WorkingDay.objects.annotate(year=ExtractYear("date")).filter(year__in=present).delete()
    note_length = WorkingDay._meta.get_field("note").max_length
    WorkingDay.objects.bulk_create(
        (
            # The note only informs; a long holiday name typed from a notice is cut, not refused.
            WorkingDay(date=day, is_working=working, note=note[:note_length])
            for plan in plans
            for day, working, note in plan.rows
        ),
        batch_size=1000,
    )
    return plans


def calendar_years() -> list[int]:
    """The years the business calendar covers completely, in order."""
    return sorted(business_calendar().covered_years)


def calendar_health(*, today: date | None = None) -> dict:
    """The calendar part of ``/health/``: ``ok`` while the current year is covered, and from
    1 November a ``warning`` when next year is not (SPEC §6). ``today`` is the local date of the
    opening hours' time zone by default."""
    today = today or timezone.now().astimezone(business_tz()).date()
    years = calendar_years()
    result: dict = {"ok": today.year in years, "years": years}
    if not result["ok"]:
        result["error"] = _("calendar not configured for %(year)s") % {"year": today.year}
    elif today.month >= WARN_FROM_MONTH and today.year + 1 not in years:
        result["warning"] = _(
            "calendar not configured for %(year)s: enter it (manage.py calendar_import) before "
            "due times reach into it."
        ) % {"year": today.year + 1}
    return result
