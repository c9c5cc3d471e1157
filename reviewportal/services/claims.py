"""The queue's claims: "claim next", which hands concurrent reviewers different items, and the
expiry of claims left idle (REVIEW_POLICY["CLAIM_IDLE_MINUTES"])."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reviewportal.errors import PermissionRefused
from reviewportal.models import ReviewableModel, ReviewState, User
from reviewportal.models.lifecycle import QUEUE_ORDERING
from reviewportal.permissions import PERM_REVIEW, is_staff_user
from reviewportal.selectors import reviewable_models
from reviewportal.services.lifecycle import lifecycle_transaction, lock, review_claim


def _next_candidate(model: type[ReviewableModel]) -> ReviewableModel | None:
    # The head of the model's pending queue, in queue order. On PostgreSQL the row is locked and
    # rows another transaction has locked are skipped, so two reviewers clicking at once get two
    # different items; SQLite serialises writers, which gives the same result one at a time.
    queryset = model._default_manager.filter(state=ReviewState.PENDING_REVIEW).order_by(
        *QUEUE_ORDERING
    )
    if connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True)
    return queryset.first()


def _queue_key(item: ReviewableModel) -> tuple:
    return (
        not item.is_urgent,
        item.due_at is None,
        item.due_at or item.sla_started_at or item.submitted_at,
        item.sla_started_at or item.submitted_at,
        item.pk,
    )


def review_claim_next(
    *, user: User, models: list[type[ReviewableModel]] | None = None
) -> ReviewableModel | None:
    """Claim the first pending item of the queue (of ``models``, default every kind) for
    ``user``; None when nothing is waiting.

    Effects: the head of each kind's pending queue is locked (rows locked by a concurrent
    "claim next" are skipped); the earliest of them in queue order is claimed through
    ``review_claim``; the others' locks end with the transaction."""
    if not (is_staff_user(user) and user.has_perm(PERM_REVIEW)):
        raise PermissionRefused(_("Only reviewers may claim items."))
    with transaction.atomic():
        candidates = [c for c in (_next_candidate(m) for m in models or reviewable_models()) if c]
        if not candidates:
            return None
        return review_claim(item=min(candidates, key=_queue_key), user=user)


def review_claim_expire(*, item: ReviewableModel, now: datetime | None = None) -> bool:
    """Return an idle claim to the queue (under_review → pending_review), logged as a release by
    the system with the reason. Returns False, changing nothing, when the item was decided,
    released or re-claimed since it was found idle."""
    with lifecycle_transaction():
        item = lock(item)
        now = now or timezone.now()
        idle = timedelta(minutes=settings.REVIEW_POLICY["CLAIM_IDLE_MINUTES"])
        if (
            item.state != ReviewState.UNDER_REVIEW
            or not item.claimed_at
            or item.claimed_at > now - idle
        ):
            return False
        item.release(
            by=None,
            description=_("claim expired after %(minutes)s idle minutes")
            % {"minutes": settings.REVIEW_POLICY["CLAIM_IDLE_MINUTES"]},
        )
        item.save()
        return True


def review_claims_expire_run(*, now: datetime | None = None) -> int:
    """Release every claim older than ``CLAIM_IDLE_MINUTES`` without a decision; returns how many
    were released. Each item is its own transaction, so one failure costs one item."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.REVIEW_POLICY["CLAIM_IDLE_MINUTES"])
    released = 0
    for model in reviewable_models():
        for item in model._default_manager.filter(
            state=ReviewState.UNDER_REVIEW, claimed_at__lt=cutoff
        ).only("pk"):
            released += review_claim_expire(item=item, now=now)
    return released
