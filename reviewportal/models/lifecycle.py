"""The review lifecycle (SPEC §3), shared by qualifications, signatures and templates.

Transitions here only change fields of the row; locking, permission checks, revisions, audit,
notifications and carrier filings are the services' job (``reviewportal.services.lifecycle``),
which are the only callers of these methods.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description

from reviewportal.identifiers import new_public_id


class ReviewState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING_REVIEW = "pending_review", _("Pending review")
    UNDER_REVIEW = "under_review", _("Under review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Not approved")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REREVIEW = "rereview", _("Re-review")
    REVOKED = "revoked", _("Revoked")


S = ReviewState
#: States a customer may still edit (seed 000 §1): an edit resubmits.
EDITABLE_STATES = (S.PENDING_REVIEW, S.UNDER_REVIEW, S.REJECTED)
#: States from which the customer may withdraw.
OPEN_STATES = (S.DRAFT, S.PENDING_REVIEW, S.UNDER_REVIEW, S.REJECTED)
#: States in which an application stands (a draft, under way, or in force): a second one for the
#: same thing while one of these exists is a duplicate. Rejected, withdrawn and revoked ones are
#: history (a rejected one is edited and resubmitted, or a new one started).
LIVE_STATES = (S.DRAFT, S.PENDING_REVIEW, S.UNDER_REVIEW, S.APPROVED, S.REREVIEW)
#: States of an application submitted and not yet decided.
IN_REVIEW_STATES = (S.PENDING_REVIEW, S.UNDER_REVIEW)
#: States that wait for a reviewer (the queue).
QUEUE_STATES = (S.PENDING_REVIEW, S.UNDER_REVIEW, S.REREVIEW)
#: Queue order: urgent items first, then the earliest due time, then the earliest clock start.
#: An item whose due time is pending (its year is not in the calendar) comes after those with
#: one, and such items are in the order of their clock's start: their due times all lie in the
#: missing year, later than any known one. The console's queue, "claim next" and the selectors
#: all sort by it, and ``queue_index`` serves it.
QUEUE_ORDERING = ("-is_urgent", models.F("due_at").asc(nulls_last=True), "sla_started_at", "pk")


def by_pk(related) -> list:
    """The objects of a related manager in primary-key order, sorted here rather than by the
    database so that a ``prefetch_related`` of the relation serves them without a query."""
    return sorted(related.all(), key=lambda obj: obj.pk)


def queue_index(name: str) -> models.Index:
    """A partial index over the items waiting for a reviewer, in queue order, so that the first
    page of a queue (and "claim next") reads a few index entries instead of sorting every
    waiting row. Its columns and directions match ``QUEUE_ORDERING`` exactly (ASC sorts NULLs
    last, DESC first), which is what lets the database walk it instead of sorting."""
    return models.Index(
        fields=["-is_urgent", "due_at", "sla_started_at", "id"],
        name=name,
        condition=models.Q(state__in=QUEUE_STATES),
    )


class SlaClock(models.Model):
    """Abstract fields of an SLA clock (SPEC §6), shared by review items and carrier filings.

    ``reviewportal.services.sla`` sets them when a clock starts and recomputes them whenever the
    calendar or a target changes: the start stays, due and at-risk instants follow the calendar.
    A due time that needs a year the calendar does not cover is *pending*: ``due_at`` and
    ``at_risk_at`` are empty and ``due_pending_year`` names the missing year."""

    sla_policy = models.ForeignKey(
        "reviewportal.SlaPolicy",
        verbose_name=_("SLA policy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    #: When the clock started; due times are always walked again from here.
    sla_started_at = models.DateTimeField(_("SLA clock started at"), null=True, blank=True)
    # The target the clock runs with, as business time (the policy's target when it was last
    # computed), so that the at-risk share is judged against the same target as the due time.
    sla_target = models.DurationField(_("SLA target"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    # From this instant less than the at-risk share of the target is left; stored so that the
    # periodic sweep finds at-risk items with one query instead of walking each item's calendar.
    at_risk_at = models.DateTimeField(_("at risk from"), null=True, blank=True)
    due_pending_year = models.PositiveSmallIntegerField(
        _("due time pending on the calendar of"),
        null=True,
        blank=True,
        help_text=_("The due time needs this year, which the business calendar does not have yet."),
    )
    at_risk_flagged_at = models.DateTimeField(_("flagged at risk at"), null=True, blank=True)
    breach_recorded_at = models.DateTimeField(_("SLA breach recorded at"), null=True, blank=True)

    class Meta:
        abstract = True


class ReviewableModel(ConcurrentTransitionMixin, SlaClock):
    """Abstract base of everything that goes through review.

    Subclasses define ``snapshot_data()``: what a reviewer judges, as a JSON-able dict that the
    submission services freeze into a revision (materials listed with their checksums).
    """

    #: Prefix of the public ID shown to people (``SIG``, ``TPL``, ``QUA``).
    PUBLIC_ID_PREFIX = ""
    #: Code of the SlaPolicy whose target applies while the item waits for a reviewer.
    SLA_POLICY = "standard"
    #: The relations ``snapshot_data()`` reads beyond the item's own foreign keys, for
    #: ``prefetch_related``: a batch of items reads each of them once, not once per item.
    SNAPSHOT_PREFETCH: tuple[str, ...] = ()

    public_id = models.CharField(_("ID"), max_length=20, unique=True, editable=False)
    account = models.ForeignKey(
        "reviewportal.Account", verbose_name=_("account"), on_delete=models.PROTECT
    )
    state = FSMField(
        _("review status"),
        default=S.DRAFT,
        choices=S.choices,
        protected=True,
        db_index=True,
    )
    current_revision = models.ForeignKey(
        "reviewportal.Revision",
        verbose_name=_("current revision"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("claimed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    is_urgent = models.BooleanField(_("urgent"), default=False)
    # Set by bulk re-review with --suspend: the item may not be used while reviewers decide;
    # cleared by the decision (confirm or revoke).
    suspended = models.BooleanField(
        _("suspended"),
        default=False,
        help_text=_("Not usable until the re-review is decided."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta(SlaClock.Meta):
        abstract = True

    def __str__(self) -> str:
        return self.public_id

    def save(self, *args, **kwargs):
        if not self.public_id:
            self.public_id = new_public_id(self.PUBLIC_ID_PREFIX)
        super().save(*args, **kwargs)

    @property
    def is_usable(self) -> bool:
        """Whether review lets the item be used: approved, or under re-review and not suspended
        (SPEC §7: "still usable unless --suspend"). Carriers have their own say (SPEC §5)."""
        return self.state == S.APPROVED or (self.state == S.REREVIEW and not self.suspended)

    def submission_gaps(self) -> list[str]:
        """The fields (verbose names) a draft was saved without that a submission needs;
        ``review_submit`` refuses while there are any. Kinds whose drafts are always complete
        keep this default."""
        return []

    # --- transitions: field changes only --------------------------------------------------

    @fsm_log_by
    @fsm_log_description
    @transition(field="state", source=S.DRAFT, target=S.PENDING_REVIEW)
    def submit(self, *, revision, at, by=None, description=None) -> None:
        self.current_revision = revision
        self.submitted_at = at

    @fsm_log_by
    @fsm_log_description
    @transition(field="state", source=S.PENDING_REVIEW, target=S.UNDER_REVIEW)
    def claim(self, *, reviewer, at, by=None, description=None) -> None:
        self.claimed_by = reviewer
        self.claimed_at = at

    @fsm_log_by
    @fsm_log_description
    @transition(field="state", source=S.UNDER_REVIEW, target=S.PENDING_REVIEW)
    def release(self, *, by=None, description=None) -> None:
        self.claimed_by = None
        self.claimed_at = None

    @fsm_log_by
    @fsm_log_description
    @transition(field="state", source=S.UNDER_REVIEW, target=S.UNDER_REVIEW)
    def reassign(self, *, reviewer, at, by=None, description=None) -> None:
        self.claimed_by = reviewer
        self.claimed_at = at

    @fsm_log_by
    @fsm_log_description
    @transition(field="state", source=S.UNDER_REVIEW, target=S.APPROVED)
    def approve(self, *, at, by=None, description=None) -> None:
        self.decided_at = at
        self.claimed_by = None
        self.claimed_at = None

    @fsm_log_by
    @fsm_log_description
    @transition(field="state", source=S.UNDER_REVIEW, target=S.REJECTED)
    def reject(self, *, at, by=None, description=None) -> None:
        self.decided_at = at
        self.claimed_by = None
        self.claimed_at = None

    @fsm_log_by
    @fsm_log_description
    @transition(field="state", source=list(EDITABLE_STATES), target=S.PENDING_REVIEW)
    def resubmit(self, *, revision, at, by=None, description=None) -> None:
        self.current_revision = revision
        self.submitted_at = at
        self.decided_at = None
        self.claimed_by = None
        self.claimed_at = None

    @fsm_log_by
    @fsm_log_description
    @transition(field="state", source=list(OPEN_STATES), target=S.WITHDRAWN)
    def withdraw(self, *, at, by=None, description=None) -> None:
        self.decided_at = at
        self.claimed_by = None
        self.claimed_at = None

    @fsm_log_by
    @fsm_log_description
    @transition(field="state", source=S.APPROVED, target=S.REREVIEW)
    def flag_for_rereview(self, *, revision, at, suspend=False, by=None, description=None) -> None:
        self.current_revision = revision
        self.submitted_at = at
        self.suspended = suspend

    @fsm_log_by
    @fsm_log_description
    @transition(field="state", source=S.REREVIEW, target=S.APPROVED)
    def confirm(self, *, at, by=None, description=None) -> None:
        self.decided_at = at
        self.suspended = False

    @fsm_log_by
    @fsm_log_description
    @transition(field="state", source=S.REREVIEW, target=S.REVOKED)
    def revoke(self, *, at, by=None, description=None) -> None:
        self.decided_at = at
        self.suspended = False
