"""The history of a customer's re-file: the transition names the customer and the carrier
reason the filing had, a dash when the carrier gave none."""

from __future__ import annotations

import pytest
from django_fsm_log.models import StateLog

from carriers.services import filing_refile_by_customer, filing_result_enter, filing_submit
from tests.carriers.conftest import fresh
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return StaffFactory(role="Support")


def _refile_log(filing) -> StateLog:
    (log,) = StateLog.objects.for_(filing).filter(transition="refile")
    return log


def test_a_re_file_of_a_rejection_names_the_customer_and_the_carrier_reason(
    filings, staff, customer
):
    filing = filings["cucc"]
    filing_submit(filing_id=filing.pk)
    filing_result_enter(filing=filing, user=staff, status="rejected", reason="CU-4007")
    filing_refile_by_customer(filing=fresh(filing), user=customer)
    log = _refile_log(filing)
    assert (log.source_state, log.state, log.by) == ("rejected", "queued", customer)
    assert log.description == "re-filed by the customer (carrier reason CU-4007)"


def test_a_re_file_of_a_clearance_without_a_reason_shows_a_dash(filings, staff, customer):
    filing = filings["cmcc"]
    filing_submit(filing_id=filing.pk)
    filing_result_enter(filing=filing, user=staff, status="registered")
    filing_result_enter(filing=filing, user=staff, status="cleared")
    assert fresh(filing).carrier_reason == ""
    filing_refile_by_customer(filing=fresh(filing), user=customer)
    log = _refile_log(filing)
    assert (log.source_state, log.by) == ("cleared", customer)
    assert log.description == "re-filed by the customer (carrier reason -)"
