from django.contrib import admin

from reviewportal.admin_base import LIFECYCLE_FIELDS, ReviewableAdmin
from templates.models import TemplateApplication


@admin.register(TemplateApplication)
class TemplateApplicationAdmin(ReviewableAdmin):
    list_display = (
        "public_id",
        "name",
        "kind",
        "industry",
        "account",
        "state",
        "submitted_at",
        "claimed_by",
    )
    list_filter = ("state", "kind", "industry")
    search_fields = ("public_id", "name", "content", "account__name")
    list_select_related = ("account", "claimed_by", "signature")
    fields = (
        *LIFECYCLE_FIELDS,
        "account",
        "signature",
        "name",
        "content",
        "kind",
        "industry",
        "remark",
    )
    readonly_fields = fields
