"""Reads of carrier filings (SPEC §5)."""

from __future__ import annotations

from django.db.models import QuerySet

from carriers.models import CarrierFiling


def filings_of(item) -> QuerySet[CarrierFiling]:
    """The filings of a signature or template, current revision's generation first per carrier."""
    field = "signature" if type(item).__name__ == "SignatureApplication" else "template"
    return (
        CarrierFiling.objects.filter(**{field: item})
        .select_related("carrier")
        .order_by("carrier__sort_order", "-revision_id")
    )


def readiness_of(item) -> dict[str, bool]:
    """Per carrier code: whether the item can be used there now — its latest filing with that
    carrier ``is_usable`` (registered and active; seed 003: usable on the carriers that
    approved it)."""
    ready: dict[str, bool] = {}
    for filing in filings_of(item):
        ready.setdefault(filing.carrier.code, filing.is_usable)
    return ready
