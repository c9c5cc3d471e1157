"""What the API keeps of its own: the answers to POST requests sent with an
``Idempotency-Key``, so that a repeated request gets the same answer instead of a second
effect (SPEC §9)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotentRequest(models.Model):
    key = models.ForeignKey(
        "reviewportal.ApiKey", on_delete=models.CASCADE, related_name="+", verbose_name=_("API key")
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=255)
    #: HMAC-SHA256 of the method, path and body: the same key with another body is refused.
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    body = models.JSONField(null=True)
    #: The answer's Location and ETag headers.
    headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [
            models.UniqueConstraint(fields=["key", "idempotency_key"], name="idempotency_key_once")
        ]

    def __str__(self) -> str:
        return f"{self.idempotency_key[:20]} ({self.status_code or 'in progress'})"
