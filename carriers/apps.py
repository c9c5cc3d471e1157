from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CarriersConfig(AppConfig):
    name = "carriers"
    verbose_name = _("Carriers")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from carriers.services.pauses import filing_clock_kind
        from reviewportal.audit import audit_options
        from reviewportal.services.sla import clock_kind_register

        clock_kind_register(filing_clock_kind())
        # An approved item of a kind registered ``filed_with_carriers`` is filed with every
        # active carrier, in the approval's transaction.
        from carriers.receivers import filings_on_approval
        from reviewportal.signals import item_approved

        item_approved.connect(filings_on_approval, dispatch_uid="carrier-filings")
        # The carrier-reason catalogue's history, as the rejection reasons' (reviewportal.audit):
        # every create and change, by whom, with the texts before and after.
        reason = self.get_model("CarrierReason")
        if not auditlog.contains(reason):
            auditlog.register(reason, **audit_options(reason, {}))
