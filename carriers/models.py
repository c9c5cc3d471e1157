"""Carriers and the per-carrier filing of every approved signature and template (SPEC §5)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description

from reviewportal.kinds import filed_kinds, kind_of
from reviewportal.models import SlaClock


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
    """The flag staff set on a filing (SPEC §5: availability is separate from registration).
    It is not whether the item can be used there: that is ``CarrierFiling.is_usable``."""

    # Translators: a flag staff set on a carrier filing, not "usable" (可用): a rejected filing
    # may be active. E.g. 启用 / 停用.
    ACTIVE = "active", pgettext_lazy("carrier availability flag", "Active")
    # Translators: see "Active" (e.g. 停用).
    INACTIVE = "inactive", pgettext_lazy("carrier availability flag", "Inactive")


class CarrierPause(models.Model):
    """Days on which a carrier accepts no filings (SPEC §6: around Spring Festival). Filings for
    it stay queued and are sent when the pause ends, and the filing clock does not run on
    those days."""

    carrier = models.ForeignKey(
        Carrier, verbose_name=_("carrier"), on_delete=models.CASCADE, related_name="pauses"
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"), help_text=_("Filing resumes the day after."))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("carrier filing pause")
        verbose_name_plural = _("carrier filing pauses")
        ordering = ["-starts_on", "carrier__sort_order"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="pause_ends_after_it_starts"
            )
        ]

    def __str__(self) -> str:
        return f"{self.carrier.code} {self.starts_on.isoformat()}..{self.ends_on.isoformat()}"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError(
                {"ends_on": _("The pause must end on or after the day it starts.")}
            )


class CarrierFilingQuerySet(models.QuerySet):
    def of(self, item) -> CarrierFilingQuerySet:
        """The filings of one item."""
        return self.filter(content_type=ContentType.objects.get_for_model(item), object_id=item.pk)

    def of_model(self, model) -> CarrierFilingQuerySet:
        """The filings of items of ``model``."""
        return self.filter(content_type=ContentType.objects.get_for_model(model))

    def of_items(self, model, pks) -> CarrierFilingQuerySet:
        """The filings of the items of ``model`` whose keys are ``pks`` (a list or a subquery)."""
        return self.of_model(model).filter(object_id__in=pks)

    def with_subjects(self) -> CarrierFilingQuerySet:
        """Each filing's item fetched with it (one query per kind), with the item's account
        and, where it has one, the qualification it is filed under."""
        return self.prefetch_related(GenericPrefetch("subject", subject_querysets()))


def subject_querysets() -> list[models.QuerySet]:
    """Per filed kind: the items as a filing's request and notices read them."""
    querysets = []
    for kind in filed_kinds():
        names = {field.name for field in kind.model._meta.get_fields()}
        related = [name for name in ("account", "qualification") if name in names]
        querysets.append(kind.model._default_manager.select_related(*related))
    return querysets


class CarrierFiling(ConcurrentTransitionMixin, SlaClock):
    """One approved revision of one item (a signature or a template: a kind registered
    ``filed_with_carriers``), filed with one carrier.

    Unique per (carrier, revision): a revision is never filed twice with the same carrier. Its
    SLA clock (the ``filing`` policy) runs from the submission to the carrier until the
    carrier's answer."""

    carrier = models.ForeignKey(Carrier, verbose_name=_("carrier"), on_delete=models.PROTECT)
    #: The item filed (a kind registered ``filed_with_carriers``), referenced as the review
    #: kernel references items everywhere (revisions, decisions, clocks, tickets).
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("kind of item"), on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(_("item id"))
    subject = GenericForeignKey("content_type", "object_id")
    revision = models.ForeignKey(
        "reviewportal.Revision",
        verbose_name=_("revision"),
        on_delete=models.PROTECT,
        related_name="filings",
    )
    state = FSMField(
        _("filing status"),
        default=FilingState.QUEUED,
        choices=FilingState.choices,
        protected=True,
        db_index=True,
    )
    availability = models.CharField(
        pgettext_lazy("carrier availability flag", "availability"),
        max_length=10,
        choices=Availability.choices,
        default=Availability.ACTIVE,
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

    objects = CarrierFilingQuerySet.as_manager()

    class Meta:
        verbose_name = _("carrier filing")
        verbose_name_plural = _("carrier filings")
        ordering = ["carrier__sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "revision"], name="one_filing_per_carrier_and_revision"
            ),
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="filing_item")]

    def __str__(self) -> str:
        return f"{self.subject} @ {self.carrier.code}: {self.get_state_display()}"

    @classmethod
    def kept_for(cls, model) -> bool:
        """Whether items of ``model`` are filed with the carriers (its kind is registered
        ``filed_with_carriers``)."""
        kind = kind_of(model)
        return bool(kind and kind.filed_with_carriers)

    @property
    def is_usable(self) -> bool:
        """Whether the item can be used on this carrier: its filing is registered and active
        (SPEC §5, seed 003), nothing else. Queued, submitted, rejected, cleared and failed
        filings are not usable, nor is a registered one staff marked inactive. The one
        definition: every page, notification and check reads it."""
        return self.state == FilingState.REGISTERED and self.availability == Availability.ACTIVE

    def get_usable_display(self) -> str:
        """``is_usable`` in words (可用 / 不可用), as pages show it."""
        if self.is_usable:
            return pgettext("carrier filing", "Usable")
        return pgettext("carrier filing", "Not usable")

    @fsm_log_by
    @fsm_log_description
    @transition(field="state", source=FilingState.QUEUED, target=FilingState.SUBMITTED)
    def submit(self, *, at, ticket_id="", by=None, description=None) -> None:
        self.submitted_at = at
        self.carrier_ticket_id = ticket_id

    @fsm_log_by
    @fsm_log_description
    @transition(field="state", source=FilingState.SUBMITTED, target=FilingState.REGISTERED)
    def register(self, *, at, by=None, description=None) -> None:
        self.result_at = at
        self.carrier_reason = ""

    @fsm_log_by
    @fsm_log_description
    @transition(field="state", source=FilingState.SUBMITTED, target=FilingState.REJECTED)
    def reject(self, *, at, reason, by=None, description=None) -> None:
        self.result_at = at
        self.carrier_reason = reason

    @fsm_log_by
    @fsm_log_description
    @transition(field="state", source=FilingState.REGISTERED, target=FilingState.CLEARED)
    def clear(self, *, at, reason="", by=None, description=None) -> None:
        self.result_at = at
        self.carrier_reason = reason

    @fsm_log_by
    @fsm_log_description
    @transition(
        field="state", source=[FilingState.QUEUED, FilingState.SUBMITTED], target=FilingState.FAILED
    )
    def fail(self, *, error, by=None, description=None) -> None:
        self.last_error = error

    @fsm_log_by
    @fsm_log_description
    @transition(
        field="state",
        source=[FilingState.REJECTED, FilingState.CLEARED, FilingState.FAILED],
        target=FilingState.QUEUED,
    )
    def refile(self, *, by=None, description=None) -> None:
        self.generation += 1
        self.attempts = 0
        self.last_error = ""
        self.carrier_ticket_id = ""
        self.carrier_reason = ""
        self.submitted_at = None
        self.result_at = None
        self.sla_started_at = None
        self.due_at = None
        self.at_risk_at = None
        self.due_pending_year = None
        self.at_risk_flagged_at = None
        self.breach_recorded_at = None

    @property
    def idempotency_key(self) -> str:
        """The key of this generation's submission: a redelivered message or a retry after a lost
        response carries the same key, so the carrier files it once; a re-file has a new one."""
        return f"rp-{self.carrier.code}-r{self.revision_id}-g{self.generation}"


class CarrierReason(models.Model):
    """What a carrier's reason code means and what the customer does next, in each language: the
    catalogue kept in the console like the rejection reasons (``ReasonCode``). Filings keep the
    carrier's bare code (``carrier_reason``); pages look it up here (``carriers.selectors``), and
    a code the catalogue does not know is shown raw with a generic explanation."""

    code = models.CharField(
        _("code"), max_length=40, unique=True, help_text=_("As the carrier sends it, e.g. CU-4007.")
    )
    carrier = models.ForeignKey(
        Carrier, verbose_name=_("carrier"), null=True, blank=True, on_delete=models.PROTECT
    )
    explanation_zh = models.TextField(_("explanation (Chinese)"))
    explanation_en = models.TextField(_("explanation (English)"))
    next_step_zh = models.TextField(_("next step (Chinese)"))
    next_step_en = models.TextField(_("next step (English)"))
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("carrier reason")
        verbose_name_plural = _("carrier reasons")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.code

    @property
    def explanation(self) -> str:
        return self.explanation_en if translation.get_language() == "en" else self.explanation_zh

    @property
    def next_step(self) -> str:
        return self.next_step_en if translation.get_language() == "en" else self.next_step_zh


class CustomerRefile(models.Model):
    """A customer's re-file of a rejected or cleared filing (``filing_refile_by_customer``): who,
    when, what the carrier had said. The customer's limits (per day, minimum wait) count these
    rows; staff re-files are not limited and not recorded here (their transition log is)."""

    filing = models.ForeignKey(
        CarrierFiling,
        verbose_name=_("filing"),
        on_delete=models.CASCADE,
        related_name="customer_refiles",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("re-filed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("re-filed at"))
    from_state = models.CharField(
        _("filing status before"), max_length=10, choices=FilingState.choices
    )
    carrier_reason = models.CharField(_("carrier reason"), max_length=200, blank=True)
    generation = models.PositiveSmallIntegerField(_("generation"))

    class Meta:
        verbose_name = _("customer re-file")
        verbose_name_plural = _("customer re-files")
        ordering = ["filing", "requested_at"]
        indexes = [models.Index(fields=["filing", "requested_at"], name="customer_refile_recent")]

    def __str__(self) -> str:
        return f"{self.filing_id} g{self.generation} @ {self.requested_at:%Y-%m-%d %H:%M}"


class AttemptOutcome(models.TextChoices):
    STARTED = "started", _("Started")
    ACCEPTED = "accepted", _("Accepted by carrier")
    TRANSIENT = "transient", _("Transient fault")
    REFUSED = "refused", _("Refused by carrier")


class FilingAttempt(models.Model):
    """One call to a carrier's ``submit`` for a filing: recorded before the call (``started``)
    and completed after it, so that a worker killed in between leaves a trace."""

    filing = models.ForeignKey(
        CarrierFiling,
        verbose_name=_("filing"),
        on_delete=models.CASCADE,
        related_name="attempts_log",
    )
    generation = models.PositiveSmallIntegerField(_("generation"))
    number = models.PositiveSmallIntegerField(_("attempt"))
    idempotency_key = models.CharField(_("idempotency key"), max_length=80, db_index=True)
    outcome = models.CharField(
        _("attempt outcome"),
        max_length=10,
        choices=AttemptOutcome.choices,
        default=AttemptOutcome.STARTED,
    )
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("filing attempt")
        verbose_name_plural = _("filing attempts")
        ordering = ["filing", "generation", "number"]

    def __str__(self) -> str:
        return f"{self.idempotency_key} #{self.number}: {self.outcome}"


class CallbackNonce(models.Model):
    """A nonce of an accepted carrier callback, kept so that a replayed request is refused."""

    carrier = models.ForeignKey(Carrier, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=64)
    received_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["carrier", "nonce"], name="callback_nonce_unique")
        ]

    def __str__(self) -> str:
        return self.nonce


class SignatureUsage(models.Model):
    """When a signature was last used for sending, as reported by the sending platform; carriers
    clear signatures left unused too long (seed 004 "invalidation")."""

    signature = models.OneToOneField(
        "signatures.SignatureApplication",
        verbose_name=_("signature"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="usage",
    )
    last_used_at = models.DateTimeField(_("last used at"))
    warned_at = models.DateTimeField(_("inactivity warning sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("signature usage")
        verbose_name_plural = _("signature usage")

    def __str__(self) -> str:
        return f"{self.signature_id}: {self.last_used_at:%Y-%m-%d %H:%M}"


class StubFiling(models.Model):
    """The stub carriers' own ledger — what a carrier's system holds, not ours. One row per
    idempotency key the carrier accepted; ``deliveries`` counts every submit it received with
    that key, so a test can prove that a revision was filed once however often it was sent."""

    carrier_code = models.CharField(max_length=10)
    idempotency_key = models.CharField(max_length=80, unique=True)
    ticket_id = models.CharField(max_length=80, unique=True)
    revision_id = models.PositiveBigIntegerField(db_index=True)
    generation = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10)
    subject_public_id = models.CharField(max_length=20, db_index=True)
    content = models.TextField()
    deliveries = models.PositiveIntegerField(default=1)
    received_at = models.DateTimeField()
    decide_at = models.DateTimeField()
    outcome = models.CharField(max_length=10)  # registered / rejected, effective from decide_at
    reason_code = models.CharField(max_length=40, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("stub carrier record")
        verbose_name_plural = _("stub carrier records")

    def __str__(self) -> str:
        return f"{self.carrier_code} {self.ticket_id} ({self.idempotency_key})"
