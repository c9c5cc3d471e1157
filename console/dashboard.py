"""The figures of the console's dashboard (the admin index): queues, SLA compliance, waits,
reviewers' decisions and carrier filings."""

from __future__ import annotations

from datetime import timedelta
from statistics import median

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q
from django.utils import timezone

from carriers.models import CarrierFiling, FilingState
from reviewportal.models import DecisionOutcome, ReviewDecision
from reviewportal.models.lifecycle import QUEUE_STATES, ReviewState
from reviewportal.selectors import reviewable_models
from reviewportal.services.sla import business_tz


def _percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def console_dashboard(*, now=None) -> dict:
    """The figures of the admin index: queue depth by state and kind, SLA compliance of the
    decisions taken today and over 7 days, open breaches, the median time from submission to
    decision, decisions per reviewer over 7 days and carrier filing counts by state.

    A constant number of queries whatever the data: two per kind of item, two over decisions
    and one over filings."""

    now = now or timezone.now()
    local = now.astimezone(business_tz())
    today = local.replace(hour=0, minute=0, second=0, microsecond=0)
    week = today - timedelta(days=6)
    final = [ReviewState.APPROVED, ReviewState.REJECTED, ReviewState.REVOKED]
    depth: dict[str, dict[str, int]] = {}
    breaches = 0
    sla = {"today": [0, 0], "week": [0, 0]}
    for model in reviewable_models():
        rows = list(
            model._default_manager.filter(state__in=QUEUE_STATES)
            .values("state")
            .annotate(n=Count("pk"), late=Count("pk", filter=Q(due_at__lte=now)))
            .order_by()
        )
        counts = {r["state"]: r["n"] for r in rows}
        breaches += sum(r["late"] for r in rows)
        figures = model._default_manager.filter(
            state__in=final, decided_at__gte=week, due_at__isnull=False
        ).aggregate(
            week=Count("pk"),
            week_ok=Count("pk", filter=Q(decided_at__lte=F("due_at"))),
            today=Count("pk", filter=Q(decided_at__gte=today)),
            today_ok=Count("pk", filter=Q(decided_at__gte=today, decided_at__lte=F("due_at"))),
        )
        sla["today"][0] += figures["today_ok"]
        sla["today"][1] += figures["today"]
        sla["week"][0] += figures["week_ok"]
        sla["week"][1] += figures["week"]
        depth[str(model._meta.verbose_name_plural)] = counts
    decisions = ReviewDecision.objects.filter(
        created_at__gte=week,
        outcome__in=[DecisionOutcome.APPROVE, DecisionOutcome.REJECT],
    )
    waits = list(
        decisions.annotate(
            wait=ExpressionWrapper(
                F("created_at") - F("revision__created_at"), output_field=DurationField()
            )
        ).values_list("wait", flat=True)
    )
    throughput = list(
        ReviewDecision.objects.filter(created_at__gte=week)
        .values("reviewer__username", "reviewer__first_name", "reviewer__last_name")
        .annotate(
            n=Count("pk"),
            approved=Count("pk", filter=Q(outcome=DecisionOutcome.APPROVE)),
            first=Count("pk", filter=Q(outcome=DecisionOutcome.FIRST_APPROVAL)),
            rejected=Count("pk", filter=Q(outcome=DecisionOutcome.REJECT)),
        )
        .order_by("-n")
    )
    filings: dict[str, dict[str, int]] = {}
    for row in (
        CarrierFiling.objects.values("carrier__sort_order", "carrier__name_zh", "state")
        .annotate(n=Count("pk"))
        .order_by("carrier__sort_order")
    ):
        filings.setdefault(row["carrier__name_zh"], {})[row["state"]] = row["n"]
    states = dict(ReviewState.choices)
    filing_states = list(FilingState.choices)
    return {
        "depth": [
            {
                "kind": kind,
                "cells": [counts.get(s, 0) for s in QUEUE_STATES],
                "total": sum(counts.values()),
            }
            for kind, counts in depth.items()
        ],
        "depth_states": [states[s] for s in QUEUE_STATES],
        "breaches": breaches,
        "compliance_today": _percent(*sla["today"]),
        "decided_today": sla["today"][1],
        "compliance_week": _percent(*sla["week"]),
        "decided_week": sla["week"][1],
        "median_wait": median(waits) if waits else None,
        "throughput": [
            {
                "name": f"{r['reviewer__first_name']} {r['reviewer__last_name']}".strip()
                or r["reviewer__username"],
                "n": r["n"],
                "approved": r["approved"],
                "first": r["first"],
                "rejected": r["rejected"],
            }
            for r in throughput
        ],
        "filing_states": [label for _, label in filing_states],
        "filings": [
            {"carrier": carrier, "cells": [counts.get(code, 0) for code, _ in filing_states]}
            for carrier, counts in filings.items()
        ],
    }
