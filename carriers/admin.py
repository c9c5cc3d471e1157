from django.contrib import admin

from carriers.models import Carrier, CarrierFiling


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "is_active", "sort_order")
    list_editable = ("is_active", "sort_order")


@admin.register(CarrierFiling)
class CarrierFilingAdmin(admin.ModelAdmin):
    list_display = ("__str__", "carrier", "state", "availability", "attempts", "updated_at")
    list_filter = ("carrier", "state", "availability")
    list_select_related = ("carrier", "signature", "template")
    readonly_fields = [f.name for f in CarrierFiling._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
