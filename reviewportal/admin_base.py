"""Shared pieces of the reviewer console: read-only lifecycle fields, and admin actions that call
the lifecycle services item by item and report per item what happened."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from reviewportal.errors import ReviewError
from reviewportal.precheck import findings_from_dicts
from reviewportal.services.lifecycle import review_claim, review_release

LIFECYCLE_FIELDS = (
    "public_id",
    "findings",
    "state",
    "current_revision",
    "claimed_by",
    "claimed_at",
    "submitted_at",
    "decided_at",
    "created_by",
    "created_at",
    "updated_at",
)


def run_per_item(modeladmin, request, queryset, service, done_message) -> None:
    """Call ``service(item=…, user=…)`` for each selected item and report each outcome.
    ``done_message(n)`` words the summary of the items that succeeded."""
    ok = 0
    for item in queryset.order_by("pk"):
        try:
            service(item=item, user=request.user)
            ok += 1
        except ReviewError as exc:
            modeladmin.message_user(request, f"{item}: {exc.message}", messages.WARNING)
    if ok:
        modeladmin.message_user(request, done_message(ok), messages.SUCCESS)


def render_findings(findings: list[dict]) -> str:
    """Stored findings as a list for a reviewer, re-rendered in the reviewer's language."""
    if not findings:
        return format_html("<span>{}</span>", _("No findings"))
    rows = format_html_join(
        "",
        '<li class="finding finding-{}"><strong>{}</strong> <code>{}</code> {}</li>',
        (
            (f.severity, str(f.severity).upper(), f.code, f.message)
            for f in findings_from_dicts(findings)
        ),
    )
    return format_html('<ul class="findings">{}</ul>', rows)


class ReviewableAdmin(admin.ModelAdmin):
    """Base admin of everything under review: the lifecycle is changed only by actions that
    call the services, never by editing fields."""

    readonly_fields = LIFECYCLE_FIELDS
    list_select_related = ("account", "claimed_by")
    actions = ["claim_selected", "release_selected"]

    class Media:
        css = {"all": ["reviewportal/console.css"]}

    def has_add_permission(self, request) -> bool:
        # Applications are made by customers in the portal, not typed in by staff.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("automatic findings"))
    def findings(self, obj) -> str:
        revision = obj.current_revision
        return render_findings(revision.findings if revision else [])

    @admin.action(description=_("Claim selected items"))
    def claim_selected(self, request, queryset):
        run_per_item(
            self,
            request,
            queryset,
            review_claim,
            lambda n: ngettext("Claimed %(n)s item.", "Claimed %(n)s items.", n) % {"n": n},
        )

    @admin.action(description=_("Release selected items"))
    def release_selected(self, request, queryset):
        run_per_item(
            self,
            request,
            queryset,
            review_release,
            lambda n: ngettext("Released %(n)s item.", "Released %(n)s items.", n) % {"n": n},
        )
