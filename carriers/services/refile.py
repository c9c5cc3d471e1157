"""A customer's re-file of a filing the carrier rejected or cleared (SPEC §5: "a cleared filing
is filed again with one click"; a rejected one once the customer fixed what the carrier asked).
Staff re-files (also of failed filings, without limits) are ``staff.filing_refile``."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carriers.models import CarrierFiling, CustomerRefile
from carriers.rules import RefileHistory, RefileRefusal, customer_refile_refusal
from carriers.selectors import refile_histories
from carriers.services.common import FilingError, item_of, lock
from carriers.services.forwarding import submit_on_commit
from reviewportal.models import User


class RefileRefused(FilingError):
    """A customer's re-file that was not carried out; the message says why, ``refusal.code``
    which rule refused it."""

    def __init__(self, refusal: RefileRefusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


def filing_refile_by_customer(*, filing: CarrierFiling, user: User) -> CarrierFiling:
    """File a rejected or cleared filing again for a customer who fixed what the carrier asked.

    Effects, in order: the filing's item, then the filing, are locked; the customer's limits
    are checked (``carriers.rules.customer_refile_refusal``: a user of the item's own account;
    a rejected or cleared filing; an item still usable; at most
    ``CUSTOMER_REFILE["MAX_PER_DAY"]`` re-files of the filing per day, Beijing time, and
    ``MIN_WAIT_SECONDS`` between two), refusing with ``RefileRefused`` and writing nothing;
    the filing goes to ``queued`` with the next generation (a new idempotency key, attempts
    and the carrier's answer cleared), its transition log row naming the customer; a
    ``CustomerRefile`` row records who, when, the state and the carrier reason it had (what
    the limits count); after commit, the filing is handed to the forwarding task (the outbox:
    the sweep sends it should the message be lost)."""
    with transaction.atomic():
        now = timezone.now()
        filing = _lock_for_refile(filing.pk)
        item = item_of(filing)
        history = refile_histories([filing.pk], now=now).get(filing.pk, RefileHistory())
        refusal = customer_refile_refusal(
            filing=filing, item=item, user=user, history=history, now=now
        )
        if refusal is not None:
            raise RefileRefused(refusal)
        from_state, reason = filing.state, filing.carrier_reason
        filing.refile(
            by=user,
            description=_("re-filed by the customer (carrier reason %(reason)s)")
            % {"reason": reason or "-"},
        )
        filing.save()
        CustomerRefile.objects.create(
            filing=filing,
            requested_by=user,
            requested_at=now,
            from_state=from_state,
            carrier_reason=reason,
            generation=filing.generation,
        )
        submit_on_commit([filing.pk])
        return filing


def _lock_for_refile(filing_id: int) -> CarrierFiling:
    """Lock the filing's item, then the filing (read with its item and account): the order of
    the lifecycle's services, which lock the item (a revocation, a suspension) before they touch
    its filings, so that a re-file and a revocation cannot both go through."""
    keys = CarrierFiling.objects.values("content_type_id", "object_id").get(pk=filing_id)
    model = ContentType.objects.get_for_id(keys["content_type_id"]).model_class()
    model._default_manager.select_for_update().get(pk=keys["object_id"])
    return lock(filing_id)
