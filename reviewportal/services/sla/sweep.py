"""The periodic SLA sweep: records breaches once, flags items at risk once, tells staff."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from reviewportal.permissions import PERM_OVERRIDE
from reviewportal.selectors import staff_with_permission
from reviewportal.services.notifications import notification_send
from reviewportal.services.sla.calendar import business_tz
from reviewportal.services.sla.clocks import ClockKind, clock_kinds


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
    """What one sweep did: the review items whose breach it recorded and those it flagged at
    risk (senior reviewers are told), the other clocks it found overdue (carrier filings: their
    own staff are told), and how many people it told."""

    breached: list[SweptItem] = field(default_factory=list)
    at_risk: list[SweptItem] = field(default_factory=list)
    overdue: list[SweptItem] = field(default_factory=list)
    notified: int = 0


def _mark(kind: ClockKind, queryset, *, now: datetime, mark: str) -> list[SweptItem]:
    """Lock the rows of ``queryset`` that no other transaction holds, set ``mark`` = ``now`` on
    them with one UPDATE and return them. Rows locked by a transition under way are skipped and
    caught by the next run."""
    rows = list(
        queryset.select_for_update(skip_locked=True, of=("self",))
        .annotate(
            sweep_name=kind.name() if callable(kind.name) else kind.name,
            sweep_urgent=kind.urgent,
        )
        .order_by("due_at", "pk")
        .values("pk", "sweep_name", "due_at", "sweep_urgent")
    )
    if rows:
        kind.model._default_manager.filter(pk__in=[r["pk"] for r in rows]).update(**{mark: now})
    return [
        SweptItem(
            kind=kind.label,
            public_id=r["sweep_name"],
            due_at=r["due_at"],
            is_urgent=bool(r["sweep_urgent"]),
        )
        for r in rows
    ]


#: Entries listed per section of a sweep notification; the rest are counted (a calendar change
#: that makes thousands of clocks overdue must not send an e-mail of megabytes).
LISTED = 50


def _listed(entries: list[SweptItem]) -> list[str]:
    lines = [f"- {_sweep_line(e)}" for e in entries[:LISTED]]
    if len(entries) > LISTED:
        lines.append(_("… and %(n)s more (see the console's queue)") % {"n": len(entries) - LISTED})
    return lines


def _sweep_line(entry: SweptItem) -> str:
    line = _("%(kind)s %(id)s, due %(due)s") % {
        "kind": entry.kind,
        "id": entry.public_id,
        "due": entry.due_at.astimezone(business_tz()).strftime("%Y-%m-%d %H:%M"),
    }
    return line + (" " + _("(urgent)") if entry.is_urgent else "")


def sla_sweep_run(*, now: datetime | None = None) -> SweepReport:
    """Record new SLA breaches and flag items newly at risk, then tell the staff concerned.

    Effects, in order, in one transaction: for each kind of clock, the running clocks whose due
    time has come and whose breach is not yet recorded get ``breach_recorded_at = now``; for
    review items, those not yet breached nor flagged whose at-risk instant has passed get
    ``at_risk_flagged_at = now``; if there is any, every senior reviewer (holder of
    ``override_findings``) gets one notification listing them all, and overdue carrier filings
    are listed in one notification to the staff who handle filings (e-mailed after commit). A
    clock whose due time is pending is neither breached nor flagged.

    Each clock is recorded once: a second run finds nothing to do. The database cost is a fixed
    number of queries per kind of clock plus one per person told, whatever the number of clocks
    (no query per item, no calendar walk: the clock stored the instants)."""
    with transaction.atomic():
        now = now or timezone.now()
        report = SweepReport()
        others: dict[object, tuple[ClockKind, list[SweptItem]]] = {}
        for kind in clock_kinds():
            running = kind.model._default_manager.filter(kind.running, due_at__isnull=False)
            breached = _mark(
                kind,
                running.filter(due_at__lte=now, breach_recorded_at__isnull=True),
                now=now,
                mark="breach_recorded_at",
            )
            if kind.recipients is not None:
                report.overdue += breached
                if breached:
                    others.setdefault(kind.recipients, (kind, []))[1].extend(breached)
                continue
            report.breached += breached
            if kind.flags_at_risk:
                report.at_risk += _mark(
                    kind,
                    running.filter(
                        Q(due_at__gt=now),
                        at_risk_at__lt=now,
                        breach_recorded_at__isnull=True,
                        at_risk_flagged_at__isnull=True,
                    ),
                    now=now,
                    mark="at_risk_flagged_at",
                )
        if report.breached or report.at_risk:
            report.notified += len(_tell_seniors(report))
        for kind, entries in others.values():
            report.notified += len(_tell_overdue(kind, entries))
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
            parts += _listed(report.breached)
        if report.at_risk:
            parts.append(_("Less than a quarter of their target (or an hour) left:"))
            parts += _listed(report.at_risk)
        return title, "\n".join(parts)

    return notification_send(
        recipients=staff_with_permission(PERM_OVERRIDE), kind="sla", render=render
    )


def _tell_overdue(kind: ClockKind, entries: list[SweptItem]) -> list:
    def render() -> tuple[str, str]:
        title = _("SLA: %(n)s overdue %(kind)s") % {
            "n": len(entries),
            "kind": kind.model._meta.verbose_name_plural,
        }
        lines = [_("Past their due time:"), *_listed(entries)]
        return title, "\n".join(lines)

    # About several items of one kind: it links to their list in the console.
    return notification_send(
        recipients=kind.recipients(), kind="sla", render=render, subject=kind.model
    )
