from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from reviewportal.fields import EncryptedKeysJSONField
from reviewportal.kinds import ANY_SCOPE, reason_scope_choices


class ImmutableRevisionError(Exception):
    """A revision is a frozen record of what was judged; it is never changed or deleted."""


class RevisionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableRevisionError("Revisions are immutable: they cannot be updated.")

    def delete(self):
        raise ImmutableRevisionError("Revisions are immutable: they cannot be deleted.")


class Revision(models.Model):
    """An immutable snapshot of one submission or resubmission: the content, type, purpose,
    material ids with checksums, and the automatic findings the reviewer saw. Decisions point at
    a revision, so history and "what changed since last time" are exact."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    number = models.PositiveIntegerField(_("revision"))
    # ID numbers in a snapshot are encrypted as in the record it froze (SPEC §10).
    snapshot = EncryptedKeysJSONField(_("snapshot"), encoder=DjangoJSONEncoder)
    findings = models.JSONField(_("automatic findings"), default=list)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    objects = RevisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ["content_type", "object_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "number"], name="revision_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"r{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise ImmutableRevisionError("Revisions are immutable: they cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRevisionError("Revisions are immutable: they cannot be deleted.")

    @property
    def has_blocking_findings(self) -> bool:
        return any(f.get("severity") == "block" for f in self.findings or [])


class ReasonCode(models.Model):
    """A rejection (or revocation) reason from the catalogue managed in the admin, with the text
    the customer reads in each language."""

    #: A reason of every kind of item; each kind's own scope is the one it registers
    #: (``reviewportal.kinds``).
    ANY = ANY_SCOPE

    code = models.SlugField(_("code"), max_length=60, unique=True)
    applies_to = models.CharField(
        _("applies to"), max_length=20, choices=reason_scope_choices, default=ANY_SCOPE
    )
    title_zh = models.CharField(_("title (Chinese)"), max_length=120)
    title_en = models.CharField(_("title (English)"), max_length=120)
    customer_text_zh = models.TextField(_("customer-facing text (Chinese)"))
    customer_text_en = models.TextField(_("customer-facing text (English)"))
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("reason code")
        verbose_name_plural = _("reason codes")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.code} · {self.title}"

    @property
    def title(self) -> str:
        return self.title_en if translation.get_language() == "en" else self.title_zh

    @property
    def customer_text(self) -> str:
        return (
            self.customer_text_en if translation.get_language() == "en" else self.customer_text_zh
        )


class DecisionOutcome(models.TextChoices):
    APPROVE = "approve", _("Approved")
    REJECT = "reject", _("Rejected")
    #: The first half of a four-eyes approval: a reviewer vouches for an item with blocking
    #: findings; a senior reviewer other than them makes the approval final.
    FIRST_APPROVAL = "first_approval", _("First approval (awaiting a senior reviewer)")
    CONFIRM = "confirm", _("Confirmed after re-review")
    REVOKE = "revoke", _("Revoked after re-review")


class ReviewDecision(models.Model):
    """A reviewer's decision on one revision."""

    revision = models.ForeignKey(
        Revision, verbose_name=_("revision"), on_delete=models.PROTECT, related_name="decisions"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        related_name="review_decisions",
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=DecisionOutcome.choices)
    reasons = models.ManyToManyField(ReasonCode, verbose_name=_("reasons"), blank=True)
    customer_comment = models.TextField(_("comment for the customer"), blank=True)
    internal_note = models.TextField(_("internal note"), blank=True)
    #: The automatic findings as they stood when the decision was taken (an approval over
    #: blocking findings records exactly what it overrode).
    findings = models.JSONField(_("findings at decision time"), default=list, blank=True)
    created_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    class Meta:
        verbose_name = _("review decision")
        verbose_name_plural = _("review decisions")
        ordering = ["-created_at"]
        permissions = [
            ("review_items", _("Can claim, approve and reject applications")),
            ("override_findings", _("Can give the second approval over blocking findings")),
            ("reassign_items", _("Can release and reassign other reviewers' claims")),
            ("handle_urgent", _("Can accept or decline urgent tickets")),
            ("flag_rereview", _("Can put approved items back for re-review")),
            ("view_sensitive", _("Can see unmasked ID numbers")),
            ("view_audit", _("Can read the audit trail and the access log")),
            ("write_internal_notes", _("Can write internal notes")),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} · {self.revision}"


class InternalNote(models.Model):
    """A note staff write on an item for each other (SPEC §1: support "writes internal notes"):
    a call with the customer, a doubt about a material, a hand-over. Shown in the item's
    timeline in the console and nowhere else: no portal page, e-mail or notification reads
    notes. Written only by ``internal_note_add`` and never edited or deleted, so the timeline
    keeps what was said."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    text = models.TextField(_("internal note"))
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="internal_note_item")]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"
