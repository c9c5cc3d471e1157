"""Reads of the webhooks app for the API and the portal: an account's endpoints and
deliveries, newest first, with what a list shows read in a fixed number of queries."""

from __future__ import annotations

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils.translation import gettext as _

from reviewportal.errors import NotFoundForUser
from webhooks.models import DeliveryState, WebhookAttempt, WebhookDelivery, WebhookEndpoint


def endpoints_of_account(*, account_id: int) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(account_id=account_id).order_by("-created_at", "-pk")


def endpoints_with_last_delivery(*, account_id: int) -> QuerySet[WebhookEndpoint]:
    """The account's endpoints, each with its newest delivery's public id, state, time and
    last status code (``last_delivery_id``, ``…_state``, ``…_at``, ``…_status_code``; None
    without one), in one query however many endpoints there are."""
    newest = WebhookDelivery.objects.filter(endpoint=OuterRef("pk")).order_by("-created_at", "-pk")
    return endpoints_of_account(account_id=account_id).annotate(
        last_delivery_id=Subquery(newest.values("public_id")[:1]),
        last_delivery_state=Subquery(newest.values("state")[:1]),
        last_delivery_at=Subquery(newest.values("created_at")[:1]),
        last_delivery_status_code=Subquery(newest.values("last_status_code")[:1]),
    )


def endpoint_of_account(*, account_id: int, public_id: str) -> WebhookEndpoint:
    """An endpoint of the account by its public id; NotFoundForUser for any other."""
    try:
        return endpoints_of_account(account_id=account_id).get(public_id=public_id)
    except WebhookEndpoint.DoesNotExist as exc:
        raise NotFoundForUser(_("Not found.")) from exc


def deliveries_of_account(
    *,
    account_id: int,
    endpoint: str | None = None,
    state: str | None = None,
    event_type: str | None = None,
    with_attempts: bool = False,
) -> QuerySet[WebhookDelivery]:
    """The account's deliveries, newest first, each with its event and endpoint (and, with
    ``with_attempts``, its attempts in order), filtered by an endpoint's public id, a state
    (``DeliveryState``) and an event type."""
    deliveries = (
        WebhookDelivery.objects.filter(endpoint__account_id=account_id)
        .select_related("event", "endpoint")
        .order_by("-created_at", "-pk")
    )
    if endpoint:
        deliveries = deliveries.filter(endpoint__public_id=endpoint)
    if state:
        if state not in DeliveryState.values:
            return deliveries.none()
        deliveries = deliveries.filter(state=state)
    if event_type:
        deliveries = deliveries.filter(event__type=event_type)
    if with_attempts:
        deliveries = deliveries.prefetch_related(
            Prefetch("attempt_rows", queryset=WebhookAttempt.objects.order_by("number"))
        )
    return deliveries


def delivery_of_account(*, account_id: int, public_id: str) -> WebhookDelivery:
    """A delivery of the account by its public id, with its attempts; NotFoundForUser for
    any other."""
    try:
        return deliveries_of_account(account_id=account_id, with_attempts=True).get(
            public_id=public_id
        )
    except WebhookDelivery.DoesNotExist as exc:
        raise NotFoundForUser(_("Not found.")) from exc
