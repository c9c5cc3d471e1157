"""The business calendar table and the SLA targets (SPEC §6), both editable in the admin.

``WorkingDay`` holds one row per date of every covered year; ``reviewportal.services.sla`` builds
the ``BusinessCalendar`` from it. ``SlaPolicy`` holds the targets; their defaults are seeded by a
migration and are the only place the numbers live.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class WorkingDay(models.Model):
    """Whether one date is a working day (weekend make-up days included), with a note."""

    date = models.DateField(_("date"), unique=True)
    is_working = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=120, blank=True)
    # A working day's own opening hours (a half day, a late opening); both empty: the default
    # hours of REVIEW_POLICY["BUSINESS_HOURS"]. A day closed altogether is not a working day.
    opens = models.TimeField(
        _("opens"), null=True, blank=True, help_text=_("Empty: the usual opening time (09:00).")
    )
    closes = models.TimeField(
        _("closes"), null=True, blank=True, help_text=_("Empty: the usual closing time (18:00).")
    )
    #: Entered as a stop-gap (Monday–Friday working, no statutory holidays) because the State
    #: Council notice for the year was not available: /health/ warns while a current or coming year
    #: is provisional, and importing the notice replaces it without --replace.
    provisional = models.BooleanField(
        _("provisional"),
        default=False,
        editable=False,
        help_text=_(
            "Monday–Friday working, no statutory holidays (entered for a demo): import the "
            "State Council notice."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Part of the calendar's version (services.sla): every save adds one, so the sum over the
    # table moves on any edit and every process reloads its copy of the calendar. A counter
    # rather than updated_at, whose maximum does not move when a clock is set back.
    edits = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(opens__isnull=True, closes__isnull=True)
                | Q(opens__isnull=False, closes__isnull=False, opens__lt=models.F("closes")),
                name="working_day_opens_before_closes",
            )
        ]

    def __str__(self) -> str:
        return self.date.isoformat()

    def save(self, *args, **kwargs) -> None:
        self.edits += 1
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "edits"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if (self.opens is None) != (self.closes is None):
            raise ValidationError(
                _("Give both the opening and the closing time, or neither for the usual hours.")
            )
        if self.opens is not None and not self.opens < self.closes:
            raise ValidationError({"closes": _("The closing time must be after the opening time.")})
        if self.opens is not None and not self.is_working:
            raise ValidationError(
                {"opens": _("A day off has no opening hours; clear them or make it a working day.")}
            )


class SlaPolicy(models.Model):
    """One SLA target: in business hours, or in working days of the calendar's day length."""

    class Code(models.TextChoices):
        STANDARD = "standard", _("Standard review")
        URGENT = "urgent", _("Urgent review (from ticket acceptance)")
        FILING = "filing", _("Carrier filing")
        QUALIFICATION = "qualification", _("Real-name qualification review")

    class Unit(models.TextChoices):
        BUSINESS_HOURS = "business_hours", _("business hours")
        WORKING_DAYS = "working_days", _("working days")

    code = models.CharField(_("code"), max_length=20, choices=Code.choices, unique=True)
    target_value = models.PositiveSmallIntegerField(_("target"), validators=[MinValueValidator(1)])
    target_unit = models.CharField(_("unit"), max_length=20, choices=Unit.choices)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(target_value__gte=1), name="sla_target_positive")
        ]

    def __str__(self) -> str:
        return f"{self.get_code_display()}: {self.target_value} {self.get_target_unit_display()}"

    def target(self, day_length: timedelta) -> timedelta:
        """Return the target as business time; a working day counts ``day_length`` (9 hours)."""
        if self.target_unit == self.Unit.WORKING_DAYS:
            return day_length * self.target_value
        return timedelta(hours=self.target_value)


class CalendarChange(models.Model):
    """One change of the business calendar or of an SLA target, and what it did to the clocks:
    the console's history of who changed what and how many due times moved."""

    class Kind(models.TextChoices):
        IMPORT = "import", _("Year imported")
        PROVISIONAL_REPLACED = "provisional_replaced", _("Provisional year replaced")
        DAY_EDITED = "day_edited", _("Day edited")
        POLICY_CHANGED = "policy_changed", _("SLA target changed")
        PAUSE_CHANGED = "pause_changed", _("Carrier filing pause changed")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    summary = models.TextField(_("what changed"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    clocks_checked = models.PositiveIntegerField(_("clocks checked"), default=0)
    clocks_moved = models.PositiveIntegerField(_("clocks moved"), default=0)
    due_times_known = models.PositiveIntegerField(_("pending due times now known"), default=0)
    breaches_cleared = models.PositiveIntegerField(_("breaches cleared"), default=0)

    class Meta:
        verbose_name = _("calendar change")
        verbose_name_plural = _("calendar changes")
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.summary[:60]}"
