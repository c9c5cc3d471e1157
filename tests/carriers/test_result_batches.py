"""Recording a batch of carriers' answers (``filings_results_record``): a batch of clearances or
rejections reads the carrier-reason catalogue once, however many filings it tells customers
about, so its queries do not grow with the batch; each customer is still told in their words, the
notification filed under the item's account."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carriers.models import CarrierFiling
from carriers.services import Result, filing_result_enter, filing_submit, filings_results_record
from reviewportal.models import Notification
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_cmcc(approve):
    """``on_cmcc(n, status)``: the China Mobile filings of n new approved signatures,
    submitted, and registered too when ``status`` is "registered"."""
    staff = StaffFactory(role="Support")

    def make(n: int, status: str) -> list[CarrierFiling]:
        filings = []
        for _ in range(n):
            filing = CarrierFiling.objects.of(approve()).get(carrier__code="cmcc")
            filing_submit(filing_id=filing.pk)
            if status == "registered":
                filing_result_enter(filing=filing, user=staff, status="registered")
            filings.append(filing)
        return filings

    return make


def _queries(results: list[Result]) -> int:
    with CaptureQueriesContext(connection) as captured:
        changed = filings_results_record(results=results)
    assert changed == {r.filing_id for r in results}
    return len(captured)


@pytest.mark.parametrize(
    ("before", "status", "reason"),
    [("registered", "cleared", "CM-C900"), ("submitted", "rejected", "CM-E310")],
)
def test_a_batch_of_clearances_or_rejections_reads_the_catalogue_once(
    on_cmcc, customer, before, status, reason
):
    small, large = on_cmcc(1, before), on_cmcc(3, before)
    one = _queries([Result(f.pk, status, reason) for f in small])
    three = _queries([Result(f.pk, status, reason) for f in large])
    assert three == one
    told = Notification.objects.filter(recipient=customer, kind="carrier").order_by("-pk")[:4]
    assert all(n.text_in("en")[1].endswith(f"(carrier reason {reason})") for n in told)
    assert {n.account_id for n in told} == {customer.account_id}
