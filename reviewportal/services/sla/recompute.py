"""Recomputing the open SLA clocks when the calendar or a target changes (SPEC §6).

A clock keeps its start, policy and (for filings) the carrier; its due and at-risk instants are
walked again from the start on the calendar as it is now. One service does it for every kind of
clock, in batches of a fixed number of statements, and records what moved in the calendar-change
history that the console shows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from reviewportal.bulk import rows_update
from reviewportal.models import CalendarChange, SlaPolicy, User
from reviewportal.services.sla.calendar import business_calendar
from reviewportal.services.sla.clocks import ClockKind, clock_calendar, clock_kinds, clock_times
from reviewportal.services.sla.sweep import sla_sweep_run

#: Clocks read, computed and written per batch: one SELECT … FOR UPDATE and at most one UPDATE.
BATCH_SIZE = 1000

_READ = (
    "pk",
    "sla_started_at",
    "sla_policy_id",
    "sla_target",
    "due_at",
    "at_risk_at",
    "due_pending_year",
    "at_risk_flagged_at",
    "breach_recorded_at",
)
_WRITE = (
    "sla_target",
    "due_at",
    "at_risk_at",
    "due_pending_year",
    "at_risk_flagged_at",
    "breach_recorded_at",
)


@dataclass
class RecomputeResult:
    """What a recompute did: clocks read, clocks whose due or at-risk instant moved, pending due
    times that became known, breaches no longer breaches, clocks still pending afterwards."""

    checked: int = 0
    moved: int = 0
    known: int = 0
    breaches_cleared: int = 0
    still_pending: int = 0

    def add(self, other: RecomputeResult) -> None:
        for name in ("checked", "moved", "known", "breaches_cleared", "still_pending"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def days_window(first: date, last: date) -> Q:
    """The clocks a change of the days ``first``..``last`` can move: those started before the
    end of ``last`` whose due time is not before the start of ``first`` (a walk that ended
    earlier never reached those days), pending ones included."""
    tz = business_calendar().tz
    begins = datetime.combine(first, time.min, tzinfo=tz)
    ends = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz)
    return Q(sla_started_at__lt=ends) & (Q(due_at__gte=begins) | Q(due_at__isnull=True))


def _recompute_kind(
    kind: ClockKind,
    *,
    where: Q | None,
    now: datetime,
    policies: dict[int, SlaPolicy],
    cache: dict,
) -> RecomputeResult:
    result = RecomputeResult()
    base = business_calendar()
    queryset = kind.model._default_manager.filter(
        kind.running, sla_started_at__isnull=False, sla_policy__isnull=False
    )
    if where is not None:
        queryset = queryset.filter(where)
    read = _READ + ((kind.variant_field,) if kind.variant_field else ())
    last_pk = 0
    while True:
        rows = list(
            queryset.filter(pk__gt=last_pk)
            .select_for_update(of=("self",))
            .order_by("pk")
            .values(*read)[:BATCH_SIZE]
        )
        if not rows:
            return result
        last_pk = rows[-1]["pk"]
        changed = []
        for row in rows:
            result.checked += 1
            target = policies[row["sla_policy_id"]].target(base.day_length)
            calendar = (
                clock_calendar(kind, row[kind.variant_field], base=base, cache=cache)
                if kind.variant_field
                else base
            )
            times = clock_times(calendar, row["sla_started_at"], target)
            new = {
                "sla_target": target,
                "due_at": times.due_at,
                "at_risk_at": times.at_risk_at,
                "due_pending_year": times.pending_year,
                "breach_recorded_at": row["breach_recorded_at"],
                "at_risk_flagged_at": row["at_risk_flagged_at"],
            }
            if times.pending_year is not None:
                result.still_pending += 1
            # A mark made under the old calendar that the new one contradicts is taken back; a
            # newly due clock is left to the sweep, which records it once.
            if new["breach_recorded_at"] and (times.due_at is None or times.due_at > now):
                new["breach_recorded_at"] = None
                result.breaches_cleared += 1
            if new["at_risk_flagged_at"] and (times.at_risk_at is None or times.at_risk_at >= now):
                new["at_risk_flagged_at"] = None
            if all(row[name] == new[name] for name in _WRITE):
                continue
            if (row["due_at"], row["at_risk_at"], row["due_pending_year"]) != (
                times.due_at,
                times.at_risk_at,
                times.pending_year,
            ):
                result.moved += 1
                if row["due_pending_year"] is not None and times.pending_year is None:
                    result.known += 1
            changed.append((row["pk"], new))
        if changed:
            _write(kind.model, changed)


def _write(model, changed: list[tuple[int, dict]]) -> None:
    """Write a batch of recomputed clocks with one statement (``rows_update``); the rows are
    already locked by the batch's read."""
    rows_update(model, changed, _WRITE)


def _recompute(
    *,
    where: Q | None = None,
    models: Sequence[type] | None = None,
    now: datetime,
) -> RecomputeResult:
    policies = {policy.pk: policy for policy in SlaPolicy.objects.all()}
    cache: dict = {}
    total = RecomputeResult()
    for kind in clock_kinds():
        if models is not None and kind.model not in models:
            continue
        total.add(_recompute_kind(kind, where=where, now=now, policies=policies, cache=cache))
    return total


def sla_clocks_recompute(
    *,
    kind: str,
    summary: str | Callable[[], str],
    user: User | None = None,
    days: tuple[date, date] | None = None,
    where: Q | None = None,
    models: Sequence[type] | None = None,
    now: datetime | None = None,
) -> CalendarChange:
    """Walk the due and at-risk instants of every open clock again from its start, after a
    change of the calendar (``kind``: a ``CalendarChange.Kind``) described by ``summary``.

    ``summary`` is a text, or a function that writes it: the history keeps it in the
    product's default language (``LANGUAGE_CODE``), whoever made the change. ``days`` limits
    the work to the clocks that can span those days (``days_window``), ``where`` and ``models``
    to some clocks (a policy's, a carrier's filings); by default every running clock of every
    kind is walked (review items waiting for a reviewer, urgent or not, qualifications,
    filings waiting at a carrier).

    Effects, in order, in the caller's transaction: a calendar-change row (who, what); for each
    kind of clock, batches of ``BATCH_SIZE`` running clocks in primary-key order are locked and
    read with one SELECT, computed in memory (the policy's current target; a filing's carrier
    pauses; a year still missing leaves the clock pending) and the clocks that changed written
    with one UPDATE; a breach or at-risk mark that the new instants contradict is cleared; the
    row gets the counts; then the SLA sweep runs, so a clock the change made overdue is recorded
    (once) and its staff told. After commit, the clocks started by transactions that ran
    alongside this one (and may have read the calendar as it was) are walked once more.

    The statements do not grow with the number of clocks beyond one SELECT and one UPDATE per
    batch; memory holds one batch."""
    with transaction.atomic():
        now = now or timezone.now()
        started = timezone.now()
        if callable(summary):
            with translation.override(settings.LANGUAGE_CODE):
                summary = str(summary())
        change = CalendarChange.objects.create(kind=kind, summary=summary, changed_by=user)
        scope = where if days is None else (days_window(*days) & (where or Q()))
        result = _recompute(where=scope, models=models, now=now)
        change.clocks_checked = result.checked
        change.clocks_moved = result.moved
        change.due_times_known = result.known
        change.breaches_cleared = result.breaches_cleared
        change.save(
            update_fields=["clocks_checked", "clocks_moved", "due_times_known", "breaches_cleared"]
        )
        sla_sweep_run(now=now)
        # Robust: the change is committed by then, so a failure of this second pass is logged
        # rather than turned into an error page for a change that succeeded.
        transaction.on_commit(lambda: _recompute_touched_since(started), robust=True)
        return change


def _recompute_touched_since(started: datetime) -> None:
    # A clock started by a transaction that read the calendar before this change committed
    # carries the old instants; its row was written after ``started``.
    margin = timedelta(seconds=1)
    with transaction.atomic():
        _recompute(where=Q(updated_at__gte=started - margin), now=timezone.now())


def sla_pending_recompute(*, now: datetime | None = None) -> int:
    """Compute the clocks that have a start but no due time they could have by now: pending on
    a year the calendar covers meanwhile (entered without the import service), or started
    before they had a due time at all (filings waiting at a carrier when the filing clock came
    in). Returns how many clocks it wrote. The sweep's safety net; one indexed query a kind
    when there is nothing to do."""
    with transaction.atomic():
        years = sorted(business_calendar().covered_years)
        incomplete = Q(due_at__isnull=True, due_pending_year__isnull=True)
        if years:
            incomplete |= Q(due_pending_year__in=years)
        result = _recompute(where=incomplete, now=now or timezone.now())
        return result.moved
