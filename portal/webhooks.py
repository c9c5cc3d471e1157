"""The portal's webhook pages (SPEC §9), for the account's owners and admins only, like the API
keys: an endpoint's URL may carry the receiver's own token, and everything here configures the
account's integration. Members and read-only users get the 403 page saying who may.

Every change goes through ``webhooks.services``; a secret is shown on the answer to the POST
that made it (creation, rotation), once, never cached and never redirected to."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.forms import WebhookEndpointForm
from portal.helpers import add_errors, customer_required, list_page, manager_required, once_per_form
from reviewportal.errors import NotFoundForUser, ReviewError
from webhooks.models import EVENT_TYPE_LABELS, DeliveryState
from webhooks.selectors import (
    deliveries_of_account,
    delivery_of_account,
    endpoint_of_account,
    endpoints_with_last_delivery,
)
from webhooks.services import (
    delivery_resend,
    endpoint_create,
    endpoint_delete,
    endpoint_disable,
    endpoint_enable,
    endpoint_ping,
    endpoint_secret_rotate,
    endpoint_update,
)


def _endpoint(request, public_id):
    try:
        return endpoint_of_account(account_id=request.user.account_id, public_id=public_id)
    except NotFoundForUser:
        raise Http404 from None


def _detail(endpoint) -> str:
    return reverse("portal:webhook_endpoint", args=[endpoint.public_id])


def _secret_page(request, endpoint, secret, *, rotated: bool):
    """The page that shows a secret, once: not cached, and a second sending of its form goes
    to the endpoint's page instead."""
    response = render(
        request,
        "portal/webhook_secret.html",
        {"endpoint": endpoint, "secret": secret, "rotated": rotated},
    )
    add_never_cache_headers(response)
    response.form_result_url = _detail(endpoint)
    return response


@customer_required
@manager_required
@once_per_form("webhook_create")
def webhooks(request):
    """The account's endpoints, each with its state and newest delivery, and the form that
    registers one."""
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            endpoint, secret = endpoint_create(
                user=request.user,
                url=data["url"],
                event_types=data["event_types"],
                description=data["description"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except ReviewError as exc:
            form.add_error(None, str(exc))
        else:
            return _secret_page(request, endpoint, secret, rotated=False)
    endpoints = list(endpoints_with_last_delivery(account_id=request.user.account_id))
    return render(request, "portal/webhooks.html", {"form": form, "endpoints": endpoints})


#: The delivery states a customer filters an endpoint's deliveries by.
DELIVERY_FILTERS = [
    (DeliveryState.PENDING, DeliveryState.PENDING.label),
    (DeliveryState.SUCCEEDED, DeliveryState.SUCCEEDED.label),
    (DeliveryState.FAILED, DeliveryState.FAILED.label),
]


@customer_required
@manager_required
def webhook_endpoint(request, public_id):
    """One endpoint: its settings and state, its actions, and its deliveries newest first
    (``?status=`` one state)."""
    endpoint = _endpoint(request, public_id)
    status = request.GET.get("status")
    if status not in DeliveryState.values:
        status = None
    deliveries = deliveries_of_account(
        account_id=request.user.account_id, endpoint=endpoint.public_id, state=status
    )
    expires = endpoint.previous_secret_expires_at
    return render(
        request,
        "portal/webhook_endpoint.html",
        {
            "endpoint": endpoint,
            "event_types": [(t, EVENT_TYPE_LABELS.get(t, "")) for t in endpoint.event_types],
            "previous_secret_valid": bool(expires and expires > timezone.now()),
            "page": list_page(request, deliveries),
            "status": status,
            "filters": DELIVERY_FILTERS,
        },
    )


@customer_required
@manager_required
@once_per_form("webhook_edit", key="public_id")
def webhook_edit(request, public_id):
    endpoint = _endpoint(request, public_id)
    initial = {
        "url": endpoint.url,
        "event_types": endpoint.event_types,
        "description": endpoint.description,
    }
    form = WebhookEndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = endpoint_update(user=request.user, endpoint=endpoint, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        except NotFoundForUser:
            raise Http404 from None
        except ReviewError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The webhook endpoint was saved."))
            return redirect(_detail(endpoint))
    return render(request, "portal/webhook_edit.html", {"endpoint": endpoint, "form": form})


def _act(request, endpoint, service, done: str):
    """Call ``service`` on the endpoint and say how it went on its page."""
    try:
        service(user=request.user, endpoint=endpoint)
    except NotFoundForUser:
        raise Http404 from None
    except ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect(_detail(endpoint))


@customer_required
@manager_required
@require_POST
@once_per_form("webhook_enable", key="public_id")
def webhook_enable(request, public_id):
    return _act(
        request,
        _endpoint(request, public_id),
        endpoint_enable,
        _("The endpoint is enabled: events are sent to it again, those that waited first."),
    )


@customer_required
@manager_required
@require_POST
@once_per_form("webhook_disable", key="public_id")
def webhook_disable(request, public_id):
    return _act(
        request,
        _endpoint(request, public_id),
        endpoint_disable,
        _("The endpoint is disabled: events from now on are not sent to it."),
    )


@customer_required
@manager_required
@require_POST
@once_per_form("webhook_ping", key="public_id")
def webhook_ping(request, public_id):
    return _act(
        request,
        _endpoint(request, public_id),
        endpoint_ping,
        _("A test event (ping) is on its way; its delivery is listed below."),
    )


@customer_required
@manager_required
@require_POST
@once_per_form("webhook_rotate", key="public_id")
def webhook_rotate(request, public_id):
    """A new secret, shown on this answer only; the old one signs too for 24 hours."""
    endpoint = _endpoint(request, public_id)
    try:
        secret = endpoint_secret_rotate(user=request.user, endpoint=endpoint)
    except NotFoundForUser:
        raise Http404 from None
    except ReviewError as exc:
        messages.error(request, str(exc))
        return redirect(_detail(endpoint))
    endpoint.refresh_from_db()
    return _secret_page(request, endpoint, secret, rotated=True)


@customer_required
@manager_required
@once_per_form("webhook_delete", key="public_id")
def webhook_delete(request, public_id):
    """GET: asks to confirm; POST: deletes the endpoint with its deliveries (the confirmation
    sent twice leads to the list, not to a page saying the endpoint is gone)."""
    endpoint = _endpoint(request, public_id)
    if request.method != "POST":
        return render(request, "portal/webhook_delete.html", {"endpoint": endpoint})
    try:
        endpoint_delete(user=request.user, endpoint=endpoint)
    except NotFoundForUser:
        raise Http404 from None
    except ReviewError as exc:
        messages.error(request, str(exc))
        return redirect(_detail(endpoint))
    messages.success(
        request,
        _("The webhook endpoint %(url)s was deleted; nothing more is sent to it.")
        % {"url": endpoint.url},
    )
    return redirect("portal:webhooks")


def _delivery(request, public_id):
    try:
        return delivery_of_account(account_id=request.user.account_id, public_id=public_id)
    except NotFoundForUser:
        raise Http404 from None


@customer_required
@manager_required
def webhook_delivery(request, public_id):
    """One delivery: the event, the body sent, every attempt, and a re-send button."""
    delivery = _delivery(request, public_id)
    return render(
        request,
        "portal/webhook_delivery.html",
        {
            "delivery": delivery,
            "event_label": EVENT_TYPE_LABELS.get(delivery.event.type, ""),
            "payload_json": json.dumps(delivery.event.payload, ensure_ascii=False, indent=2),
        },
    )


@customer_required
@manager_required
@require_POST
@once_per_form("webhook_resend", key="public_id")
def webhook_resend(request, public_id):
    delivery = _delivery(request, public_id)
    try:
        delivery_resend(user=request.user, delivery=delivery)
    except NotFoundForUser:
        raise Http404 from None
    except ReviewError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The delivery is sent again, with the same event ID."))
    return redirect("portal:webhook_delivery", public_id=delivery.public_id)
