"""What the stub carriers' own ledger must show after a run of real workers: each filing's
revision filed exactly once with its carrier, under the ticket and with the outcome the filing
records."""

from __future__ import annotations

from collections import Counter

from carriers.models import StubFiling


def assert_each_filed_once(filings, *, expected: int) -> list[StubFiling]:
    """``filings`` (signature filings) were filed once each; returns the ledger's records."""
    records = list(StubFiling.objects.filter(subject_public_id__startswith="SIG"))
    per_filing = Counter((r.carrier_code, r.revision_id) for r in records)
    assert len(per_filing) == expected and set(per_filing.values()) == {1}
    by_ticket = {r.ticket_id: r for r in records}
    for filing in filings.select_related("carrier"):
        record = by_ticket[filing.carrier_ticket_id]
        assert (record.carrier_code, record.revision_id) == (
            filing.carrier.code,
            filing.revision_id,
        )
        assert record.outcome == filing.state
    return records
