from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """What a person is told: listed in the portal (or console) and sent by e-mail.

    Its text is written in every language of the product when it is made (``texts``), so that
    it is read in the reader's language at the time it is read, and e-mailed in the recipient's
    saved language whenever the e-mail goes out. ``title`` and ``body`` keep the text in the
    recipient's language at the time: what notifications made before ``texts`` existed show in
    every language. ``subject`` is the item it is about; a content type without an object id
    means "items of that kind" (one message about several of them)."""

    class Kind(models.TextChoices):
        DECISION = "decision", _("Review decision")
        CARRIER = "carrier", _("Carrier result")
        REREVIEW = "rereview", _("Re-review")
        URGENT = "urgent", _("Urgent ticket")
        SLA = "sla", _("Service level")
        ACCOUNT = "account", _("Account")
        CALENDAR = "calendar", _("Business calendar")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    account = models.ForeignKey(
        "reviewportal.Account",
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"))
    #: ``{language code: {"title": …, "body": …}}`` for every language of ``LANGUAGES``.
    texts = models.JSONField(_("texts in each language"), default=dict, blank=True)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("content_type", "object_id")
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.localized_title

    def text_in(self, language: str | None = None) -> tuple[str, str]:
        """``(title, body)`` in ``language`` (the active language by default); the text it was
        made with when it has none in that language (notifications older than ``texts``)."""
        language = (language or translation.get_language() or settings.LANGUAGE_CODE).lower()
        entry = self.texts.get(language) or self.texts.get(language.split("-")[0])
        if not entry:
            return self.title, self.body
        return entry["title"], entry["body"]

    @property
    def localized_title(self) -> str:
        return self.text_in()[0]

    @property
    def localized_body(self) -> str:
        return self.text_in()[1]
