"""The queue: the changelist of each kind of item, in queue order (urgent first, then due
time), with the SLA badge, its filters, and a paginator that never counts the whole table."""

from __future__ import annotations

from contextvars import ContextVar

from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carriers.models import CarrierFiling, FilingState
from reviewportal.businesstime import SlaState
from reviewportal.errors import ReviewError
from reviewportal.identifiers import parse_row_id
from reviewportal.models import Account
from reviewportal.models.lifecycle import QUEUE_ORDERING, QUEUE_STATES, ReviewState
from reviewportal.services.sla import sla_status

__all__ = ["QUEUE_ORDERING"]

#: The business calendar of the request being rendered: read once per page, not once per row.
current_calendar: ContextVar = ContextVar("current_calendar", default=None)

#: Counting stops here: past it the page says "10000+" instead of scanning every matching row.
COUNT_CAP = 10_000


class CappedCountPaginator(Paginator):
    """Counts at most ``COUNT_CAP + 1`` rows (``SELECT COUNT(*) FROM (… LIMIT n)``), so a page
    load never counts a million-row table."""

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: COUNT_CAP + 1].count()

    def page(self, number):
        """Find the page's ids with a narrow query (the sort then carries four columns, not
        every column of every joined table for each waiting row), then read those rows with
        their related rows by primary key."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        ids = list(self.object_list.values_list("pk", flat=True)[bottom : bottom + self.per_page])
        rows = self.object_list.order_by().filter(pk__in=ids).in_bulk(ids) if ids else {}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)


def business_hours_text(delta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(h)sh %(m)02dm") % {"h": hours, "m": minutes}
    return _("%(m)sm") % {"m": minutes}


SLA_LABELS = {
    SlaState.ON_TRACK: gettext_lazy("On track"),
    SlaState.AT_RISK: gettext_lazy("At risk"),
    SlaState.BREACHED: gettext_lazy("Breached"),
    SlaState.PENDING: gettext_lazy("Due time pending"),
}


def pending_badge(status) -> str:
    """The neutral badge of a clock whose due time waits for a year's calendar."""
    return format_html('<span class="sla sla-pending">{}</span>', status.pending_text)


def sla_badge(item) -> str:
    """The SLA badge of one row: state and remaining business time (or the due time); the
    pending text when the due time waits for a year the calendar does not have."""

    try:
        status = sla_status(item, calendar=current_calendar.get())
    except ReviewError as exc:
        return format_html('<span class="sla sla-error" title="{}">?</span>', exc.message)
    if status is None:
        return "—"
    urgent = (
        format_html('<span class="badge badge-urgent">{}</span> ', _("Urgent"))
        if status.is_urgent
        else ""
    )
    if status.pending:
        return format_html("{}{}", urgent, pending_badge(status))
    if status.state == SlaState.BREACHED:
        detail = _("due %(due)s") % {"due": status.due_at.strftime("%m-%d %H:%M")}
    else:
        detail = _("%(left)s left, due %(due)s") % {
            "left": business_hours_text(status.remaining),
            "due": status.due_at.strftime("%m-%d %H:%M"),
        }
    return format_html(
        '{}<span class="sla sla-{}" title="{}">{} · {}</span>',
        urgent,
        status.state,
        status.due_at.strftime("%Y-%m-%d %H:%M"),
        SLA_LABELS[status.state],
        detail,
    )


class QueueStateFilter(admin.SimpleListFilter):
    """Review status; without a choice the queue shows what waits for a reviewer."""

    title = gettext_lazy("review status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("all", _("All")), *ReviewState.choices]

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("In the queue"),
        }
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == str(value),
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset.filter(state__in=QUEUE_STATES)
        if value == "all":
            return queryset
        return queryset.filter(state=value)


class SlaStateFilter(admin.SimpleListFilter):
    """SLA state from the stored clock: ``at_risk_at``, ``due_at`` and ``due_pending_year``
    (no calendar walk)."""

    title = gettext_lazy("SLA")
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return [(str(k), v) for k, v in SLA_LABELS.items()]

    def queryset(self, request, queryset):
        now = timezone.now()
        value = self.value()
        if value == SlaState.PENDING:
            return queryset.filter(state__in=QUEUE_STATES, due_pending_year__isnull=False)
        open_items = queryset.filter(state__in=QUEUE_STATES, due_at__isnull=False)
        if value == SlaState.BREACHED:
            return open_items.filter(due_at__lte=now)
        if value == SlaState.AT_RISK:
            return open_items.filter(due_at__gt=now, at_risk_at__lte=now)
        if value == SlaState.ON_TRACK:
            return open_items.filter(due_at__gt=now).filter(
                Q(at_risk_at__gt=now) | Q(at_risk_at__isnull=True)
            )
        return queryset


class ClaimFilter(admin.SimpleListFilter):
    title = gettext_lazy("claim")
    parameter_name = "claim"

    def lookups(self, request, model_admin):
        return [("mine", _("Claimed by me")), ("unclaimed", _("Unclaimed"))]

    def queryset(self, request, queryset):
        if self.value() == "mine":
            return queryset.filter(claimed_by=request.user)
        if self.value() == "unclaimed":
            return queryset.filter(claimed_by__isnull=True)
        return queryset


class AccountFilter(admin.SimpleListFilter):
    """One account's items. A platform has thousands of accounts, too many to list: the account
    name in each row links here, and the filter shows the account chosen."""

    title = gettext_lazy("account")
    parameter_name = "account"

    def lookups(self, request, model_admin):
        pk = parse_row_id(self.value())
        if pk is None:
            return []
        return list(Account.objects.filter(pk=pk).values_list("pk", "name"))

    def has_output(self) -> bool:
        return bool(self.lookup_choices)

    def queryset(self, request, queryset):
        # A value that names no account (``²``, ``abc``) is ignored, as an unknown choice is.
        pk = parse_row_id(self.value())
        if pk is not None:
            return queryset.filter(account_id=pk)
        return queryset


class CarrierStateFilter(admin.SimpleListFilter):
    """Items with at least one carrier filing in the chosen state."""

    title = gettext_lazy("carrier filing")
    parameter_name = "filing"

    def lookups(self, request, model_admin):

        return FilingState.choices

    def queryset(self, request, queryset):
        if not self.value():
            return queryset

        return queryset.filter(
            Exists(
                CarrierFiling.objects.of_items(queryset.model, [OuterRef("pk")]).filter(
                    state=self.value()
                )
            )
        )
