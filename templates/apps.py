from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TemplatesConfig(AppConfig):
    name = "templates"
    label = "templates"
    verbose_name = _("SMS templates")
    default_auto_field = "django.db.models.BigAutoField"
