from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _signature_documents(signature):
    """A signature's authorization letter and trademark certificate, where it has them."""
    if signature.authorization_id and signature.authorization.letter_id:
        yield signature.authorization.letter
    if signature.trademark_id and signature.trademark.certificate_id:
        yield signature.trademark.certificate


class SignaturesConfig(AppConfig):
    name = "signatures"
    verbose_name = _("Signatures and qualifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from reviewportal.kinds import RereviewSource, ReviewKind, kind_register
        from reviewportal.precheck import SIGNATURE
        from reviewportal.signals import item_approved, revisions_created
        from signatures.models import Qualification, SignatureApplication
        from signatures.rereview import SIGNATURE_FIELDS, SignatureInputs, signature_row_label
        from signatures.selectors import qualification_findings, signature_findings
        from signatures.services import materials_mark_in_revision, qualification_change_approved

        # Materials a revision names are kept with the history (never purged as staged).
        revisions_created.connect(materials_mark_in_revision, dispatch_uid="materials-in-revision")
        # An approved qualification change becomes the qualification in force.
        item_approved.connect(
            qualification_change_approved, sender=Qualification, dispatch_uid="change-approved"
        )
        kind_register(
            ReviewKind(
                model=Qualification,
                reason_scope="qualification",
                event_name="qualification",
                reason_label=_("Qualifications"),
                findings=qualification_findings,
                portal_detail="signatures:qualification_detail",
                portal_listing="signatures:qualification_list",
                qualification=lambda qualification: qualification,
            )
        )
        kind_register(
            ReviewKind(
                model=SignatureApplication,
                reason_scope="signature",
                event_name="signature",
                filed_with_carriers=True,
                reason_label=_("Signatures"),
                findings=signature_findings,
                portal_detail="signatures:signature_detail",
                portal_listing="signatures:signature_list",
                qualification=lambda signature: signature.qualification,
                related_materials=_signature_documents,
                rereview=RereviewSource(
                    run_kind="signatures",
                    run_label=_("Signatures"),
                    rule_kind=SIGNATURE,
                    fields=SIGNATURE_FIELDS,
                    inputs=SignatureInputs,
                    label=signature_row_label,
                ),
            )
        )
