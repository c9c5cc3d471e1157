"""The filing clock in the console: where a carrier filing stands against its due time, as the
carrier-filings list and the review page show it."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.translation import gettext as _

from carriers.models import CarrierFiling, FilingState
from console.queue import pending_badge
from reviewportal.businesstime import BusinessCalendar, SlaState
from reviewportal.errors import ReviewError
from reviewportal.services.sla import SlaStatus, sla_status


def filing_status(
    filing: CarrierFiling, *, calendar: BusinessCalendar | None = None
) -> SlaStatus | None:
    """The filing's SLA status while it waits at the carrier (submitted), else None."""
    return sla_status(filing, calendar=calendar, running=filing.state == FilingState.SUBMITTED)


def filing_due_badge(filing: CarrierFiling, *, calendar: BusinessCalendar | None = None) -> str:
    """The due time of a filing waiting at the carrier (Beijing time), marked overdue once it
    has passed; the pending text when the due time waits for a year's calendar; a dash when the
    clock does not run."""
    try:
        status = filing_status(filing, calendar=calendar)
    except ReviewError as exc:
        return format_html('<span class="sla sla-error" title="{}">?</span>', exc.message)
    if status is None:
        return "—"
    if status.pending:
        return pending_badge(status)
    due = _("due %(due)s") % {"due": status.due_at.strftime("%Y-%m-%d %H:%M")}
    if status.state == SlaState.BREACHED:
        return format_html(
            '<span class="sla sla-breached filing-overdue">{} · {}</span>', _("Overdue"), due
        )
    return format_html('<span class="sla sla-on_track">{}</span>', due)
