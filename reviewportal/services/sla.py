"""SLA (SPEC §6): the business calendar read from the WorkingDay table, each item's SLA clock
(due time, at-risk instant, urgency), its remaining business time and state, and the periodic
sweep that records breaches and flags items at risk.

The arithmetic is ``reviewportal.businesstime``'s; this module feeds it the table and the
policies, and turns a year the table does not cover into ``CalendarNotConfiguredError``.
"""

from __future__ import annotations

import calendar as stdlib_calendar
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from reviewportal.businesstime import (
    AT_RISK_FLOOR,
    AT_RISK_FRACTION,
    BusinessCalendar,
    CalendarNotConfigured,
    SlaState,
)
from reviewportal.errors import CalendarNotConfiguredError, ReviewError
from reviewportal.models import ReviewableModel, SlaPolicy, WorkingDay
from reviewportal.models.lifecycle import QUEUE_STATES
from reviewportal.permissions import PERM_OVERRIDE
from reviewportal.selectors import reviewable_models, staff_with_permission
from reviewportal.services.notifications import notification_send

# The smallest step of a stored datetime; see _at_risk_after.
_TICK = timedelta(microseconds=1)


# --- the calendar -----------------------------------------------------------------------------

# (version, calendar) of this process. A tuple is replaced in one assignment, so threads of one
# process never see half of it.
_cached: tuple[tuple, BusinessCalendar] | None = None


def _calendar_version() -> tuple:
    # Any save moves the sum of edits, any insert or delete moves the count or the highest id. Read
    # from the database rather than a cache key: without Redis every process has its own
    # local-memory cache, and a key bumped by the web process would never reach the worker.
    return tuple(
        WorkingDay.objects.aggregate(n=Count("pk"), edits=Sum("edits"), top=Max("pk")).values()
    )


def _calendar_build() -> BusinessCalendar:
    flags = dict(WorkingDay.objects.values_list("date", "is_working"))
    per_year = Counter(day.year for day in flags)
    # A year counts as covered only once all its days are in; one being entered by hand is not
    # used until it is complete.
    years = [
        year for year, n in per_year.items() if n == (366 if stdlib_calendar.isleap(year) else 365)
    ]
    opens, closes = (time.fromisoformat(t) for t in settings.REVIEW_POLICY["BUSINESS_HOURS"])
    return BusinessCalendar(
        flags,
        years=years,
        opens=opens,
        closes=closes,
        tz=business_tz(),
    )


def business_calendar() -> BusinessCalendar:
    """Return the business calendar of the WorkingDay table, with the configured opening hours.

    Built once per process and reused while the table is unchanged: each call reads the table's
    version with one small query, so an edit in the admin or an import in any process is seen by
    the next call everywhere, and a transaction sees its own uncommitted edits. Only complete
    years are covered."""
    global _cached
    version = _calendar_version()
    cached = _cached
    if cached is not None and cached[0] == version:
        return cached[1]
    calendar = _calendar_build()
    _cached = (version, calendar)
    return calendar


def business_tz() -> ZoneInfo:
    """The time zone of the opening hours (Asia/Shanghai)."""
    return ZoneInfo(settings.REVIEW_POLICY["BUSINESS_TIMEZONE"])


@contextmanager
def calendar_required() -> Iterator[None]:
    """Turn the engine's CalendarNotConfigured into the readable CalendarNotConfiguredError."""
    try:
        yield
    except CalendarNotConfigured as exc:
        raise CalendarNotConfiguredError(exc.year) from exc


# --- policies and clocks ----------------------------------------------------------------------


def sla_policy_get(code: str) -> SlaPolicy:
    """Return the SLA policy ``code``; a missing one is a ReviewError, not a silent default."""
    try:
        return SlaPolicy.objects.get(code=code)
    except SlaPolicy.DoesNotExist:
        raise ReviewError(
            _("The SLA policy %(code)s is missing; restore it in the admin.") % {"code": code},
            code="sla_policy_missing",
        ) from None


def _at_risk_after(calendar: BusinessCalendar, start: datetime, target: timedelta) -> datetime:
    """The instant after which less than the at-risk share of ``target`` is left (SPEC §6: less
    than 25 % of the target or less than one business hour).

    Walking ``target - threshold`` from ``start`` reaches the instant where exactly the
    threshold is left; one tick more and back finds the last such instant, which is the next
    opening time rather than the evening's closing time when the walk ends at closing (the
    threshold stays left all night, and exactly the threshold is still on track)."""
    threshold = max(target * AT_RISK_FRACTION, AT_RISK_FLOOR)
    return calendar.add_business_time(start, max(target - threshold, timedelta(0)) + _TICK) - _TICK


def sla_due(*, start: datetime, policy: SlaPolicy | str) -> datetime:
    """Return when a clock started at ``start`` under ``policy`` (an SlaPolicy or its code) is
    due, in the calendar's time zone. Raises CalendarNotConfiguredError when the walk needs a
    year the table does not cover, ReviewError when the policy is missing."""
    if isinstance(policy, str):
        policy = sla_policy_get(policy)
    calendar = business_calendar()
    with calendar_required():
        return calendar.add_business_time(start, policy.target(calendar.day_length))


def sla_clock_start(
    *,
    item: ReviewableModel,
    start: datetime,
    policy: str | None = None,
    urgent: bool = False,
) -> None:
    """(Re)start ``item``'s SLA clock at ``start``, on the instance only: the calling service
    saves it in its own transaction.

    Effects, in order: the policy is ``policy`` or else the item's own (``SLA_POLICY``:
    qualification review for qualifications, standard review otherwise); the due time is the
    policy's target in business time after ``start`` and the at-risk instant is computed; then
    the item gets the policy, the target it started with, the due time, the at-risk instant,
    ``is_urgent = urgent`` (a resubmission therefore ends an earlier urgent acceptance), and the
    at-risk and breach marks of the previous clock are cleared. Raises CalendarNotConfiguredError
    before changing anything when the walk needs an uncovered year."""
    chosen = sla_policy_get(policy or item.SLA_POLICY)
    calendar = business_calendar()
    target = chosen.target(calendar.day_length)
    with calendar_required():
        due = calendar.add_business_time(start, target)
        at_risk_after = _at_risk_after(calendar, start, target)
    item.sla_policy = chosen
    item.sla_target = target
    item.due_at = due
    item.at_risk_at = at_risk_after
    item.is_urgent = urgent
    item.at_risk_flagged_at = None
    item.breach_recorded_at = None


# --- reading an item's standing ---------------------------------------------------------------


@dataclass(frozen=True)
class SlaStatus:
    """Where an open item stands: due time, business time left, state, urgency."""

    due_at: datetime
    remaining: timedelta
    state: SlaState
    is_urgent: bool


def sla_status(
    item: ReviewableModel,
    *,
    now: datetime | None = None,
    calendar: BusinessCalendar | None = None,
) -> SlaStatus | None:
    """Return ``item``'s SLA status as of ``now``, or None when it is not waiting for a reviewer
    or has no clock. Reads nothing but the calendar; a page listing many items passes one
    ``calendar`` (``business_calendar()``) so that its query count does not grow with its rows.
    Raises CalendarNotConfiguredError when the table no longer covers the days in between."""
    if item.state not in QUEUE_STATES or item.due_at is None:
        return None
    now = now or timezone.now()
    calendar = calendar or business_calendar()
    target = item.sla_target or item.sla_policy.target(calendar.day_length)
    with calendar_required():
        return SlaStatus(
            due_at=item.due_at.astimezone(calendar.tz),
            remaining=calendar.remaining(now, item.due_at),
            state=calendar.sla_state(now, item.due_at, target),
            is_urgent=item.is_urgent,
        )


# --- the periodic sweep -----------------------------------------------------------------------


@dataclass(frozen=True)
class SweptItem:
    """One item named in a sweep's report."""

    # The model's verbose name, left lazy: each recipient reads it in their own language.
    kind: str | Promise
    public_id: str
    due_at: datetime
    is_urgent: bool


@dataclass
class SweepReport:
    """What one sweep did: the breaches it recorded, the items it flagged, whom it told."""

    breached: list[SweptItem] = field(default_factory=list)
    at_risk: list[SweptItem] = field(default_factory=list)
    notified: int = 0


_SWEPT_FIELDS = ("pk", "public_id", "due_at", "is_urgent")


def _mark(queryset, *, now: datetime, mark: str, kind: str | Promise) -> list[SweptItem]:
    """Lock the rows of ``queryset`` that no other transaction holds, set ``mark`` = ``now`` on
    them with one UPDATE and return them. Rows locked by a transition under way are skipped and
    caught by the next run."""
    rows = list(
        queryset.select_for_update(skip_locked=True).order_by("due_at", "pk").values(*_SWEPT_FIELDS)
    )
    if rows:
        queryset.model._default_manager.filter(pk__in=[r["pk"] for r in rows]).update(**{mark: now})
    return [
        SweptItem(kind=kind, public_id=r["public_id"], due_at=r["due_at"], is_urgent=r["is_urgent"])
        for r in rows
    ]


def _sweep_line(entry: SweptItem) -> str:
    line = _("%(kind)s %(id)s, due %(due)s") % {
        "kind": entry.kind,
        "id": entry.public_id,
        "due": entry.due_at.astimezone(business_tz()).strftime("%Y-%m-%d %H:%M"),
    }
    return line + (" " + _("(urgent)") if entry.is_urgent else "")


@transaction.atomic
def sla_sweep_run(*, now: datetime | None = None) -> SweepReport:
    """Record new SLA breaches and flag items newly at risk, then tell the senior reviewers.

    Effects, in order, in one transaction: for each kind of item, the items waiting for a
    reviewer whose due time has come and whose breach is not yet recorded get
    ``breach_recorded_at = now``; then those not yet breached nor flagged whose at-risk instant
    has passed get ``at_risk_flagged_at = now``; if there is any, every senior reviewer (holder of
    ``override_findings``) gets one notification listing them all (e-mailed after commit).

    Each item is recorded once: a second run finds nothing to do. The database cost is a fixed
    number of queries per kind of item plus one per senior reviewer, whatever the number of
    items (no query per item, no calendar walk: the clock stored the instants)."""
    now = now or timezone.now()
    report = SweepReport()
    for model in reviewable_models():
        kind = model._meta.verbose_name
        waiting = model._default_manager.filter(state__in=QUEUE_STATES, due_at__isnull=False)
        report.breached += _mark(
            waiting.filter(due_at__lte=now, breach_recorded_at__isnull=True),
            now=now,
            mark="breach_recorded_at",
            kind=kind,
        )
        report.at_risk += _mark(
            waiting.filter(
                due_at__gt=now,
                at_risk_at__lt=now,
                breach_recorded_at__isnull=True,
                at_risk_flagged_at__isnull=True,
            ),
            now=now,
            mark="at_risk_flagged_at",
            kind=kind,
        )
    if report.breached or report.at_risk:
        report.notified = len(_tell_seniors(report))
    return report


def _tell_seniors(report: SweepReport) -> list:
    def render() -> tuple[str, str]:
        title = _("SLA: %(breached)s breached, %(at_risk)s at risk") % {
            "breached": len(report.breached),
            "at_risk": len(report.at_risk),
        }
        parts = []
        if report.breached:
            parts.append(_("Past their due time:"))
            parts += [f"- {_sweep_line(e)}" for e in report.breached]
        if report.at_risk:
            parts.append(_("Less than a quarter of their target (or an hour) left:"))
            parts += [f"- {_sweep_line(e)}" for e in report.at_risk]
        return title, "\n".join(parts)

    return notification_send(
        recipients=staff_with_permission(PERM_OVERRIDE), kind="sla", render=render
    )
