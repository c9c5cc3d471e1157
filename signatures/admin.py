from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from console.admin_base import (
    LIFECYCLE_FIELDS,
    ReviewableAdmin,
    ServiceSaveAdmin,
    choice_column,
)
from console.queue import CarrierStateFilter
from reviewportal.validators import mask_id_number
from signatures.models import (
    Authorization,
    Material,
    NeutralWord,
    Qualification,
    SignatureApplication,
    Trademark,
)
from signatures.neutral_words import neutral_word_create, neutral_word_update


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


@admin.register(NeutralWord)
class NeutralWordAdmin(ServiceSaveAdmin):
    """The neutral words of the pre-check (SIG_NEUTRAL, SPEC §4), kept like the reason catalogue:
    every staff role reads the list, senior reviewers add words and disable or enable them (in
    the list, on a word's page or with the actions). A word is never deleted or reworded, so the
    history keeps which words were in force. Every save calls ``neutral_word_create`` or
    ``neutral_word_update``; the next pre-check uses the change."""

    list_display = ("word", "is_active", "note", "created_at")
    list_editable = ("is_active",)
    list_filter = ("is_active",)
    search_fields = ("word", "note")
    actions = ["disable_selected", "enable_selected"]
    readonly_fields = ("created_at",)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("word", "is_active", "note")
        return ("word", "is_active", "note", "created_at")

    def get_readonly_fields(self, request, obj=None):
        # A different word is a new row: the history then says which word was in force.
        return ("word", "created_at") if obj is not None else ()

    def save_model(self, request, obj, form, change):
        if change:
            self.service_save(
                obj,
                lambda: neutral_word_update(
                    neutral_word=obj, user=request.user, is_active=obj.is_active, note=obj.note
                ),
            )
        else:
            self.service_save(
                obj,
                lambda: neutral_word_create(
                    user=request.user, word=obj.word, note=obj.note, is_active=obj.is_active
                ),
            )

    def has_delete_permission(self, request, obj=None) -> bool:
        # Disable a word instead: its history stays.
        return False

    def _set_active(self, request, queryset, is_active: bool) -> int:
        changed = 0
        for word in queryset.order_by("pk"):
            if word.is_active != is_active:
                neutral_word_update(
                    neutral_word=word, user=request.user, is_active=is_active, note=word.note
                )
                changed += 1
        return changed

    @admin.action(description=_("Disable selected neutral words"), permissions=["change"])
    def disable_selected(self, request, queryset):
        n = self._set_active(request, queryset, False)
        self.message_user(
            request,
            ngettext("Disabled %(n)s neutral word.", "Disabled %(n)s neutral words.", n) % {"n": n},
            messages.SUCCESS,
        )

    @admin.action(description=_("Enable selected neutral words"), permissions=["change"])
    def enable_selected(self, request, queryset):
        n = self._set_active(request, queryset, True)
        self.message_user(
            request,
            ngettext("Enabled %(n)s neutral word.", "Enabled %(n)s neutral words.", n) % {"n": n},
            messages.SUCCESS,
        )
