from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from reviewportal.models import (
    AccessLog,
    Account,
    Notification,
    ReasonCode,
    ReviewDecision,
    Revision,
    SlaPolicy,
    UrgentTicket,
    User,
    WorkingDay,
)


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
        from django.urls import reverse
        from django.utils.html import format_html

        ct = obj.content_type
        url = reverse(f"admin:{ct.app_label}_{ct.model}_change", args=[obj.object_id])
        return format_html('<a href="{}">{}</a>', url, _("Open the review page"))


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("title", "recipient", "kind", "created_at", "read_at", "emailed_at")
    list_filter = ("kind",)
    list_select_related = ("recipient",)


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
        if self.value():
            return queryset.filter(date__year=int(self.value()))
        return queryset


@admin.register(WorkingDay)
class WorkingDayAdmin(admin.ModelAdmin):
    """The business calendar: flags and notes are edited here; whole years are entered with
    ``manage.py calendar_import``. An edit is seen by every process on its next due-time
    computation; due times already computed stay as they were."""

    list_display = ("date", "weekday", "is_working", "note", "provisional")
    list_editable = ("is_working", "note")
    list_filter = (YearFilter, "is_working", "provisional")
    search_fields = ("note",)
    readonly_fields = ("date", "provisional", "updated_at")
    list_per_page = 100

    @admin.display(description=_("weekday"))
    def weekday(self, obj: WorkingDay) -> str:
        return date_format(obj.date, "l")

    def has_add_permission(self, request) -> bool:
        # A single added day would leave its year incomplete, hence uncovered: years are
        # entered whole by the import command.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting a day would make its whole year "not configured" and stop every submission.
        return False


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    """SLA targets (SPEC §6). A change applies to clocks started after it."""

    list_display = ("code", "target_value", "target_unit", "updated_at")
    list_editable = ("target_value", "target_unit")
    readonly_fields = ("code", "updated_at")

    def has_add_permission(self, request) -> bool:
        # The code reads these four policies by name; another one would never be used.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
