from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TemplatesConfig(AppConfig):
    name = "templates"
    label = "templates"
    verbose_name = _("SMS templates")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from reviewportal.kinds import RereviewSource, ReviewKind, kind_register
        from reviewportal.precheck import TEMPLATE
        from templates.models import TemplateApplication
        from templates.rereview import TEMPLATE_FIELDS, TemplateInputs, template_row_label
        from templates.selectors import template_findings

        kind_register(
            ReviewKind(
                model=TemplateApplication,
                reason_scope="template",
                event_name="template",
                filed_with_carriers=True,
                reason_label=_("Templates"),
                findings=template_findings,
                portal_detail="templates:template_detail",
                portal_listing="templates:template_list",
                qualification=lambda template: template.signature.qualification,
                rereview=RereviewSource(
                    run_kind="templates",
                    run_label=_("Templates"),
                    rule_kind=TEMPLATE,
                    fields=TEMPLATE_FIELDS,
                    inputs=TemplateInputs,
                    label=template_row_label,
                ),
            )
        )
