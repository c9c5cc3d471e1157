from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description

from reviewportal.identifiers import new_public_id


def _ticket_public_id() -> str:
    return new_public_id("URG")


class UrgentTicket(ConcurrentTransitionMixin, models.Model):
    """A customer's request to expedite the review of one application (seed 000 "Urgent
    Application"); support accepts or declines it."""

    class State(models.TextChoices):
        OPEN = "open", _("Waiting for support")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    public_id = models.CharField(
        _("ticket ID"), max_length=20, unique=True, default=_ticket_public_id, editable=False
    )
    account = models.ForeignKey(
        "reviewportal.Account", verbose_name=_("account"), on_delete=models.PROTECT
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("reason"))
    state = FSMField(
        _("status"), default=State.OPEN, choices=State.choices, protected=True, db_index=True
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    note = models.TextField(_("answer to the customer"), blank=True)
    created_at = models.DateTimeField(_("filed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("urgent ticket")
        verbose_name_plural = _("urgent tickets")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        constraints = [
            # One open ticket per application at a time.
            models.UniqueConstraint(
                fields=["content_type", "object_id"],
                condition=models.Q(state="open"),
                name="one_open_urgent_ticket_per_item",
            )
        ]

    def __str__(self) -> str:
        return self.public_id

    @fsm_log_by
    @fsm_log_description
    @transition(field="state", source=State.OPEN, target=State.ACCEPTED)
    def accept(self, *, at, note="", by=None, description=None) -> None:
        self.handled_by = by
        self.handled_at = at
        self.note = note

    @fsm_log_by
    @fsm_log_description
    @transition(field="state", source=State.OPEN, target=State.DECLINED)
    def decline(self, *, at, note="", by=None, description=None) -> None:
        self.handled_by = by
        self.handled_at = at
        self.note = note
