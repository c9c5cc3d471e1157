from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SignaturesConfig(AppConfig):
    name = "signatures"
    verbose_name = _("Signatures and qualifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from reviewportal.services.findings import register_findings_provider
        from signatures.models import Qualification, SignatureApplication
        from signatures.selectors import qualification_findings, signature_findings

        register_findings_provider(SignatureApplication, signature_findings)
        register_findings_provider(Qualification, qualification_findings)
