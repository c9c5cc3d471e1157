"""Carrier filings in the reviewer console: read-only rows with their due time and the carrier's
reason explained, changed only through actions that call the services (re-file/retry, check
now, test send, enter a result, availability); carriers' filing pauses, entered, changed and
removed through the pause services; and the carrier-reason catalogue, kept through its
services."""

from __future__ import annotations

import logging
from contextvars import ContextVar

from django import forms
from django.contrib import admin, messages
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carriers.gateways import GatewayRefused, GatewayTransientError
from carriers.models import (
    Carrier,
    CarrierFiling,
    CarrierPause,
    CarrierReason,
    CustomerRefile,
    FilingAttempt,
    FilingState,
)
from carriers.selectors import carrier_reason_catalogue, carrier_reason_text, filing_label
from carriers.services import (
    FilingError,
    carrier_reason_create,
    carrier_reason_update,
    filing_availability_set,
    filing_check,
    filing_probe,
    filing_refile,
    filing_result_enter,
)
from carriers.services.pauses import carrier_pause_delete, carrier_pause_save
from console.admin_base import OneCalendarAdmin, ServiceSaveAdmin
from console.filings import filing_due_badge
from console.queue import current_calendar
from reviewportal.kinds import filed_kinds
from reviewportal.services.notification_links import item_label

logger = logging.getLogger("carriers.admin")


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "is_active", "sort_order")
    list_editable = ("is_active", "sort_order")


class FilingAttemptInline(admin.TabularInline):
    model = FilingAttempt
    extra = 0
    can_delete = False
    fields = (
        "generation",
        "number",
        "idempotency_key",
        "outcome",
        "error",
        "started_at",
        "finished_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class CustomerRefileInline(admin.TabularInline):
    """The customer's own re-files of the filing (``filing_refile_by_customer``)."""

    model = CustomerRefile
    extra = 0
    can_delete = False
    fields = ("requested_at", "requested_by", "from_state", "carrier_reason", "generation")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


#: The catalogue of the changelist being built (read once for the page, when a row needs it).
_page_catalogue: ContextVar[list | None] = ContextVar("carrier_reason_page", default=None)


def reason_explained(recorded: str) -> str:
    """A filing's carrier reason with the catalogue's explanation and next step, in the reader's
    language (the portal's snippet, ``carriers/_reason.html``); a dash when there is none."""
    if not (recorded or "").strip():
        return "—"
    box = _page_catalogue.get()
    if box is None:
        catalogue = carrier_reason_catalogue()
    else:
        if not box:
            box.append(carrier_reason_catalogue())
        catalogue = box[0]
    text = carrier_reason_text(recorded, catalogue=catalogue)
    return render_to_string("carriers/_reason.html", {"reason": text})


class ResultForm(forms.Form):
    status = forms.ChoiceField(
        label=_("carrier result"),
        choices=[
            ("registered", _("Registered")),
            ("rejected", _("Rejected by carrier")),
            ("cleared", _("Cleared by carrier")),
        ],
    )
    reason = forms.CharField(label=_("carrier reason"), max_length=200, required=False)


def _each(modeladmin, request, queryset, call, done_message, *, outcomes=None) -> None:
    """Call a service per filing and report per filing (never a bulk update). A filing is named
    by its item and carrier, never by its state (a registered filing the carrier did not answer
    about is not "registered: unreachable"). The carrier's own words go to the log, not to the
    page. ``outcomes`` maps what ``call`` returned to the message counting those filings
    (``done_message`` counts every call that did not return False)."""
    counts: dict = {}
    for filing in queryset.select_related("carrier").with_subjects():
        try:
            result = call(filing)
        except FilingError as exc:
            modeladmin.message_user(request, f"{filing_label(filing)}: {exc}", messages.WARNING)
            continue
        except (GatewayTransientError, GatewayRefused) as exc:
            logger.warning("carrier call about filing %s failed: %r", filing.pk, exc)
            if isinstance(exc, GatewayTransientError):
                text = _("%(filing)s: the carrier did not answer; it will be asked again "
                         "automatically.")  # fmt: skip
            else:
                text = _("%(filing)s: the carrier refused the request (its answer is in the log).")
            modeladmin.message_user(
                request, text % {"filing": filing_label(filing)}, messages.WARNING
            )
            continue
        key = result if outcomes else result is not False
        counts[key] = counts.get(key, 0) + 1
    for key, message in (outcomes or {True: done_message}).items():
        if counts.get(key):
            level = messages.SUCCESS if key is True else messages.INFO
            modeladmin.message_user(request, message % {"count": counts[key]}, level)


class FilingClockFilter(admin.SimpleListFilter):
    """Filings waiting at the carrier past their due time, or whose due time is pending (from
    the stored clock, no calendar walk)."""

    title = _("carrier due time")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("overdue", _("Overdue")), ("pending", _("Due time pending"))]

    def queryset(self, request, queryset):
        waiting = queryset.filter(state=FilingState.SUBMITTED)
        if self.value() == "overdue":
            return waiting.filter(due_at__lte=timezone.now())
        if self.value() == "pending":
            return waiting.filter(due_pending_year__isnull=False)
        return queryset


@admin.register(CarrierFiling)
class CarrierFilingAdmin(OneCalendarAdmin):
    list_display = (
        "__str__", "carrier", "state", "due", "availability", "usable", "attempts", "generation",
        "reason", "updated_at",
    )  # fmt: skip
    list_filter = ("carrier", "state", FilingClockFilter, "availability")
    list_select_related = ("carrier",)
    search_fields = ("carrier_ticket_id",)
    search_help_text = _("The public ID of a signature or template, or a carrier's ticket.")
    exclude = ("content_type", "object_id")  # shown as "item"
    readonly_fields = ["item"] + [
        name
        for field in CarrierFiling._meta.fields
        if field.name not in ("content_type", "object_id")
        for name in ((field.name, "reason") if field.name == "carrier_reason" else (field.name,))
    ]
    inlines = [FilingAttemptInline, CustomerRefileInline]
    actions = ["refile", "check_now", "send_test", "enter_result", "mark_active", "mark_inactive"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_subjects()

    def get_search_results(self, request, queryset, search_term):
        """The carrier's ticket (``search_fields``), or the public ID of the item filed."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            for kind in filed_kinds():
                items = kind.model._default_manager.filter(public_id__icontains=term)
                found |= queryset.of_items(kind.model, items.values("pk"))
        return found, may_have_duplicates

    @admin.display(description=_("item"))
    def item(self, obj: CarrierFiling) -> str:
        return item_label(obj.subject)

    def changelist_view(self, request, extra_context=None):
        token = _page_catalogue.set([])
        try:
            return super().changelist_view(request, extra_context=extra_context)
        finally:
            _page_catalogue.reset(token)

    @admin.display(description=_("carrier reason explained"), ordering="carrier_reason")
    def reason(self, obj: CarrierFiling) -> str:
        return reason_explained(obj.carrier_reason)

    @admin.display(boolean=True, description=_("usable"))
    def usable(self, obj: CarrierFiling) -> bool:
        return obj.is_usable

    @admin.display(description=_("carrier due time"), ordering="due_at")
    def due(self, obj: CarrierFiling) -> str:
        return filing_due_badge(obj, calendar=current_calendar.get())

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(
        description=_("File again / retry (rejected, cleared, failed)"), permissions=["change"]
    )
    def refile(self, request, queryset):
        _each(
            self, request, queryset,
            lambda f: filing_refile(filing=f, user=request.user),
            _("%(count)s filing(s) queued again."),
        )  # fmt: skip

    @admin.action(description=_("Ask the carrier for the result now"), permissions=["change"])
    def check_now(self, request, queryset):
        _each(
            self, request, queryset,
            lambda f: filing_check(filing_id=f.pk),
            _("%(count)s filing(s) checked."),
            outcomes={
                True: _("%(count)s filing(s) have a new result from the carrier."),
                False: _("%(count)s filing(s) checked: the carrier has no result yet."),
                None: _(
                    "%(count)s filing(s) not checked now: a filing is checked only while it "
                    "waits at a carrier, and at a carrier without a query service only by a "
                    "test send outside its quiet hours."
                ),
            },
        )  # fmt: skip

    @admin.action(description=_("Send a test message"), permissions=["change"])
    def send_test(self, request, queryset):
        def probe(filing):
            result = filing_probe(filing=filing)
            if result is None:
                raise FilingError(_("No test sends to this carrier at this hour."))
            return result

        _each(self, request, queryset, probe, _("%(count)s test message(s) sent."))

    @admin.action(description=_("Enter the carrier's result…"), permissions=["change"])
    def enter_result(self, request, queryset):
        if "apply" in request.POST:
            form = ResultForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                _each(
                    self, request, queryset,
                    lambda f: filing_result_enter(
                        filing=f, user=request.user, status=data["status"], reason=data["reason"]
                    ),
                    _("Result recorded for %(count)s filing(s)."),
                )  # fmt: skip
                return None
        else:
            form = ResultForm()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Enter the carrier's result"),
            "form": form,
            "filings": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/carriers/enter_result.html", context)

    @admin.action(description=_("Mark active on the carrier"), permissions=["change"])
    def mark_active(self, request, queryset):
        _each(
            self, request, queryset,
            lambda f: filing_availability_set(filing=f, user=request.user, active=True),
            _("%(count)s filing(s) marked active."),
        )  # fmt: skip

    @admin.action(description=_("Mark inactive on the carrier"), permissions=["change"])
    def mark_inactive(self, request, queryset):
        _each(
            self, request, queryset,
            lambda f: filing_availability_set(filing=f, user=request.user, active=False),
            _("%(count)s filing(s) marked inactive."),
        )  # fmt: skip


@admin.register(CarrierPause)
class CarrierPauseAdmin(ServiceSaveAdmin):
    """Days on which a carrier accepts no filings (Spring Festival). Entering, changing or
    removing a pause goes through the pause services: the carrier's filing clocks are walked
    again without the paused days, and the calendar-change history records it. Filings for a
    paused carrier stay queued until the day after the pause."""

    list_display = ("carrier", "starts_on", "ends_on", "note", "created_by", "created_at")
    list_filter = ("carrier",)
    list_select_related = ("carrier", "created_by")
    fields = ("carrier", "starts_on", "ends_on", "note", "created_by", "created_at")
    readonly_fields = ("created_by", "created_at")

    def save_model(self, request, obj, form, change):
        self.service_save(
            obj,
            lambda: carrier_pause_save(
                carrier=obj.carrier,
                starts_on=obj.starts_on,
                ends_on=obj.ends_on,
                note=obj.note,
                user=request.user,
                pause=obj if change else None,
            ),
        )

    def delete_model(self, request, obj):
        carrier_pause_delete(pause=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        # One service call per pause (never a bulk delete): each is recorded and walks its own
        # carrier's clocks again.
        for pause in queryset.order_by("pk"):
            carrier_pause_delete(pause=pause, user=request.user)


@admin.register(CarrierReason)
class CarrierReasonAdmin(ServiceSaveAdmin):
    """What each carrier reason code means and what the customer does next, in Chinese and
    English, kept like the rejection-reason catalogue: every staff role reads it, senior
    reviewers add entries and change them (in the list, on an entry's page). An entry is never
    deleted or recoded; deactivate it, and filings with its code show the generic texts. Every
    save calls ``carrier_reason_create`` or ``carrier_reason_update`` (audited)."""

    list_display = (
        "code", "carrier", "explanation_zh", "explanation_en", "is_active", "sort_order",
    )  # fmt: skip
    list_editable = ("is_active", "sort_order")
    list_filter = ("carrier", "is_active")
    list_select_related = ("carrier",)
    search_fields = ("code", "explanation_zh", "explanation_en", "next_step_zh", "next_step_en")
    fields = (
        "code", "carrier", "explanation_zh", "next_step_zh", "explanation_en", "next_step_en",
        "is_active", "sort_order",
    )  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        # Another code is another entry: the history then says which texts a code had.
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        texts = {
            name: getattr(obj, name)
            for name in ("explanation_zh", "explanation_en", "next_step_zh", "next_step_en")
        }
        if change:
            self.service_save(
                obj,
                lambda: carrier_reason_update(
                    reason=obj,
                    user=request.user,
                    carrier=obj.carrier,
                    is_active=obj.is_active,
                    sort_order=obj.sort_order,
                    **texts,
                ),
            )
        else:
            self.service_save(
                obj,
                lambda: carrier_reason_create(
                    user=request.user,
                    code=obj.code,
                    carrier=obj.carrier,
                    is_active=obj.is_active,
                    sort_order=obj.sort_order,
                    **texts,
                ),
            )
