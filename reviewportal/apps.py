from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewPortalConfig(AppConfig):
    name = "reviewportal"
    verbose_name = _("Review Portal")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from reviewportal.audit import register_audited_models

        register_audited_models()
