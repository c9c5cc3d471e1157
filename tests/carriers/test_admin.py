"""Carrier filings in the reviewer console: actions call the services, per filing."""

from __future__ import annotations

import pytest

from carriers.models import CarrierFiling
from carriers.services import filing_result_enter, filing_submit
from tests.carriers.conftest import fresh
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

URL = "/admin/carriers/carrierfiling/"


@pytest.fixture
def senior_client(client):
    staff = StaffFactory(role="Senior reviewer")
    client.force_login(staff)
    client.user = staff
    return client


def act(client, action, filings, **extra):
    data = {"action": action, "_selected_action": [f.pk for f in filings], **extra}
    return client.post(URL, data, follow=True)


def test_filings_list_shows_state_and_readiness(senior_client, filings):
    response = senior_client.get(URL)
    assert response.status_code == 200
    assert filings["cmcc"].signature.public_id in response.content.decode()


def test_refile_action_queues_a_rejected_filing_again(senior_client, filings):
    filing = filings["cmcc"]
    filing_submit(filing_id=filing.pk)
    filing_result_enter(filing=filing, user=senior_client.user, status="rejected", reason="CM-E310")
    response = act(senior_client, "refile", [filing, filings["cucc"]])
    assert response.status_code == 200
    assert fresh(filing).state == "queued" and fresh(filing).generation == 2
    # The queued one is refused with a message of its own, not silently changed.
    assert fresh(filings["cucc"]).generation == 1
    assert "can be filed again" in response.content.decode() or "重新" in response.content.decode()


def test_enter_result_action_asks_then_records(senior_client, filings):
    filing = filings["cmcc"]
    filing_submit(filing_id=filing.pk)
    page = act(senior_client, "enter_result", [filing])
    assert page.status_code == 200 and 'name="status"' in page.content.decode()
    act(senior_client, "enter_result", [filing], apply="1", status="registered", reason="")
    assert fresh(filing).state == "registered" and fresh(filing).is_usable


def test_reviewers_cannot_run_filing_actions(client, filings):
    client.force_login(StaffFactory(role="Reviewer"))
    filing_submit(filing_id=filings["cmcc"].pk)
    act(client, "enter_result", [filings["cmcc"]], apply="1", status="registered")
    assert CarrierFiling.objects.get(pk=filings["cmcc"].pk).state == "submitted"
