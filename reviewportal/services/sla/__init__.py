"""SLA (SPEC §6): the business calendar read from the WorkingDay table, the SLA clocks of review
items and carrier filings, their recompute when the calendar or a target changes, and the
periodic sweep that records breaches and flags items at risk.

The arithmetic is ``reviewportal.businesstime``'s; this package feeds it the table and the
policies. A clock whose walk needs a year the table does not cover is accepted with its due
time *pending* (never refused, never guessed) and computed when the year is entered.
"""

from reviewportal.services.sla.calendar import (
    business_calendar,
    business_tz,
    calendar_required,
)
from reviewportal.services.sla.clocks import (
    ClockKind,
    ClockTimes,
    SlaStatus,
    clock_calendar,
    clock_kind_register,
    clock_kinds,
    clock_times,
    pending_text,
    sla_clock_start,
    sla_clock_values,
    sla_due,
    sla_policy_get,
    sla_status,
)
from reviewportal.services.sla.recompute import (
    RecomputeResult,
    days_window,
    sla_clocks_recompute,
    sla_pending_recompute,
)
from reviewportal.services.sla.sweep import SweepReport, SweptItem, sla_sweep_run

__all__ = [
    "ClockKind",
    "ClockTimes",
    "RecomputeResult",
    "SlaStatus",
    "SweepReport",
    "SweptItem",
    "business_calendar",
    "business_tz",
    "calendar_required",
    "clock_calendar",
    "clock_kind_register",
    "clock_kinds",
    "clock_times",
    "days_window",
    "pending_text",
    "sla_clock_start",
    "sla_clock_values",
    "sla_clocks_recompute",
    "sla_due",
    "sla_pending_recompute",
    "sla_policy_get",
    "sla_status",
    "sla_sweep_run",
]
