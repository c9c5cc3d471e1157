from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save
        from django_fsm.signals import post_transition

        from carriers.models import CarrierFiling
        from reviewportal.history_batch import transition_batch_hook_register
        from reviewportal.models import UrgentTicket
        from webhooks import receivers
        from webhooks.services.events import events_batch

        # Events are written in the transaction of the transition that causes them: review
        # items (any registered kind with an event name), carrier filings, urgent tickets.
        post_transition.connect(receivers.review_event, dispatch_uid="webhooks-review-events")
        post_transition.connect(
            receivers.filing_transitioned,
            sender=CarrierFiling,
            dispatch_uid="webhooks-filing-events",
        )
        post_save.connect(
            receivers.filing_saved, sender=CarrierFiling, dispatch_uid="webhooks-filing-saved"
        )
        post_transition.connect(
            receivers.ticket_event, sender=UrgentTicket, dispatch_uid="webhooks-ticket-events"
        )
        # A batch of transitions (bulk re-review, carrier batches) writes its events together.
        transition_batch_hook_register(events_batch)
