"""SLA clocks: what kinds of clock there are, how a clock's due and at-risk instants are computed
from its start, starting one, and reading where it stands.

Every clock stores its start, policy and target (``reviewportal.models.SlaClock``); the due and
at-risk instants are a function of those and the calendar, which is why
``sla_clocks_recompute`` can walk them again whenever the calendar changes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import models
from django.db.models import Q
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
from reviewportal.errors import ReviewError
from reviewportal.models import SlaClock, SlaPolicy
from reviewportal.models.lifecycle import QUEUE_STATES
from reviewportal.selectors import reviewable_models
from reviewportal.services.sla.calendar import business_calendar, calendar_required

# The smallest step of a stored datetime; see _at_risk_after.
_TICK = timedelta(microseconds=1)


# --- kinds of clock ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockKind:
    """One model whose rows carry an SLA clock, and what the kernel needs to know about it.

    Review items (every ``ReviewableModel``) are known to the kernel; other apps register theirs
    with ``clock_kind_register`` (the carriers app registers filings), so the kernel recomputes
    and sweeps them without importing the app."""

    model: type[SlaClock]
    #: The rows whose clock is running (waiting for a reviewer, or for a carrier's answer).
    running: Q
    #: A name for each row in the sweep's messages, as a query expression (or a function
    #: that makes it when the sweep runs, for a name that depends on what other apps register).
    name: models.Expression | models.F | Callable[[], models.Expression] = field(
        default_factory=lambda: models.F("public_id")
    )
    #: Whether a row is urgent, as a query expression (False for kinds without urgency).
    urgent: models.Expression | models.F = field(default_factory=lambda: models.F("is_urgent"))
    #: Whether the sweep flags rows at risk (review items) or only records breaches.
    flags_at_risk: bool = True
    #: A field whose value picks the row's calendar (filings: the carrier, whose pauses close
    #: days), and the provider of the closed days by value.
    variant_field: str | None = None
    closed_days: Callable[[], Mapping[object, Iterable[date]]] | None = None
    #: Who the sweep tells about this kind's breaches; None: the senior reviewers.
    recipients: Callable[[], models.QuerySet] | None = None

    @property
    def label(self) -> str | Promise:
        return self.model._meta.verbose_name


_registered: list[ClockKind] = []


def clock_kind_register(kind: ClockKind) -> None:
    """Register a kind of clock beyond the review items (called from an app's ``ready()``)."""
    if all(known.model is not kind.model for known in _registered):
        _registered.append(kind)


def clock_kinds() -> list[ClockKind]:
    """Every kind of SLA clock: the review items, then the registered ones."""
    review = [
        ClockKind(model=model, running=Q(state__in=QUEUE_STATES)) for model in reviewable_models()
    ]
    return review + list(_registered)


def clock_calendar(
    kind: ClockKind,
    variant: object,
    *,
    base: BusinessCalendar | None = None,
    cache: dict | None = None,
) -> BusinessCalendar:
    """The calendar a clock of ``kind`` walks: the business calendar, with the days its variant
    closes (a carrier's filing pauses) taken out. ``cache`` keeps the closed days between calls
    of one run."""
    base = base or business_calendar()
    if kind.closed_days is None:
        return base
    if cache is None:
        cache = {}
    key = (kind.model, "closed")
    if key not in cache:
        cache[key] = {k: frozenset(v) for k, v in kind.closed_days().items()}
    closed = cache[key].get(variant)
    if not closed:
        return base
    calendars = cache.setdefault((kind.model, "calendars", id(base)), {})
    if variant not in calendars:
        calendars[variant] = base.with_closed(closed)
    return calendars[variant]


# --- computing a clock --------------------------------------------------------------------------


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


@dataclass(frozen=True)
class ClockTimes:
    """The instants of one clock: due and at-risk, or neither and the year they wait for."""

    due_at: datetime | None
    at_risk_at: datetime | None
    pending_year: int | None = None


def clock_times(calendar: BusinessCalendar, start: datetime, target: timedelta) -> ClockTimes:
    """Walk ``target`` of business time from ``start``. A walk that needs a year the calendar
    does not cover gives a pending clock naming that year: nothing is guessed, nothing refused."""
    try:
        return ClockTimes(
            due_at=calendar.add_business_time(start, target),
            at_risk_at=_at_risk_after(calendar, start, target),
        )
    except CalendarNotConfigured as exc:
        return ClockTimes(due_at=None, at_risk_at=None, pending_year=exc.year)


def sla_due(*, start: datetime, policy: SlaPolicy | str) -> datetime:
    """Return when a clock started at ``start`` under ``policy`` (an SlaPolicy or its code) is
    due, in the calendar's time zone. Raises CalendarNotConfiguredError when the walk needs a
    year the table does not cover (the ``sla due`` command answers it with exit 2), ReviewError
    when the policy is missing."""
    if isinstance(policy, str):
        policy = sla_policy_get(policy)
    calendar = business_calendar()
    with calendar_required():
        return calendar.add_business_time(start, policy.target(calendar.day_length))


def sla_clock_values(
    *, start: datetime, policy: SlaPolicy, calendar: BusinessCalendar | None = None
) -> dict:
    """The field values of a clock started at ``start`` under ``policy``: start, policy, target,
    due and at-risk instants (or the pending year), and no at-risk or breach mark."""
    calendar = calendar or business_calendar()
    target = policy.target(calendar.day_length)
    times = clock_times(calendar, start, target)
    return {
        "sla_policy": policy,
        "sla_started_at": start,
        "sla_target": target,
        "due_at": times.due_at,
        "at_risk_at": times.at_risk_at,
        "due_pending_year": times.pending_year,
        "at_risk_flagged_at": None,
        "breach_recorded_at": None,
    }


def sla_clock_start(
    *,
    item: SlaClock,
    start: datetime,
    policy: str | None = None,
    urgent: bool = False,
    calendar: BusinessCalendar | None = None,
) -> None:
    """(Re)start ``item``'s SLA clock at ``start``, on the instance only: the calling service
    saves it in its own transaction.

    Effects: the policy is ``policy`` or else the item's own (``SLA_POLICY``: qualification
    review for qualifications, standard review otherwise); the item gets the start, the policy,
    its target, the due time and the at-risk instant — or, when the walk needs a year the
    calendar does not cover, no due time and ``due_pending_year`` (the item is accepted all the
    same and its due time is computed when the year is imported); a review item gets
    ``is_urgent = urgent`` (a resubmission therefore ends an earlier urgent acceptance); the
    at-risk and breach marks of the previous clock are cleared. Never raises for the calendar."""
    chosen = sla_policy_get(policy or item.SLA_POLICY)
    for name, value in sla_clock_values(start=start, policy=chosen, calendar=calendar).items():
        setattr(item, name, value)
    if hasattr(item, "is_urgent"):
        item.is_urgent = urgent


# --- reading a clock ----------------------------------------------------------------------------


def pending_text(year: int) -> str:
    """What portal and console say of a clock waiting for a year's calendar."""
    return _("due time pending: the %(year)s calendar is not imported") % {"year": year}


@dataclass(frozen=True)
class SlaStatus:
    """Where an open clock stands: due time, business time left, state, urgency. A pending
    clock has state ``PENDING``, no due time and no remaining time, and names the year."""

    due_at: datetime | None
    remaining: timedelta | None
    state: SlaState
    is_urgent: bool
    pending_year: int | None = None

    @property
    def pending(self) -> bool:
        return self.state == SlaState.PENDING

    @property
    def pending_text(self) -> str:
        return pending_text(self.pending_year) if self.pending_year else ""


def sla_status(
    item: SlaClock,
    *,
    now: datetime | None = None,
    calendar: BusinessCalendar | None = None,
    running: bool | None = None,
) -> SlaStatus | None:
    """Return ``item``'s SLA status as of ``now``, or None when its clock is not running (a
    review item not waiting for a reviewer; ``running`` tells for other kinds) or it has none.
    Reads nothing but the calendar; a page listing many items passes one ``calendar``
    (``business_calendar()``) so that its query count does not grow with its rows. Raises
    CalendarNotConfiguredError when the table no longer covers the days in between."""
    if running is None:
        running = getattr(item, "state", None) in QUEUE_STATES
    if not running:
        return None
    is_urgent = bool(getattr(item, "is_urgent", False))
    if item.due_at is None:
        if item.due_pending_year is None:
            return None
        return SlaStatus(
            due_at=None,
            remaining=None,
            state=SlaState.PENDING,
            is_urgent=is_urgent,
            pending_year=item.due_pending_year,
        )
    now = now or timezone.now()
    calendar = calendar or business_calendar()
    target = item.sla_target or item.sla_policy.target(calendar.day_length)
    with calendar_required():
        return SlaStatus(
            due_at=item.due_at.astimezone(calendar.tz),
            remaining=calendar.remaining(now, item.due_at),
            state=calendar.sla_state(now, item.due_at, target),
            is_urgent=is_urgent,
        )
