"""Reads shared by the console, the portal and the services."""

from __future__ import annotations

import heapq
from itertools import islice

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django_fsm_log.models import StateLog

from reviewportal.models import (
    ApiKey,
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


def account_api_keys(account_id: int) -> QuerySet[ApiKey]:
    """The API keys of an account, newest first, with what their list shows (creator,
    revoker, account) in the same query."""
    return ApiKey.objects.filter(account_id=account_id).select_related(
        "created_by", "revoked_by", "account"
    )


def account_members(account_id: int) -> QuerySet[User]:
    """The users of an account in the order they joined."""
    return User.objects.filter(account_id=account_id).order_by("date_joined", "pk")
