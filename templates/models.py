"""SMS template applications (seed 003)."""

from __future__ import annotations

from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from reviewportal.models import ReviewableModel
from reviewportal.models.lifecycle import by_pk, queue_index


class TemplateKind(models.TextChoices):
    VERIFICATION = "verification", _("Verification code")
    NOTIFICATION = "notification", _("Notification")
    MARKETING = "marketing", _("Marketing")


class Industry(models.TextChoices):
    GENERAL = "general", _("General")
    ECOMMERCE = "ecommerce", _("E-commerce")
    FINANCE = "finance", _("Finance")
    LOGISTICS = "logistics", _("Logistics")
    EDUCATION = "education", _("Education")
    HEALTHCARE = "healthcare", _("Healthcare")
    GAMING = "gaming", _("Games")
    LIVE_STREAMING = "live_streaming", _("Live streaming")
    GOVERNMENT = "government", _("Government services")
    OTHER = "other", _("Other")


class TemplateApplication(ReviewableModel):
    """An application for an SMS template: message text with ``${name}`` variables, sent with an
    approved signature (the signature is added when sending, never typed into the text)."""

    PUBLIC_ID_PREFIX = "TPL"
    SNAPSHOT_PREFETCH = ("materials",)

    signature = models.ForeignKey(
        "signatures.SignatureApplication",
        verbose_name=_("signature"),
        on_delete=models.PROTECT,
        related_name="templates",
    )
    name = models.CharField(_("template name"), max_length=100)
    content = models.TextField(_("content"))
    kind = models.CharField(_("kind"), max_length=20, choices=TemplateKind.choices)
    industry = models.CharField(
        _("industry"), max_length=30, choices=Industry.choices, default=Industry.GENERAL
    )
    REMARK_MAX_LENGTH = 1000

    remark = models.TextField(
        _("remark"),
        blank=True,
        max_length=REMARK_MAX_LENGTH,
        validators=[MaxLengthValidator(REMARK_MAX_LENGTH)],
    )
    materials = models.ManyToManyField(
        "signatures.Material", verbose_name=_("materials"), blank=True, related_name="templates"
    )

    class Meta:
        verbose_name = _("template application")
        verbose_name_plural = _("template applications")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "submitted_at"]),
            models.Index(fields=["account", "state"]),
            models.Index(fields=["state", "due_at"]),
            # The customer API's lists: an account's items in the order they changed.
            models.Index(fields=["account", "updated_at", "id"], name="template_api_sync"),
            queue_index("template_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.public_id})"

    def snapshot_data(self) -> dict:
        return {
            "name": self.name,
            "content": self.content,
            "kind": self.kind,
            "industry": self.industry,
            "remark": self.remark,
            "signature": {
                "public_id": self.signature.public_id,
                "content": self.signature.content,
                "state": self.signature.state,
            },
            "materials": [m.snapshot() for m in by_pk(self.materials)],
        }
