"""What the carriers app does when the review kernel announces something (reviewportal.signals)."""

from __future__ import annotations

from carriers.models import CarrierFiling
from carriers.services import filings_create_for_approval


def filings_on_approval(sender, *, item, revision, **kwargs) -> None:
    """Receiver of ``item_approved``: for an item of a kind filed with the carriers, one queued
    filing per active carrier, in the approval's transaction; the submit message goes after
    the commit."""
    if CarrierFiling.kept_for(sender):
        filings_create_for_approval(item=item, revision=revision)
