"""The business calendar table and the SLA targets (SPEC §6), both editable in the admin.

``WorkingDay`` holds one row per date of every covered year; ``reviewportal.services.sla`` builds
the ``BusinessCalendar`` from it. ``SlaPolicy`` holds the targets; their defaults are seeded by a
migration and are the only place the numbers live.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class WorkingDay(models.Model):
    """Whether one date is a working day (weekend make-up days included), with a note."""

    date = models.DateField(_("date"), unique=True)
    is_working = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=120, blank=True)
    #: Entered as a stop-gap (weekends only, no statutory holidays) because the State Council
    #: notice for the year was not available: /health/ warns while a current or coming year
    #: is provisional, and importing the notice replaces it without --replace.
    provisional = models.BooleanField(
        _("provisional"),
        default=False,
        editable=False,
        help_text=_("Weekends only, without the State Council's holidays: import the notice."),
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

    def __str__(self) -> str:
        return self.date.isoformat()

    def save(self, *args, **kwargs) -> None:
        self.edits += 1
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "edits"}
        super().save(*args, **kwargs)


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
