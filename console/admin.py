import json

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from console.admin_base import ServiceSaveAdmin
from reviewportal.models import (
    AccessLog,
    Account,
    CalendarChange,
    Notification,
    ReasonCode,
    ReviewDecision,
    Revision,
    SlaPolicy,
    UrgentTicket,
    User,
    WorkingDay,
)
from reviewportal.services.calendar import sla_policy_update, working_day_update
from reviewportal.services.notification_links import notification_link
from reviewportal.services.sensitive import snapshot_masked


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Review Portal"), {"fields": ("account", "phone", "language")}),
    )
    list_display = ("username", "email", "account", "is_staff", "is_active", "last_login")
    list_filter = ("is_staff", "is_active", "groups", "language")
    list_select_related = ("account",)
    search_fields = ("username", "email", "first_name", "last_name", "account__name")


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("name", "public_id", "contact_email", "is_active", "created_at")
    search_fields = ("name", "public_id", "contact_email")
    readonly_fields = ("public_id", "created_at")


@admin.register(ReasonCode)
class ReasonCodeAdmin(admin.ModelAdmin):
    list_display = ("code", "title_zh", "title_en", "applies_to", "is_active", "sort_order")
    list_filter = ("applies_to", "is_active")
    list_editable = ("is_active", "sort_order")
    search_fields = ("code", "title_zh", "title_en")

    def has_delete_permission(self, request, obj=None) -> bool:
        # Decisions refer to reasons; retire a reason by deactivating it.
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "content_type", "object_id", "number", "submitted_by", "created_at")
    list_filter = ("content_type",)
    list_select_related = ("content_type", "submitted_by")
    # The snapshot's ID numbers are shown masked to every role; full numbers are only shown by
    # the review page's unmask button, which is logged.
    exclude = ("snapshot",)
    readonly_fields = ("masked_snapshot",)

    @admin.display(description=_("snapshot"))
    def masked_snapshot(self, obj: Revision) -> str:
        text = json.dumps(
            snapshot_masked(obj.snapshot), ensure_ascii=False, indent=2, cls=DjangoJSONEncoder
        )
        return format_html('<pre class="snapshot">{}</pre>', text)


@admin.register(ReviewDecision)
class ReviewDecisionAdmin(ReadOnlyAdmin):
    list_display = ("revision", "outcome", "reviewer", "created_at")
    list_filter = ("outcome",)
    list_select_related = ("revision", "reviewer")


@admin.register(UrgentTicket)
class UrgentTicketAdmin(ReadOnlyAdmin):
    """Support's list of urgent requests; each is answered on its item's review page, where the
    accept and decline buttons call the urgent-ticket services."""

    list_display = (
        "public_id",
        "item_link",
        "account",
        "state",
        "reason",
        "requested_by",
        "created_at",
        "handled_by",
    )
    list_filter = ("state",)
    list_select_related = ("account", "requested_by", "handled_by", "content_type")

    @admin.display(description=_("application"))
    def item_link(self, obj: UrgentTicket) -> str:

        ct = obj.content_type
        url = reverse(f"admin:{ct.app_label}_{ct.model}_change", args=[obj.object_id])
        return format_html('<a href="{}">{}</a>', url, _("Open the review page"))


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = (
        "shown_title",
        "item_link",
        "recipient",
        "kind",
        "created_at",
        "read_at",
        "emailed_at",
    )
    list_filter = ("kind",)
    list_select_related = ("recipient",)

    @admin.display(description=_("title"))
    def shown_title(self, obj: Notification) -> str:
        """In the reader's language (a notification is written in each)."""
        return obj.localized_title

    @admin.display(description=_("about"))
    def item_link(self, obj: Notification) -> str:
        link = notification_link(obj, staff=True)
        return format_html('<a href="{}">{}</a>', link, _("Open")) if link else "-"


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "user", "action", "content_type", "object_id", "detail", "ip_address")
    list_filter = ("action",)
    list_select_related = ("user", "content_type")

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("reviewportal.view_audit")


class YearFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = WorkingDay.objects.dates("date", "year", order="DESC")
        return [(str(d.year), str(d.year)) for d in years]

    def queryset(self, request, queryset):
        # Only a year as the choices write it: ``int()`` would read ``²`` as nothing and ``１``
        # as 1, and ``date__year`` refuses years outside 1–9999.
        value = self.value() or ""
        if len(value) == 4 and value.isascii() and value.isdigit() and value != "0000":
            return queryset.filter(date__year=int(value))
        return queryset


class WorkingDayListForm(forms.ModelForm):
    """A row of the calendar list (working flag and note)."""

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("is_working"):
            # A day off has no opening hours of its own: unticking "working day" in the list
            # makes it a day off altogether, as the day's own page would have to.
            self.instance.opens = self.instance.closes = None
        return cleaned


@admin.register(WorkingDay)
class WorkingDayAdmin(ServiceSaveAdmin):
    """The business calendar: the working flag and the note are edited in the list, a day's own
    opening hours (a half day, a late opening) on its page; whole years are entered with
    ``manage.py calendar_import``. Every save goes through ``working_day_update``: when the flag
    or the hours change, the open clocks that span the day are walked again at once (due times
    move, breaches that no longer are get cleared) and the calendar-change history records who
    changed what and how many clocks moved."""

    list_display = ("date", "weekday", "is_working", "hours", "note", "provisional")
    list_editable = ("is_working", "note")
    list_filter = (YearFilter, "is_working", "provisional")
    search_fields = ("note",)
    fields = ("date", "is_working", "opens", "closes", "note", "provisional", "updated_at")
    readonly_fields = ("date", "provisional", "updated_at")
    list_per_page = 100

    @admin.display(description=_("weekday"))
    def weekday(self, obj: WorkingDay) -> str:
        return date_format(obj.date, "l")

    @admin.display(description=_("opening hours"))
    def hours(self, obj: WorkingDay) -> str:
        if not obj.is_working:
            return "—"
        if obj.opens is None:
            return _("usual hours")
        return f"{obj.opens:%H:%M}–{obj.closes:%H:%M}"

    def get_changelist_form(self, request, **kwargs):
        kwargs.setdefault("form", WorkingDayListForm)
        return super().get_changelist_form(request, **kwargs)

    def save_model(self, request, obj, form, change):
        self.service_save(
            obj,
            lambda: working_day_update(
                day=obj,
                user=request.user,
                is_working=obj.is_working,
                note=obj.note,
                opens=obj.opens,
                closes=obj.closes,
            ),
        )

    def has_add_permission(self, request) -> bool:
        # A single added day would leave its year incomplete, hence uncovered: years are
        # entered whole by the import command.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting a day would make its whole year "not configured" and stop every submission.
        return False


@admin.register(SlaPolicy)
class SlaPolicyAdmin(ServiceSaveAdmin):
    """SLA targets (SPEC §6). Every save goes through ``sla_policy_update``: a changed target
    applies to the open clocks under the policy too (walked again from their own start) and is
    recorded in the calendar-change history."""

    list_display = ("code", "target_value", "target_unit", "updated_at")
    list_editable = ("target_value", "target_unit")
    readonly_fields = ("code", "updated_at")

    def save_model(self, request, obj, form, change):
        self.service_save(
            obj,
            lambda: sla_policy_update(
                policy=obj,
                user=request.user,
                target_value=obj.target_value,
                target_unit=obj.target_unit,
            ),
        )

    def has_add_permission(self, request) -> bool:
        # The code reads these four policies by name; another one would never be used.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CalendarChange)
class CalendarChangeAdmin(ReadOnlyAdmin):
    """Who changed the calendar, an SLA target or a carrier's filing pause, and what it did to
    the open clocks. Written only by the services that make those changes."""

    list_display = (
        "changed_at",
        "kind",
        "summary",
        "changed_by",
        "clocks_moved",
        "due_times_known",
        "breaches_cleared",
    )
    list_filter = ("kind",)
    list_select_related = ("changed_by",)
    search_fields = ("summary",)

    def has_view_permission(self, request, obj=None) -> bool:
        # Whoever may look at the calendar may see its history.
        user = request.user
        return super().has_view_permission(request, obj) or any(
            user.has_perm(f"reviewportal.{perm}_workingday") for perm in ("view", "change")
        )
