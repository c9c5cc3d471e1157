from django.contrib import admin

from console.admin_base import LIFECYCLE_FIELDS, ReviewableAdmin, choice_column
from console.queue import CarrierStateFilter
from templates.models import TemplateApplication


@admin.register(TemplateApplication)
class TemplateApplicationAdmin(ReviewableAdmin):
    list_display = (
        "public_id",
        "name",
        "kind_label",
        "industry_label",
        "account_name",
        "state_label",
        "sla",
        "submitted",
        "claimer",
    )
    kind_label = choice_column("kind", model=TemplateApplication)
    industry_label = choice_column("industry", model=TemplateApplication)
    extra_list_filter = ("kind", "industry", CarrierStateFilter)
    search_fields = ("public_id", "name", "content", "account__name")
    list_select_related = ("account", "claimed_by", "sla_policy", "signature")
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
