"""Reads shared by the console, the portal and the services."""

from __future__ import annotations

import heapq
from itertools import islice

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Q, QuerySet
from django_fsm_log.models import StateLog

from reviewportal.models import (
    DecisionOutcome,
    InternalNote,
    Notification,
    ReviewableModel,
    ReviewDecision,
    Revision,
    User,
)
from reviewportal.models.lifecycle import LIVE_STATES, QUEUE_ORDERING, QUEUE_STATES


def live_twin(item: ReviewableModel, **lookup) -> ReviewableModel | None:
    """Another application of ``item``'s kind matching ``lookup`` that stands (``LIVE_STATES``):
    what makes ``item`` a duplicate, or None."""
    return (
        type(item)
        ._default_manager.filter(state__in=LIVE_STATES, **lookup)
        .exclude(pk=item.pk)
        .order_by("pk")
        .first()
    )


def revisions_for(item) -> QuerySet[Revision]:
    """Every revision of ``item``, oldest first."""
    content_type = ContentType.objects.get_for_model(item)
    return Revision.objects.filter(content_type=content_type, object_id=item.pk).order_by("number")


def decisions_for(item) -> QuerySet[ReviewDecision]:
    """Every decision on any revision of ``item``, newest first, with reviewer and reasons."""
    content_type = ContentType.objects.get_for_model(item)
    return (
        ReviewDecision.objects.filter(
            revision__content_type=content_type, revision__object_id=item.pk
        )
        .select_related("reviewer", "revision")
        .prefetch_related("reasons")
        .order_by("-created_at", "-pk")
    )


def transition_log_for(item) -> QuerySet[StateLog]:
    """Every logged transition of ``item``, oldest first: who, when, from, to, why."""
    content_type = ContentType.objects.get_for_model(item)
    return (
        StateLog.objects.filter(content_type=content_type, object_id=item.pk)
        .select_related("by")
        .order_by("timestamp", "pk")
    )


def internal_notes_for(item) -> QuerySet[InternalNote]:
    """The staff's internal notes on ``item``, newest first, with their authors. For console
    pages only: nothing a customer reads may call this."""
    content_type = ContentType.objects.get_for_model(item)
    return (
        InternalNote.objects.filter(content_type=content_type, object_id=item.pk)
        .select_related("author")
        .order_by("-created_at", "-pk")
    )


def notifications_about(item) -> QuerySet[Notification]:
    content_type = ContentType.objects.get_for_model(item)
    return Notification.objects.filter(content_type=content_type, object_id=item.pk)


def reviewable_models() -> list[type[ReviewableModel]]:
    """Every concrete model under review (qualifications, signatures, templates), by label."""
    return sorted(
        (m for m in apps.get_models() if issubclass(m, ReviewableModel)),
        key=lambda m: m._meta.label,
    )


def review_queue(model: type[ReviewableModel]) -> QuerySet[ReviewableModel]:
    """Items of ``model`` waiting for a reviewer (pending_review, under_review, rereview) in queue
    order: urgent items first, then the earliest due time (items whose due time is pending after
    those with one), then the earliest clock start. Account, claimer and SLA policy come in the
    same query."""
    return (
        model._default_manager.filter(state__in=QUEUE_STATES)
        .select_related("account", "claimed_by", "sla_policy")
        .order_by(*QUEUE_ORDERING)
    )


def _queue_key(item: ReviewableModel) -> tuple:
    # review_queue's ORDER BY as a sort key, for merging the per-model queues (items in the
    # queue always have submitted_at; the model label breaks ties between kinds).
    return (
        not item.is_urgent,
        item.due_at is None,
        item.due_at or item.sla_started_at or item.submitted_at,
        item.sla_started_at or item.submitted_at,
        item._meta.label,
        item.pk,
    )


def review_queue_all(*, limit: int = 50) -> list[ReviewableModel]:
    """The first ``limit`` items of the whole queue, every kind of item merged in queue order
    (as ``review_queue``). One query per kind of item, whatever ``limit`` is."""
    queues = [review_queue(model)[:limit] for model in reviewable_models()]
    return list(islice(heapq.merge(*queues, key=_queue_key), limit))


def staff_with_permission(perm: str) -> QuerySet[User]:
    """Active staff users who hold ``perm`` (``"app_label.codename"``) through a group, directly,
    or as superusers; one query."""
    app_label, codename = perm.split(".", 1)
    through_group = Q(
        groups__permissions__codename=codename,
        groups__permissions__content_type__app_label=app_label,
    )
    direct = Q(
        user_permissions__codename=codename,
        user_permissions__content_type__app_label=app_label,
    )
    return (
        User.objects.filter(is_active=True, is_staff=True)
        .filter(through_group | direct | Q(is_superuser=True))
        .distinct()
        .order_by("pk")
    )


# --- the console's dashboard ------------------------------------------------------------------


def _percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def console_dashboard(*, now=None) -> dict:
    """The figures of the admin index: queue depth by state and kind, SLA compliance of the
    decisions taken today and over 7 days, open breaches, the median time from submission to
    decision, decisions per reviewer over 7 days and carrier filing counts by state.

    A constant number of queries whatever the data: two per kind of item, two over decisions
    and one over filings."""
    from datetime import timedelta
    from statistics import median

    from django.db.models import Count, DurationField, ExpressionWrapper
    from django.utils import timezone

    from reviewportal.models.lifecycle import ReviewState
    from reviewportal.services.sla import business_tz

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
    from carriers.models import CarrierFiling

    filings: dict[str, dict[str, int]] = {}
    for row in (
        CarrierFiling.objects.values("carrier__sort_order", "carrier__name_zh", "state")
        .annotate(n=Count("pk"))
        .order_by("carrier__sort_order")
    ):
        filings.setdefault(row["carrier__name_zh"], {})[row["state"]] = row["n"]
    states = dict(ReviewState.choices)
    from carriers.models import FilingState

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
