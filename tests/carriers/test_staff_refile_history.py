"""A re-file by staff or by the system, in the words and rows a caller sees: a filing that is
not rejected, cleared or failed is refused naming its state, and the history of a re-file says
"filed again" and who did it (nobody for the system)."""

from __future__ import annotations

import pytest
from django_fsm_log.models import StateLog

from carriers.services import FilingError, filing_refile, filing_result_enter, filing_submit
from tests.carriers.conftest import fresh
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return StaffFactory(role="Support")


@pytest.fixture
def rejected(filings, staff):
    filing = filings["cmcc"]
    filing_submit(filing_id=filing.pk)
    filing_result_enter(filing=filing, user=staff, status="rejected", reason="CM-E310")
    return fresh(filing)


def test_a_queued_filing_is_not_filed_again_and_the_refusal_names_its_state(filings, staff):
    queued = filings["cmcc"]
    with pytest.raises(FilingError) as refused:
        filing_refile(filing=queued, user=staff)
    assert str(refused.value) == (
        "Only rejected, cleared or failed filings can be filed again; this one is Queued."
    )
    assert (fresh(queued).state, fresh(queued).generation) == ("queued", 1)


def test_a_registered_filing_is_not_filed_again_by_the_system(filings, staff):
    filing = filings["cucc"]
    filing_submit(filing_id=filing.pk)
    filing_result_enter(filing=filing, user=staff, status="registered")
    with pytest.raises(FilingError) as refused:
        filing_refile(filing=filing, user=None)
    assert str(refused.value) == (
        "Only rejected, cleared or failed filings can be filed again; this one is Registered."
    )


def test_a_staff_re_file_is_recorded_as_filed_again_by_that_person(rejected, staff):
    refiled = filing_refile(filing=rejected, user=staff)
    assert (refiled.state, refiled.generation) == ("queued", 2)
    (log,) = StateLog.objects.for_(rejected).filter(state="queued", transition="refile")
    assert (log.source_state, log.description, log.by) == ("rejected", "filed again", staff)


def test_a_system_re_file_is_recorded_as_filed_again_by_nobody(rejected):
    filing_refile(filing=rejected, user=None)
    (log,) = StateLog.objects.for_(rejected).filter(state="queued", transition="refile")
    assert (log.description, log.by) == ("filed again", None)
