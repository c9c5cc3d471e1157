"""Entering years into the business calendar table, and reporting what it covers (SPEC §6).

Years come from the ``chinese_calendar`` package or from a CSV typed from the State Council
notice (``docs/calendar-csv-format.md``); both arrive as ``(date, is_working, note)`` rows of
whole years, which ``calendar_import`` writes. ``manage.py calendar_import`` and the admin
call these; ``/health/`` reads ``calendar_health``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from reviewportal.businesstime import BusinessCalendar, DayRow, Hours
from reviewportal.calendar_seed import statutory_days, statutory_years
from reviewportal.errors import ReviewError
from reviewportal.models import CalendarChange, Notification, SlaPolicy, User, WorkingDay
from reviewportal.permissions import PERM_OVERRIDE
from reviewportal.selectors import staff_with_permission
from reviewportal.services.notifications import notification_send
from reviewportal.services.sla import (
    business_calendar,
    business_tz,
    clock_kinds,
    sla_clocks_recompute,
)

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


def _validate(year: int, rows: Sequence[DayRow], hours: Mapping[date, Hours]) -> None:
    if any(day.year != year for day, _working, _note in rows):
        raise ReviewError(
            _("The rows given for %(year)s contain dates of another year.") % {"year": year}
        )
    try:
        calendar = BusinessCalendar.from_rows(rows, years=[year], hours=hours)
    except ValueError as exc:
        raise ReviewError(str(exc), code="calendar_invalid") from exc
    for day in hours:
        if day.year != year or not calendar.is_working_day(day):
            raise ReviewError(
                _("%(date)s has opening hours but is not a working day of %(year)s.")
                % {"date": day.isoformat(), "year": year},
                code="calendar_invalid",
            )


def calendar_import_plan(
    *,
    rows_by_year: Mapping[int, Sequence[DayRow]],
    hours: Mapping[date, Hours] | None = None,
) -> list[YearPlan]:
    """Return, year by year, what importing ``rows_by_year`` would write; writes nothing.

    Each year's rows must be every date of that year exactly once, and ``hours`` (days with
    opening hours of their own) must be working days of those years that open before they
    close (ReviewError naming the problem otherwise). Reads the table's rows of those years
    with one query."""
    hours = hours or {}
    stray = sorted(day for day in hours if day.year not in rows_by_year)
    if stray:
        raise ReviewError(
            _("%(date)s has opening hours but its year is not being imported.")
            % {"date": stray[0].isoformat()},
            code="calendar_invalid",
        )
    for year, rows in rows_by_year.items():
        _validate(year, rows, {day: h for day, h in hours.items() if day.year == year})
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
    note = _(
        "provisional: Monday–Friday working, no statutory holidays; State Council notice not "
        "imported"
    )
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


class ImportedYears(list):
    """The ``YearPlan`` of every year ``calendar_import`` wrote, and the calendar-change row
    that records what the import did to the open clocks (``change``)."""

    change: CalendarChange | None = None


def calendar_import(
    *,
    rows_by_year: Mapping[int, Sequence[DayRow]],
    replace: bool = False,
    provisional: bool = False,
    hours: Mapping[date, Hours] | None = None,
    user: User | None = None,
    source: str = "",
) -> ImportedYears:
    """Write whole years into the business calendar table and return what was written.

    Effects, in order: every year is validated (``calendar_import_plan``); a year the table
    already has rows for is refused unless ``replace`` or its rows are all provisional, and
    nothing is written; the rows of a year replaced are deleted; all rows are inserted with one
    bulk INSERT per 1,000 rows, marked ``provisional`` when asked (``calendar_weekend_rows``),
    with the opening hours of ``hours``; every open clock that can reach those years is walked
    again from its start (``sla_clocks_recompute``): due times pending on them become known, and
    the calendar-change history says who (``user``, or the command's ``source``) imported what
    and how many clocks moved. Every process sees the new calendar on its next due-time
    computation (the table's version changes). All or nothing: one transaction."""
    with transaction.atomic():
        hours = dict(hours or {})
        plans = calendar_import_plan(rows_by_year=rows_by_year, hours=hours)
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
                # The note only informs; a long holiday name typed from a notice is cut, not
                # refused.
                WorkingDay(
                    date=day,
                    is_working=working,
                    note=note[:note_length],
                    provisional=provisional,
                    opens=hours[day][0] if day in hours else None,
                    closes=hours[day][1] if day in hours else None,
                )
                for plan in plans
                for day, working, note in plan.rows
            ),
            batch_size=1000,
        )
        written = ImportedYears(plans)
        if not plans:
            return written
        if any(plan.replaces_provisional for plan in plans) and not provisional:
            kind = CalendarChange.Kind.PROVISIONAL_REPLACED
        else:
            kind = CalendarChange.Kind.IMPORT

        def summary() -> str:
            if provisional:
                what = _("provisional year (Monday–Friday working, no statutory holidays)")
            elif kind == CalendarChange.Kind.PROVISIONAL_REPLACED:
                what = _("replaces the provisional year")
            elif replaced:
                what = _("replaces the year in the table")
            else:
                what = _("new year")
            text = _(
                "%(years)s imported: %(what)s; %(holidays)s holiday days, %(make_up)s make-up days"
            ) % {
                "years": ", ".join(str(plan.year) for plan in plans),
                "what": what,
                "holidays": sum(plan.holidays for plan in plans),
                "make_up": sum(plan.make_up_days for plan in plans),
            }
            return f"{text} ({source})" if source else text

        written.change = sla_clocks_recompute(
            kind=kind,
            summary=summary,
            user=user,
            days=(date(plans[0].year, 1, 1), date(plans[-1].year, 12, 31)),
        )
        return written


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
    current or next year is only provisional (``calendar_stopgap``); ``pending_clocks`` counts
    the open clocks whose due time waits for a missing year. ``today`` is the local
    date of the opening hours' time zone by default."""
    today = today or timezone.now().astimezone(business_tz()).date()
    years = calendar_years()
    provisional = [
        year for year in calendar_provisional_years() if year in (today.year, today.year + 1)
    ]
    result: dict = {"ok": today.year in years, "years": years}
    if provisional:
        result["provisional_years"] = provisional
    pending = pending_clocks_count()
    if pending:
        result["pending_clocks"] = pending
    if not result["ok"]:
        result["error"] = _("calendar not configured for %(year)s") % {"year": today.year}
    elif today.month >= WARN_FROM_MONTH and today.year + 1 not in years:
        result["warning"] = _(
            "calendar not configured for %(year)s: enter it (manage.py calendar_import) before "
            "due times reach into it."
        ) % {"year": today.year + 1}
    elif provisional:
        result["warning"] = _(
            "calendar for %(years)s is provisional (Monday–Friday working, no statutory holidays): "
            "import the State Council notice (manage.py calendar_import --csv FILE --year YEAR "
            "--commit)."
        ) % {"years": ", ".join(str(year) for year in provisional)}
    return result


# --- editing one day, an SLA target ------------------------------------------------------------


def _hours_text(opens: time | None, closes: time | None) -> str:
    if opens is None:
        return _("usual hours")
    return f"{opens:%H:%M}–{closes:%H:%M}"


def _day_text(working: bool, opens: time | None, closes: time | None) -> str:
    if not working:
        return _("day off")
    return _("working day, %(hours)s") % {"hours": _hours_text(opens, closes)}


def working_day_update(
    *,
    day: WorkingDay,
    user: User | None,
    is_working: bool,
    note: str,
    opens: time | None = None,
    closes: time | None = None,
) -> WorkingDay:
    """Edit one day of the business calendar: whether it is a working day, its note, its own
    opening hours (both empty: the usual hours; a closed day is a day off).

    Effects, in order: the row is locked; the new values are validated (both hours or neither,
    opening before closing, no hours on a day off: ValidationError, nothing written) and saved;
    when the working flag or the hours changed, every open clock that can span the day is walked
    again (``sla_clocks_recompute``) and the calendar-change history records who changed what
    and how many clocks moved. A change of the note alone moves nothing and records nothing."""
    with transaction.atomic():
        day = WorkingDay.objects.select_for_update().get(pk=day.pk)
        before = (day.is_working, day.opens, day.closes)
        day.is_working = bool(is_working)
        day.note = note
        day.opens, day.closes = (opens, closes) if is_working else (None, None)
        if not is_working and (opens is not None or closes is not None):
            raise ValidationError(
                {"opens": _("A day off has no opening hours; clear them or make it a working day.")}
            )
        day.full_clean(exclude=["date"])
        day.save()
        after = (day.is_working, day.opens, day.closes)
        if after != before:
            sla_clocks_recompute(
                kind=CalendarChange.Kind.DAY_EDITED,
                summary=_("%(date)s: %(before)s → %(after)s")
                % {
                    "date": day.date.isoformat(),
                    "before": _day_text(*before),
                    "after": _day_text(*after),
                },
                user=user,
                days=(day.date, day.date),
            )
        return day


def _target_text(value: int, unit: str) -> str:
    return f"{value} {SlaPolicy.Unit(unit).label}"


def sla_policy_update(
    *, policy: SlaPolicy, user: User | None, target_value: int, target_unit: str
) -> SlaPolicy:
    """Change an SLA target. Effects: the row is locked, validated and saved; when the target
    changed, every open clock under this policy is walked again with the new target from its
    own start (``sla_clocks_recompute``: due and at-risk instants move, breaches that are no
    longer breaches are cleared) and the calendar-change history records it."""
    with transaction.atomic():
        policy = SlaPolicy.objects.select_for_update().get(pk=policy.pk)
        before = (policy.get_code_display, policy.target_value, policy.target_unit)
        changed = (policy.target_value, policy.target_unit) != (target_value, target_unit)
        policy.target_value = target_value
        policy.target_unit = target_unit
        policy.full_clean()
        policy.save()
        if changed:
            sla_clocks_recompute(
                kind=CalendarChange.Kind.POLICY_CHANGED,
                summary=lambda: (
                    _("%(policy)s: %(before)s → %(after)s")
                    % {
                        "policy": policy.get_code_display(),
                        "before": _target_text(*before[1:]),
                        "after": _target_text(policy.target_value, policy.target_unit),
                    }
                ),
                user=user,
                where=Q(sla_policy=policy),
            )
        return policy


# --- is next year there? -------------------------------------------------------------------------


#: Pending clocks are counted up to this many per kind (a page must never count a whole table).
PENDING_COUNT_CAP = 10_000


def pending_clocks_count() -> int:
    """How many running clocks wait for a year the calendar does not have: one bounded
    ``COUNT`` a kind, each stopping at ``PENDING_COUNT_CAP + 1`` (more than the cap reads as
    "over the cap", see ``CoverageWarning.pending_text``)."""
    return sum(
        kind.model._default_manager.filter(kind.running, due_pending_year__isnull=False)
        .order_by()[: PENDING_COUNT_CAP + 1]
        .count()
        for kind in clock_kinds()
    )


@dataclass(frozen=True)
class CoverageWarning:
    """What staff are told while a year the clocks need is missing or provisional."""

    year: int
    provisional: bool
    pending: int

    @property
    def pending_text(self) -> str:
        """The count as shown: exact up to the cap, "10000+" beyond it."""
        return f"{PENDING_COUNT_CAP}+" if self.pending > PENDING_COUNT_CAP else str(self.pending)

    @property
    def text(self) -> str:
        if self.provisional:
            lead = _(
                "The %(year)s calendar is provisional (Monday–Friday working, no statutory "
                "holidays)."
            ) % {"year": self.year}
        else:
            lead = _("The %(year)s calendar is not imported.") % {"year": self.year}
        return (
            lead
            + " "
            + _(
                "%(n)s open clocks have their due time pending. Import the State Council notice: "
                "manage.py calendar_import --year %(year)s --csv FILE --commit"
            )
            % {"n": self.pending_text, "year": self.year}
        )


def calendar_coverage_warning(*, today: date | None = None) -> CoverageWarning | None:
    """The warning every console page shows, or None: the current year missing, or from
    1 November next year missing or only provisional; or any clock still pending on a year."""
    today = today or timezone.now().astimezone(business_tz()).date()
    covered = set(calendar_years())
    provisional = set(calendar_provisional_years())
    pending = pending_clocks_count()
    wanted = [today.year] + ([today.year + 1] if today.month >= WARN_FROM_MONTH else [])
    for year in wanted:
        if year not in covered or year in provisional:
            return CoverageWarning(year=year, provisional=year in covered, pending=pending)
    if pending:
        missing = [year for year in range(today.year, today.year + 3) if year not in covered]
        return CoverageWarning(
            year=missing[0] if missing else today.year + 1, provisional=False, pending=pending
        )
    return None


#: How often senior reviewers are reminded while a year is missing.
REMIND_EVERY = timedelta(days=7)


def calendar_coverage_remind(*, now: datetime | None = None) -> int:
    """Tell every senior reviewer, at most once a week, that a year the clocks need is missing
    or provisional (``calendar_coverage_warning``); returns how many were told."""
    now = now or timezone.now()
    warning = calendar_coverage_warning(today=now.astimezone(business_tz()).date())
    if warning is None:
        return 0
    if Notification.objects.filter(
        kind=Notification.Kind.CALENDAR, created_at__gt=now - REMIND_EVERY
    ).exists():
        return 0

    def render() -> tuple[str, str]:
        return _("Business calendar: %(year)s is needed") % {"year": warning.year}, warning.text

    return len(
        notification_send(
            recipients=staff_with_permission(PERM_OVERRIDE),
            kind=Notification.Kind.CALENDAR,
            render=render,
            # Leads to the calendar days in the console.
            subject=WorkingDay,
        )
    )
