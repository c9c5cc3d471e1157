from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("Customer API")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The schema's API key scheme registers itself when its module is imported.
        from api import schema  # noqa: F401
