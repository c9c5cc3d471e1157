from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CarriersConfig(AppConfig):
    name = "carriers"
    verbose_name = _("Carriers")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from carriers.services.pauses import filing_clock_kind
        from reviewportal.services.sla import clock_kind_register

        clock_kind_register(filing_clock_kind())
