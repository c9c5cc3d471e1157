"""The outbox sweep, the China Telecom night window for test sends, and signature use."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from carriers.models import CarrierFiling, SignatureUsage, StubFiling
from carriers.services import (
    filing_check,
    filing_probe,
    filing_result_enter,
    filing_submit,
    filings_sweep,
    probe_allowed,
)
from tests.carriers.conftest import fresh
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_filings_sweep_resends_only_filings_left_queued(
    eager_tasks, filings, carrier_policy, later
):
    filing_submit(filing_id=filings["cmcc"].pk)
    # Fresh filings are the approval's own tasks' business; the sweep leaves them.
    assert filings_sweep() == 0
    later(seconds=carrier_policy["SWEEP_STALE_SECONDS"] + 1)
    # The two whose messages were lost are sent again (eagerly here) and submitted.
    assert filings_sweep() == 2
    states = set(CarrierFiling.objects.values_list("state", flat=True))
    assert states == {"submitted"}
    assert StubFiling.objects.count() == 3
    assert filings_sweep() == 0


@pytest.mark.parametrize(
    ("local", "allowed"),
    [
        ("2026-11-23T22:59:59+08:00", True),
        ("2026-11-23T23:00:00+08:00", False),
        ("2026-11-24T03:00:00+08:00", False),
        ("2026-11-24T06:59:59+08:00", False),
        ("2026-11-24T07:00:00+08:00", True),
        ("2026-11-23T16:00:00+00:00", False),  # 00:00 in Shanghai
    ],
)
def test_probe_allowed_never_ctcc_between_23_and_7_shanghai(local, allowed):
    assert probe_allowed("ctcc", at(local)) is allowed
    assert probe_allowed("cmcc", at(local)) is True
    assert probe_allowed("cucc", at(local)) is True


def test_quiet_hours_are_in_shanghai_time_when_the_server_runs_in_utc(settings):
    settings.TIME_ZONE = "UTC"
    # 15:30 UTC is 23:30 in Shanghai: quiet, whatever the server's zone; 23:30 UTC is 07:30.
    assert probe_allowed("ctcc", at("2026-11-23T15:30:00+00:00")) is False
    assert probe_allowed("ctcc", at("2026-11-23T23:30:00+00:00")) is True


def test_filing_probe_sends_nothing_to_ctcc_at_night(filings, later, time_machine):
    filing = filings["ctcc"]
    filing_submit(filing_id=filing.pk)
    time_machine.move_to(at("2026-12-07T23:30:00+08:00"), tick=False)
    assert filing_probe(filing=fresh(filing)) is None
    record = StubFiling.objects.get(ticket_id=fresh(filing).carrier_ticket_id)
    assert record.last_sent_at is None and fresh(filing).state == "submitted"
    time_machine.move_to(at("2026-12-08T09:00:00+08:00"), tick=False)
    assert filing_probe(filing=fresh(filing)) is True
    assert fresh(filing).state == record.outcome == "rejected"  # CT-E310, its manual review


def test_filing_check_of_cucc_waits_for_daytime_only_at_ctcc(monday_clock, filings, time_machine):
    for filing in filings.values():
        filing_submit(filing_id=filing.pk)
    time_machine.move_to(at("2026-12-07T23:30:00+08:00"), tick=False)
    # China Unicom cannot be queried; its test send may go out at night.
    assert filing_check(filing_id=filings["cucc"].pk) is True
    # China Telecom is queried (no test send needed).
    assert filing_check(filing_id=filings["ctcc"].pk) is True


@pytest.fixture
def registered(filings):
    """An approved signature registered (and active) with China Mobile: usable, so its use
    counts."""
    filing = filings["cmcc"]
    filing_submit(filing_id=filing.pk)
    staff = StaffFactory(role="Senior reviewer")
    filing_result_enter(filing=filing, user=staff, status="registered")
    return fresh(filing)


def test_usage_endpoint_needs_the_token(monday_clock, client, registered, carrier_policy):
    signature = registered.subject
    url = "/carriers/usage/"
    payload = {"signature": signature.public_id, "used_at": "2026-11-23T09:00:00+08:00"}
    assert client.post(url, payload, content_type="application/json").status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert (
        client.post(url, payload, content_type="application/json", headers=wrong).status_code == 401
    )
    good = {"Authorization": f"Bearer {carrier_policy['USAGE_TOKEN']}"}
    response = client.post(url, payload, content_type="application/json", headers=good)
    assert response.status_code == 200
    assert SignatureUsage.objects.get(signature=signature).last_used_at == at(payload["used_at"])
    # An older report does not move the last use back.
    older = {**payload, "used_at": "2026-11-01T09:00:00+08:00"}
    client.post(url, older, content_type="application/json", headers=good)
    assert SignatureUsage.objects.get(signature=signature).last_used_at == at(payload["used_at"])
    unknown = {**payload, "signature": "SIGNOPE"}
    assert (
        client.post(url, unknown, content_type="application/json", headers=good).status_code == 404
    )


def test_signature_used_command_records_the_use(monday_clock, registered):
    signature = registered.subject
    call_command("signature_used", signature.public_id, "--at", "2026-11-23T08:00:00+08:00")
    assert SignatureUsage.objects.get(signature=signature).last_used_at == at(
        "2026-11-23T08:00:00+08:00"
    )
    with pytest.raises(CommandError):
        call_command("signature_used", signature.public_id, "--at", "2026-11-23T08:00:00")
    with pytest.raises(CommandError):
        call_command("signature_used", "SIGNOPE")
