"""Writes for carrier filings (SPEC §5)."""

from __future__ import annotations

from django.db import transaction

from carriers.models import Carrier, CarrierFiling
from reviewportal.models import Revision


@transaction.atomic
def filings_create_for_approval(*, item, revision: Revision) -> list[CarrierFiling]:
    """Create one queued filing per active carrier for an approved signature or template
    revision, in the approval's own transaction (the outbox). Idempotent: a filing that already
    exists for (carrier, revision) is kept, never duplicated."""
    field = "signature" if type(item).__name__ == "SignatureApplication" else "template"
    filings = []
    for carrier in Carrier.objects.filter(is_active=True).order_by("sort_order", "code"):
        filing, _created = CarrierFiling.objects.get_or_create(
            carrier=carrier, revision=revision, defaults={field: item}
        )
        filings.append(filing)
    return filings
