"""Customers' webhooks (SPEC §9): the endpoints an account registers, the outbox of events
written in the transaction of the change they announce, and one delivery per event and
endpoint with a row per attempt."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reviewportal.fields import EncryptedTextField
from reviewportal.identifiers import new_public_id

#: Every event type an endpoint may subscribe to (an endpoint with none gets them all), the one
#: list: validation, the documentation (docs/webhooks.md) and the tests read it. ``ping`` is
#: not here: it is sent to one endpoint when its owner asks, whatever it subscribes to.
REVIEW_EVENT_KINDS = ("qualification", "signature", "template")
REVIEW_EVENT_ACTIONS = ("submitted", "approved", "rejected", "rereview", "revoked", "withdrawn")
EVENT_TYPES: tuple[str, ...] = (
    *(f"{kind}.{action}" for kind in REVIEW_EVENT_KINDS for action in REVIEW_EVENT_ACTIONS),
    "filing.updated",
    "urgent_ticket.accepted",
    "urgent_ticket.declined",
)
PING_EVENT = "ping"

#: What each event type means, for the pages where a customer chooses them.
EVENT_TYPE_LABELS = {
    "qualification.submitted": _("Qualification submitted"),
    "qualification.approved": _("Qualification approved"),
    "qualification.rejected": _("Qualification rejected"),
    "qualification.rereview": _("Qualification put back for re-review"),
    "qualification.revoked": _("Qualification revoked"),
    "qualification.withdrawn": _("Qualification withdrawn"),
    "signature.submitted": _("Signature submitted"),
    "signature.approved": _("Signature approved"),
    "signature.rejected": _("Signature rejected"),
    "signature.rereview": _("Signature put back for re-review"),
    "signature.revoked": _("Signature revoked"),
    "signature.withdrawn": _("Signature withdrawn"),
    "template.submitted": _("Template submitted"),
    "template.approved": _("Template approved"),
    "template.rejected": _("Template rejected"),
    "template.rereview": _("Template put back for re-review"),
    "template.revoked": _("Template revoked"),
    "template.withdrawn": _("Template withdrawn"),
    "filing.updated": _("Carrier filing changed"),
    "urgent_ticket.accepted": _("Urgent request accepted"),
    "urgent_ticket.declined": _("Urgent request declined"),
    PING_EVENT: _("Test event (ping)"),
}


def _endpoint_public_id() -> str:
    return new_public_id("WHK")


def _delivery_public_id() -> str:
    return new_public_id("WHD")


def _event_public_id() -> str:
    # Standard Webhooks' ``webhook-id``; the ``msg_`` prefix is the specification's example.
    return new_public_id("msg_")


class DisabledReason(models.TextChoices):
    GONE = "gone", _("The endpoint answered 410 Gone")
    FAILING = "failing", _("Every delivery failed for five days")
    BY_USER = "by_user", _("Disabled by a user of the account")


class WebhookEndpoint(models.Model):
    """A URL of a customer account that is sent the account's events, signed with its secret.

    The secret is kept encrypted at rest (it must be read to sign). After a rotation the
    previous secret signs too until ``previous_secret_expires_at`` (SPEC §9: 24 h)."""

    public_id = models.CharField(
        _("endpoint ID"), max_length=20, unique=True, default=_endpoint_public_id, editable=False
    )
    account = models.ForeignKey(
        "reviewportal.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
    )
    url = models.URLField(_("URL"), max_length=2000)
    description = models.CharField(_("description"), max_length=200, blank=True)
    #: Event types (of ``EVENT_TYPES``) it is sent; empty: all of them.
    event_types = models.JSONField(_("event types"), default=list, blank=True)
    signing_secret = EncryptedTextField(_("signing secret"), editable=False)
    previous_signing_secret = EncryptedTextField(
        _("previous signing secret"), blank=True, default="", editable=False
    )
    previous_secret_expires_at = models.DateTimeField(
        _("previous secret valid until"), null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.CharField(
        _("disabled because"), max_length=20, choices=DisabledReason.choices, blank=True
    )
    #: Since when every attempt has failed (None after a success).
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["account", "is_active"])]

    def __str__(self) -> str:
        return self.public_id

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types

    def signing_secrets(self, *, at=None) -> list[str]:
        """The secrets that sign a message sent at ``at`` (now): the current one, and the
        previous one while it is still valid."""
        at = at or timezone.now()
        secrets = [self.signing_secret]
        if (
            self.previous_signing_secret
            and self.previous_secret_expires_at
            and at < self.previous_secret_expires_at
        ):
            secrets.append(self.previous_signing_secret)
        return secrets


class WebhookSubjectCounter(models.Model):
    """The last sequence number given to an event about one object (its public id), so that
    the numbers of an object's events are gap-free and unique: the row is locked while the
    next one is taken."""

    subject_id = models.CharField(_("object ID"), max_length=32, unique=True)
    last_sequence = models.PositiveBigIntegerField(_("last sequence number"), default=0)

    class Meta:
        verbose_name = _("webhook sequence counter")
        verbose_name_plural = _("webhook sequence counters")

    def __str__(self) -> str:
        return f"{self.subject_id}: {self.last_sequence}"


class WebhookEvent(models.Model):
    """One thing that happened to an object of an account, as its endpoints are told it (the
    outbox): written in the same transaction as the change."""

    public_id = models.CharField(
        _("event ID"), max_length=20, unique=True, default=_event_public_id, editable=False
    )
    account = models.ForeignKey(
        "reviewportal.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    type = models.CharField(_("event type"), max_length=40)
    #: The public id of the object it is about (``SIG…``; an endpoint for ``ping``).
    subject_id = models.CharField(_("object ID"), max_length=32)
    #: The object's n-th event (from 1, gap-free).
    sequence = models.PositiveBigIntegerField(_("sequence number"))
    #: The JSON body sent (public ids only).
    payload = models.JSONField(_("payload"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_id", "sequence"], name="one_event_per_object_and_sequence"
            )
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.type}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Given up")


class WebhookDelivery(models.Model):
    """One event for one endpoint: sent until the endpoint answers 2xx or the retry schedule
    is over. An endpoint's deliveries about one object go out in sequence order: a later one
    waits while an earlier one is pending or being sent."""

    public_id = models.CharField(
        _("delivery ID"), max_length=20, unique=True, default=_delivery_public_id, editable=False
    )
    event = models.ForeignKey(
        WebhookEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="deliveries"
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name=_("endpoint"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    #: The event's, kept here so that the order check reads one table.
    subject_id = models.CharField(_("object ID"), max_length=32)
    sequence = models.PositiveBigIntegerField(_("sequence number"))
    state = models.CharField(
        _("status"),
        max_length=10,
        choices=DeliveryState.choices,
        default=DeliveryState.PENDING,
    )
    #: Attempts since it was created or last re-sent (the position in the retry schedule).
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    #: While ``sending``: the worker's claim, and when it is taken to be dead.
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    lease_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_status_code = models.PositiveSmallIntegerField(_("last status code"), null=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    last_duration_ms = models.PositiveIntegerField(_("last duration (ms)"), null=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "endpoint"], name="one_delivery_per_event_and_endpoint"
            )
        ]
        indexes = [
            models.Index(fields=["endpoint", "subject_id", "sequence"]),
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state__in=["pending", "sending"]),
                name="webhook_delivery_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id}: {self.state}"


class WebhookAttempt(models.Model):
    """One request made for a delivery, with what came back (never a secret)."""

    delivery = models.ForeignKey(
        WebhookDelivery,
        verbose_name=_("delivery"),
        on_delete=models.CASCADE,
        related_name="attempt_rows",
    )
    number = models.PositiveIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started at"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True)
    succeeded = models.BooleanField(_("succeeded"), default=False)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "number"], name="one_webhook_attempt_per_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}"
