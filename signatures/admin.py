from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from reviewportal.admin_base import LIFECYCLE_FIELDS, ReviewableAdmin, choice_column
from reviewportal.console.queue import CarrierStateFilter
from reviewportal.validators import mask_id_number
from signatures.models import (
    Authorization,
    Material,
    Qualification,
    SignatureApplication,
    Trademark,
)


@admin.register(Qualification)
class QualificationAdmin(ReviewableAdmin):
    list_display = (
        "public_id",
        "name",
        "entity_kind_label",
        "account_name",
        "state_label",
        "sla",
        "submitted",
        "claimer",
    )
    entity_kind_label = choice_column("entity_kind", model=Qualification)
    extra_list_filter = ("entity_kind", "is_mainland")
    search_fields = ("public_id", "name", "uscc", "account__name")
    fields = (
        *LIFECYCLE_FIELDS,
        "account",
        "change_of",
        "entity_kind",
        "name",
        "uscc",
        "legal_rep_name",
        "legal_rep_id",
        "agent_name",
        "agent_id",
        "is_mainland",
        "license_valid_from",
        "license_valid_until",
        "verified_domains",
    )

    @admin.display(description=_("legal representative ID number"))
    def legal_rep_id(self, obj):
        return mask_id_number(obj.legal_rep_id_number)

    @admin.display(description=_("agent ID number"))
    def agent_id(self, obj):
        return mask_id_number(obj.agent_id_number)

    # ID numbers are always shown masked; the review page unmasks them on request for users
    # with the "view sensitive" permission, and logs it.
    readonly_fields = fields


@admin.register(SignatureApplication)
class SignatureApplicationAdmin(ReviewableAdmin):
    list_display = (
        "public_id",
        "content",
        "sig_type_label",
        "account_name",
        "state_label",
        "sla",
        "submitted",
        "claimer",
    )
    sig_type_label = choice_column("sig_type", model=SignatureApplication)
    extra_list_filter = ("sig_type", "purpose", CarrierStateFilter)
    search_fields = ("public_id", "content", "account__name", "qualification__name")
    list_select_related = ("account", "claimed_by", "sla_policy", "qualification")
    fields = (
        *LIFECYCLE_FIELDS,
        "account",
        "qualification",
        "sig_type",
        "content",
        "purpose",
        "authorization",
        "trademark",
        "use_case",
    )
    readonly_fields = fields


@admin.register(Trademark)
class TrademarkAdmin(admin.ModelAdmin):
    list_display = ("name", "registration_number", "owner_name", "qualification", "account")
    search_fields = ("name", "registration_number", "owner_name")
    list_select_related = ("qualification", "account")

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Authorization)
class AuthorizationAdmin(admin.ModelAdmin):
    list_display = ("partner_name", "qualification", "valid_from", "valid_until", "account")
    search_fields = ("partner_name", "partner_uscc")
    list_select_related = ("qualification", "account")
    exclude = ("partner_legal_rep_id_number",)

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Material)
class MaterialAdmin(admin.ModelAdmin):
    list_display = ("original_name", "kind", "mime_type", "size", "account", "created_at")
    list_filter = ("kind", "mime_type")
    list_select_related = ("account",)
    exclude = ("file",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
