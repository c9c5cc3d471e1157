"""What an account's owners and admins do with their webhook endpoints (SPEC §9): the API and
the portal call these. Every service checks ``require_account_manager`` on the object's
account (another account's endpoint or delivery: NotFoundForUser, as if it did not exist) and
refuses bad input with a ValidationError naming the field."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reviewportal.errors import NotFoundForUser, ReviewError
from reviewportal.models import User
from reviewportal.permissions import require_account_manager
from reviewportal.services.accounts import validate_plain_line
from reviewportal.services.versions import version_check
from webhooks.addresses import AddressRefused, target_check
from webhooks.models import (
    EVENT_TYPES,
    PING_EVENT,
    DeliveryState,
    DisabledReason,
    WebhookDelivery,
    WebhookEndpoint,
)
from webhooks.services.delivery import deliveries_enqueue, policy
from webhooks.services.events import EventSpec, events_write, iso
from webhooks.services.health import endpoint_disable_for
from webhooks.signing import secret_new

DESCRIPTION_MAX_LENGTH = 200
URL_MAX_LENGTH = 2000


def url_validate(url: str) -> str:
    """The URL, trimmed, if webhooks may be sent to it now; ValidationError on ``url``."""
    if url is not None and not isinstance(url, str):
        raise ValidationError({"url": _("This is not a valid URL.")})
    url = (url or "").strip()
    if not url:
        raise ValidationError({"url": _("Enter the URL the events are sent to.")})
    if len(url) > URL_MAX_LENGTH:
        raise ValidationError(
            {"url": _("The URL is longer than %(max)s characters.") % {"max": URL_MAX_LENGTH}}
        )
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as exc:
        raise ValidationError({"url": _("This is not a valid URL.")}) from exc
    try:
        target_check(url)
    except AddressRefused as exc:
        raise ValidationError({"url": str(exc)}) from exc
    return url


def event_types_validate(event_types: Iterable[str] | None) -> list[str]:
    """The event types, without repeats, in the catalogue's order; empty means all of them.
    ValidationError on ``event_types`` naming the unknown ones."""
    # A text or a mapping is iterable too, but its characters or keys are no list of types.
    if isinstance(event_types, str | bytes | dict) or (
        event_types is not None and not isinstance(event_types, Iterable)
    ):
        raise ValidationError({"event_types": _("Give the event types as a list.")})
    given = [str(t).strip() for t in event_types or ()]
    unknown = sorted({t for t in given if t not in EVENT_TYPES})
    if unknown:
        raise ValidationError(
            {
                "event_types": _("Unknown event types: %(types)s. Known ones: %(known)s.")
                % {"types": ", ".join(unknown), "known": ", ".join(EVENT_TYPES)}
            }
        )
    return [t for t in EVENT_TYPES if t in set(given)]


def _description_validate(description: str) -> str:
    if description is not None and not isinstance(description, str):
        raise ValidationError({"description": _("Give the description as text.")})
    description = (description or "").strip()
    try:
        validate_plain_line(description)
    except ValidationError as exc:
        raise ValidationError({"description": exc.messages}) from exc
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError(
            {
                "description": _("The description is longer than %(max)s characters.")
                % {"max": DESCRIPTION_MAX_LENGTH}
            }
        )
    return description


def _lock(user: User, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """The endpoint locked, after the manager check on its account; within
    ``version_expected`` (the API's If-Match) refused unless it is still the version the
    caller read (compared under the lock, so that no change slips in between)."""
    require_account_manager(user, endpoint.account_id)
    try:
        locked = WebhookEndpoint.objects.select_for_update().get(
            pk=endpoint.pk, account_id=user.account_id
        )
    except WebhookEndpoint.DoesNotExist as exc:
        raise NotFoundForUser(_("Not found.")) from exc
    version_check(locked)
    return locked


def endpoint_create(
    *, user: User, url: str, event_types: Iterable[str] | None, description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """Register a webhook endpoint for the user's account; returns it and its secret (shown
    once to the user; kept encrypted, to sign with).

    Effects, in order: the user must own or administer an account (PermissionRefused,
    NotFoundForUser for a user without one); the URL must be http(s), and its host resolve to
    addresses webhooks may be sent to (https only, no loopback, private, link-local or reserved
    address: ValidationError on ``url``); the event types must be known ones (``event_types``;
    none means all); an account has at most MAX_ENDPOINTS_PER_ACCOUNT; the endpoint is saved,
    active, with a new ``whsec_`` secret. Events from now on are delivered to it."""
    with transaction.atomic():
        require_account_manager(user, user.account_id if user else None)
        url = url_validate(url)
        types = event_types_validate(event_types)
        description = _description_validate(description)
        limit = policy()["MAX_ENDPOINTS_PER_ACCOUNT"]
        if WebhookEndpoint.objects.filter(account_id=user.account_id).count() >= limit:
            raise ValidationError(
                _("An account has at most %(max)s webhook endpoints.") % {"max": limit}
            )
        secret = secret_new()
        endpoint = WebhookEndpoint.objects.create(
            account_id=user.account_id,
            url=url,
            event_types=types,
            description=description,
            signing_secret=secret,
            created_by=user,
        )
        return endpoint, secret


def endpoint_update(
    *,
    user: User,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    event_types: Iterable[str] | None = None,
    description: str | None = None,
) -> WebhookEndpoint:
    """Change an endpoint's URL, event types or description (what is None stays; an empty
    list of event types means all of them).
    The same checks as ``endpoint_create``; deliveries not yet sent go to the new URL."""
    with transaction.atomic():
        endpoint = _lock(user, endpoint)
        if url is not None:
            endpoint.url = url_validate(url)
        if event_types is not None:
            endpoint.event_types = event_types_validate(event_types)
        if description is not None:
            endpoint.description = _description_validate(description)
        endpoint.save()
        return endpoint


def endpoint_delete(*, user: User, endpoint: WebhookEndpoint) -> None:
    """Delete an endpoint with its deliveries (the events stay for the other endpoints)."""
    with transaction.atomic():
        endpoint = _lock(user, endpoint)
        endpoint.delete()


def endpoint_disable(*, user: User, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Stop sending to an endpoint for now (events meanwhile are not delivered to it; those
    already waiting are sent when it is enabled again). Nothing to do if it is disabled."""
    with transaction.atomic():
        endpoint = _lock(user, endpoint)
        if endpoint.is_active:
            endpoint_disable_for(endpoint, reason=DisabledReason.BY_USER, now=timezone.now())
        return endpoint


def endpoint_enable(*, user: User, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Enable a disabled endpoint (disabled by a user, by a 410 or by five days of failures):
    its failing clock starts again from zero, and the deliveries that waited for it are sent
    after commit. Nothing to do if it is active."""
    with transaction.atomic():
        endpoint = _lock(user, endpoint)
        if endpoint.is_active:
            return endpoint
        endpoint.is_active = True
        endpoint.disabled_at = None
        endpoint.disabled_reason = ""
        endpoint.failing_since = None
        endpoint.save()
        now = timezone.now()
        waiting = list(
            endpoint.deliveries.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if waiting:
            transaction.on_commit(lambda: deliveries_enqueue(waiting))
        return endpoint


def endpoint_secret_rotate(*, user: User, endpoint: WebhookEndpoint) -> str:
    """Give an endpoint a new secret and return it. The old one keeps signing too for
    PREVIOUS_SECRET_SECONDS (24 h: each message carries both signatures), so that the receiver
    can switch without losing a message; a secret rotated out earlier stops at once."""
    with transaction.atomic():
        endpoint = _lock(user, endpoint)
        secret = secret_new()
        endpoint.previous_signing_secret = endpoint.signing_secret
        endpoint.previous_secret_expires_at = timezone.now() + timedelta(
            seconds=policy()["PREVIOUS_SECRET_SECONDS"]
        )
        endpoint.signing_secret = secret
        endpoint.save()
        return secret


def delivery_resend(*, user: User, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again (delivered or given up, or waiting for its next attempt): it is
    pending now with the retry schedule from the start, and goes out after commit (after the
    earlier deliveries of its object for that endpoint, if some are still waiting). Refused
    while it is being sent, or when its endpoint is disabled."""
    with transaction.atomic():
        require_account_manager(user, delivery.endpoint.account_id)
        try:
            delivery = (
                WebhookDelivery.objects.select_for_update(of=("self",))
                .select_related("endpoint")
                .get(pk=delivery.pk, endpoint__account_id=user.account_id)
            )
        except WebhookDelivery.DoesNotExist as exc:
            raise NotFoundForUser(_("Not found.")) from exc
        if delivery.state == DeliveryState.SENDING:
            raise ReviewError(
                _("This delivery is being sent right now; try again in a moment."),
                code="delivery_being_sent",
            )
        if not delivery.endpoint.is_active:
            raise ReviewError(
                _("The endpoint is disabled; enable it first."), code="endpoint_disabled"
            )
        delivery.state = DeliveryState.PENDING
        delivery.attempts = 0
        delivery.next_attempt_at = timezone.now()
        delivery.save(update_fields=["state", "attempts", "next_attempt_at"])
        pk = delivery.pk
        transaction.on_commit(lambda: deliveries_enqueue([pk]))
        return delivery


def endpoint_ping(*, user: User, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Send a ``ping`` event to this endpoint only (whatever event types it has), to test it;
    returns its delivery, sent after commit. Refused for a disabled endpoint."""
    with transaction.atomic():
        endpoint = _lock(user, endpoint)
        if not endpoint.is_active:
            raise ReviewError(
                _("The endpoint is disabled; enable it first."), code="endpoint_disabled"
            )
        now = timezone.now()
        (event,) = events_write(
            specs=[
                EventSpec(
                    type=PING_EVENT,
                    data={"object": "endpoint", "id": endpoint.public_id, "sent_at": iso(now)},
                    occurred_at=now,
                    account_id=endpoint.account_id,
                    endpoint_ids=[endpoint.pk],
                )
            ]
        )
        return event.deliveries.get()
