"""Staff mark a registered filing inactive and then active again: the flag is stored each time,
and the item is usable there again once it is active."""

from __future__ import annotations

import pytest

from carriers.services import filing_availability_set, filing_result_enter, filing_submit
from tests.carriers.conftest import fresh
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def test_a_filing_marked_inactive_and_then_active_is_usable_again(filings):
    staff = StaffFactory(role="Support")
    cmcc = filings["cmcc"]
    filing_submit(filing_id=cmcc.pk)
    filing_result_enter(filing=cmcc, user=staff, status="registered")
    assert filing_availability_set(filing=cmcc, user=staff, active=False).availability == (
        "inactive"
    )
    assert (fresh(cmcc).availability, fresh(cmcc).is_usable) == ("inactive", False)
    assert filing_availability_set(filing=cmcc, user=staff, active=True).availability == "active"
    assert (fresh(cmcc).availability, fresh(cmcc).is_usable) == ("active", True)
