"""Carriers and the per-carrier filing of every approved signature and template (SPEC §5)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description


class Carrier(models.Model):
    """A carrier is a row, so that a fourth can be added without code changes."""

    code = models.SlugField(_("code"), max_length=10, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=40)
    name_en = models.CharField(_("name (English)"), max_length=40)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.name_zh} ({self.code})"


class FilingState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SUBMITTED = "submitted", _("Submitted to carrier")
    REGISTERED = "registered", _("Registered")
    REJECTED = "rejected", _("Rejected by carrier")
    CLEARED = "cleared", _("Cleared by carrier")
    FAILED = "failed", _("Failed (attempts exhausted)")


class Availability(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")


F = FilingState


class CarrierFiling(ConcurrentTransitionMixin, models.Model):
    """One approved revision of one signature or template, filed with one carrier.

    Unique per (carrier, revision): a revision is never filed twice with the same carrier."""

    carrier = models.ForeignKey(Carrier, verbose_name=_("carrier"), on_delete=models.PROTECT)
    signature = models.ForeignKey(
        "signatures.SignatureApplication",
        verbose_name=_("signature"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="filings",
    )
    template = models.ForeignKey(
        "templates.TemplateApplication",
        verbose_name=_("template"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="filings",
    )
    revision = models.ForeignKey(
        "reviewportal.Revision",
        verbose_name=_("revision"),
        on_delete=models.PROTECT,
        related_name="filings",
    )
    state = FSMField(
        _("filing status"), default=F.QUEUED, choices=F.choices, protected=True, db_index=True
    )
    availability = models.CharField(
        _("availability"), max_length=10, choices=Availability.choices, default=Availability.ACTIVE
    )
    carrier_ticket_id = models.CharField(_("carrier ticket"), max_length=80, blank=True)
    carrier_reason = models.CharField(_("carrier reason"), max_length=200, blank=True)
    #: Incremented by each re-file, so that a re-filing is a new submission with its own
    #: idempotency key while a redelivered message for the same generation is recognised.
    generation = models.PositiveSmallIntegerField(_("generation"), default=1)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    result_at = models.DateTimeField(_("result at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("carrier filing")
        verbose_name_plural = _("carrier filings")
        ordering = ["carrier__sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "revision"], name="one_filing_per_carrier_and_revision"
            ),
            models.CheckConstraint(
                condition=(Q(signature__isnull=False) & Q(template__isnull=True))
                | (Q(signature__isnull=True) & Q(template__isnull=False)),
                name="filing_is_for_a_signature_or_a_template",
            ),
        ]

    def __str__(self) -> str:
        item = self.signature if self.signature_id else self.template
        return f"{item} @ {self.carrier.code}: {self.get_state_display()}"

    @property
    def is_ready(self) -> bool:
        """Usable on this carrier: registered and active (seed 003)."""
        return self.state == F.REGISTERED and self.availability == Availability.ACTIVE

    @fsm_log_by
    @fsm_log_description
    @transition(field="state", source=F.QUEUED, target=F.SUBMITTED)
    def submit(self, *, at, ticket_id="", by=None, description=None) -> None:
        self.submitted_at = at
        self.carrier_ticket_id = ticket_id

    @fsm_log_by
    @fsm_log_description
    @transition(field="state", source=F.SUBMITTED, target=F.REGISTERED)
    def register(self, *, at, by=None, description=None) -> None:
        self.result_at = at
        self.carrier_reason = ""

    @fsm_log_by
    @fsm_log_description
    @transition(field="state", source=F.SUBMITTED, target=F.REJECTED)
    def reject(self, *, at, reason, by=None, description=None) -> None:
        self.result_at = at
        self.carrier_reason = reason

    @fsm_log_by
    @fsm_log_description
    @transition(field="state", source=F.REGISTERED, target=F.CLEARED)
    def clear(self, *, at, reason="", by=None, description=None) -> None:
        self.result_at = at
        self.carrier_reason = reason

    @fsm_log_by
    @fsm_log_description
    @transition(field="state", source=[F.QUEUED, F.SUBMITTED], target=F.FAILED)
    def fail(self, *, error, by=None, description=None) -> None:
        self.last_error = error

    @fsm_log_by
    @fsm_log_description
    @transition(field="state", source=[F.REJECTED, F.CLEARED, F.FAILED], target=F.QUEUED)
    def refile(self, *, by=None, description=None) -> None:
        self.generation += 1
        self.attempts = 0
        self.last_error = ""
        self.carrier_ticket_id = ""
        self.carrier_reason = ""
        self.submitted_at = None
        self.result_at = None
