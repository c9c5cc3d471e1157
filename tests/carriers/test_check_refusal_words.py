"""A result check of one filing that the carrier refuses is raised with the carrier's own
words (here: the ticket it does not know), and changes nothing."""

from __future__ import annotations

import pytest

from carriers.gateways import GatewayRefused
from carriers.models import StubFiling
from carriers.services import filing_check, filing_submit
from tests.carriers.conftest import fresh

pytestmark = pytest.mark.django_db


def test_a_refused_check_is_raised_with_the_carrier_s_words(filings):
    cmcc = filings["cmcc"]
    filing_submit(filing_id=cmcc.pk)
    ticket = fresh(cmcc).carrier_ticket_id
    StubFiling.objects.filter(ticket_id=ticket).delete()  # the carrier lost it
    with pytest.raises(GatewayRefused) as refused:
        filing_check(filing_id=cmcc.pk)
    assert str(refused.value) == f"unknown ticket {ticket}"
    assert fresh(cmcc).state == "submitted"
