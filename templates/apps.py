from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TemplatesConfig(AppConfig):
    name = "templates"
    label = "templates"
    verbose_name = _("SMS templates")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from reviewportal.services.findings import register_findings_provider
        from reviewportal.services.notification_links import notification_pages_register
        from templates.models import TemplateApplication
        from templates.selectors import template_findings

        register_findings_provider(TemplateApplication, template_findings)
        # Notifications about templates link to their portal pages.
        notification_pages_register(
            TemplateApplication,
            detail="templates:template_detail",
            listing="templates:template_list",
        )
