"""Reads shared by the console, the portal and the services."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django_fsm_log.models import StateLog

from reviewportal.models import Notification, ReviewDecision, Revision


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


def notifications_about(item) -> QuerySet[Notification]:
    content_type = ContentType.objects.get_for_model(item)
    return Notification.objects.filter(content_type=content_type, object_id=item.pk)
