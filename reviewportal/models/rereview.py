"""Bookkeeping of bulk re-review runs (SPEC §7): what a committed run has done so far, so that an
interrupted run resumes where it stopped and nothing is flagged or announced twice."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reviewportal.kinds import rereview_run_choices


class RereviewRun(models.Model):
    """One committed ``manage.py rereview`` run over one kind of item, as of one date.

    The run is identified by what it checks (kind, rule codes, date, account, suspension): run
    again with the same options while it is unfinished and it resumes after ``last_pk``."""

    #: What identifies the run: kind, codes, date, account and suspension in one string.
    key = models.CharField(_("key"), max_length=1200, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=rereview_run_choices)
    #: The rule codes checked, sorted and space-separated; empty for every rule.
    codes = models.CharField(_("rule codes"), max_length=1000, blank=True)
    checks_on = models.DateField(_("checks as of"))
    account = models.ForeignKey(
        "reviewportal.Account",
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    suspend = models.BooleanField(_("suspend flagged items"), default=False)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The keyset checkpoint: every item with a smaller or equal primary key has been checked,
    # committed in the same transaction as the flags of its batch.
    last_pk = models.BigIntegerField(_("last item checked"), default=0)
    checked = models.PositiveBigIntegerField(_("items checked"), default=0)
    flagged = models.PositiveBigIntegerField(_("items flagged"), default=0)
    report_path = models.CharField(_("report"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("re-review run")
        verbose_name_plural = _("re-review runs")
        ordering = ["-started_at"]
        constraints = [
            # Two operators starting the same run at once: the second resumes the first's.
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(finished_at__isnull=True),
                name="one_unfinished_rereview_run",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.checks_on} #{self.pk}"


class RereviewRunItem(models.Model):
    """An item a run found non-compliant, with what the run did to it. Rows of a batch are
    written in the batch's transaction; ``notified_at`` is set when its account was told."""

    class Action(models.TextChoices):
        FLAGGED = "flagged", _("Flagged for re-review")
        FLAGGED_SUSPENDED = "flagged_suspended", _("Flagged for re-review and suspended")
        KEPT_CONFIRMED = "kept_confirmed", _("Kept: confirmed after an earlier re-review")
        SKIPPED = "skipped", _("Skipped")

    run = models.ForeignKey(
        RereviewRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="items"
    )
    object_id = models.BigIntegerField(_("item"))
    public_id = models.CharField(_("ID"), max_length=20)
    #: How the customer knows the item: 【signature】 or the template's name.
    label = models.CharField(_("item"), max_length=200, blank=True)
    account = models.ForeignKey(
        "reviewportal.Account",
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    findings = models.JSONField(_("findings"), default=list)
    detail = models.TextField(_("detail"), blank=True)
    notified_at = models.DateTimeField(_("customer notified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("re-review run item")
        verbose_name_plural = _("re-review run items")
        ordering = ["run", "object_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "object_id"], name="one_row_per_run_item")
        ]
        indexes = [models.Index(fields=["run", "account", "notified_at"])]

    def __str__(self) -> str:
        return f"{self.public_id}: {self.action}"
