"""An endpoint's health after a batch: a success stops its failing clock, a failure starts it;
a 410 disables it at once, and so do failures for DISABLE_AFTER_FAILING_SECONDS — then the
account's owners and admins are told."""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from reviewportal.models import User
from reviewportal.models.accounts import MANAGER_ROLES
from reviewportal.services.notifications import notification_send
from webhooks.models import DisabledReason, WebhookEndpoint

logger = logging.getLogger("webhooks.delivery")


def endpoints_record(*, worked: set, failed: set, gone: set, now) -> None:
    """A success stops an endpoint's failing clock, a failure starts it; a 410 disables it,
    and so do failures for DISABLE_AFTER_FAILING_SECONDS."""
    if worked:
        WebhookEndpoint.objects.filter(pk__in=worked, failing_since__isnull=False).update(
            failing_since=None
        )
    if failed:
        WebhookEndpoint.objects.filter(pk__in=failed, failing_since__isnull=True).update(
            failing_since=now
        )
    if gone:
        for endpoint in _locked_active(gone):
            endpoint_disable_for(endpoint, reason=DisabledReason.GONE, now=now)
    if failed:
        since = now - timedelta(seconds=settings.WEBHOOK_POLICY["DISABLE_AFTER_FAILING_SECONDS"])
        for endpoint in _locked_active(failed - gone, failing_since__lte=since):
            endpoint_disable_for(endpoint, reason=DisabledReason.FAILING, now=now)


def _locked_active(pks, **conditions) -> list[WebhookEndpoint]:
    return list(
        WebhookEndpoint.objects.select_for_update()
        .select_related("account")
        .filter(pk__in=list(pks), is_active=True, **conditions)
        .order_by("pk")
    )


def endpoint_label(endpoint: WebhookEndpoint) -> str:
    """How people are told which endpoint: its id and host (never the path or query, which
    may carry a token of the receiver's)."""
    host = urlsplit(endpoint.url).hostname or ""
    return f"{endpoint.public_id} ({host})"


def endpoint_disable_for(endpoint: WebhookEndpoint, *, reason: str, now) -> None:
    """Disable a locked endpoint (inside the caller's transaction); for a 410 or five days of
    failures, tell the account's owners and admins. Its pending deliveries wait: they are sent
    if it is enabled again."""
    endpoint.is_active = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = reason
    endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason", "updated_at"])
    logger.warning("webhook endpoint %s disabled: %s", endpoint.public_id, reason)
    if reason == DisabledReason.BY_USER:
        return
    managers = User.objects.filter(
        account_id=endpoint.account_id, is_active=True, account_role__in=MANAGER_ROLES
    ).order_by("pk")
    label = endpoint_label(endpoint)
    since = endpoint.failing_since

    def render() -> tuple[str, str]:
        if reason == DisabledReason.GONE:
            why = _("It answered 410 Gone, which means it no longer wants deliveries.")
        else:
            why = _("Every delivery to it has failed since %(since)s.") % {
                "since": formats.date_format(timezone.localtime(since or now), "DATETIME_FORMAT")
            }
        return (
            _("Webhook endpoint disabled: %(endpoint)s") % {"endpoint": label},
            _("We stopped sending events to the webhook endpoint %(endpoint)s.")
            % {"endpoint": label}
            + " "
            + why
            + " "
            + _(
                "An owner or admin of the account can enable it again; the events that waited "
                "for it are then sent."
            ),
        )

    notification_send(recipients=managers, kind="account", render=render, account=endpoint.account)
