from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SignaturesConfig(AppConfig):
    name = "signatures"
    verbose_name = _("Signatures and qualifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from reviewportal.services.findings import register_findings_provider
        from reviewportal.services.notification_links import notification_pages_register
        from reviewportal.signals import revisions_created
        from signatures.models import Qualification, SignatureApplication
        from signatures.selectors import qualification_findings, signature_findings
        from signatures.services import materials_mark_in_revision

        # Materials a revision names are kept with the history (never purged as staged).
        revisions_created.connect(materials_mark_in_revision, dispatch_uid="materials-in-revision")
        register_findings_provider(SignatureApplication, signature_findings)
        register_findings_provider(Qualification, qualification_findings)
        # Notifications about these items link to their portal pages.
        notification_pages_register(
            SignatureApplication,
            detail="signatures:signature_detail",
            listing="signatures:signature_list",
        )
        notification_pages_register(
            Qualification,
            detail="signatures:qualification_detail",
            listing="signatures:qualification_list",
        )
