"""A batch of carrier answers (``filings_results_record``): an answer about a filing that is
not ours, a ``pending`` one, one for another generation and one that does not fit the filing's
state change nothing and do not stop the answers after them; what changes is stamped with the
moment (its ``updated_at`` too, which the API's sync reads); only the active users of the
item's own account are told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from carriers.models import CarrierFiling
from carriers.services import filings_submit
from carriers.services.results import Result, filings_results_record
from reviewportal.models import Notification
from tests.carriers.conftest import fresh
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(filings):
    """The three filings of one approved signature, submitted."""
    batch = filings_submit(filing_ids=[f.pk for f in filings.values()])
    assert len(batch.submitted) == 3
    return {code: fresh(f) for code, f in filings.items()}


def test_answers_that_change_nothing_do_not_stop_the_rest(submitted):
    cmcc, cucc, ctcc = submitted["cmcc"], submitted["cucc"], submitted["ctcc"]
    not_ours = CarrierFiling.objects.order_by("-pk").first().pk + 1000
    changed = filings_results_record(
        results=[
            Result(filing_id=not_ours, status="registered"),
            Result(filing_id=cmcc.pk, status="pending"),
            Result(filing_id=cucc.pk, status="registered", generation=cucc.generation + 1),
            Result(filing_id=cmcc.pk, status="cleared"),  # a submitted filing is not cleared
            Result(filing_id=ctcc.pk, status="registered"),
        ]
    )
    assert changed == {ctcc.pk}
    assert [fresh(f).state for f in (cmcc, cucc, ctcc)] == ["submitted", "submitted", "registered"]


def test_a_recorded_answer_stamps_the_filing_with_the_moment(submitted, time_machine):
    ctcc = submitted["ctcc"]
    later = timezone.now() + timedelta(hours=2)
    time_machine.move_to(later, tick=False)
    filings_results_record(results=[Result(filing_id=ctcc.pk, status="rejected", reason="R1")])
    recorded = fresh(ctcc)
    assert (recorded.state, recorded.carrier_reason) == ("rejected", "R1")
    assert recorded.result_at == later
    assert recorded.updated_at == later


def test_only_the_active_users_of_the_items_account_are_told(submitted, customer, other_customer):
    colleague = CustomerFactory(account=customer.account, account_role="member")
    gone = CustomerFactory(account=customer.account, account_role="member", is_active=False)
    ctcc = submitted["ctcc"]
    filings_results_record(results=[Result(filing_id=ctcc.pk, status="registered")])
    told = set(Notification.objects.filter(kind="carrier").values_list("recipient", flat=True))
    assert told == {customer.pk, colleague.pk}
    assert gone.pk not in told and other_customer.pk not in told
