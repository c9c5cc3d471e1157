"""The signed carrier callback: HMAC, timestamp window and nonce replay protection."""

from __future__ import annotations

import json
import secrets
import time
import uuid

import pytest

from carriers.models import CallbackNonce
from carriers.services import callback_signature, filing_submit
from tests.carriers.conftest import fresh

pytestmark = pytest.mark.django_db

SECRET = secrets.token_hex(16)


@pytest.fixture
def submitted(filings, carrier_policy):
    carrier_policy["CALLBACK_SECRETS"]["cmcc"] = SECRET
    filing = filings["cmcc"]
    filing_submit(filing_id=filing.pk)
    return fresh(filing)


def post(client, body: dict, *, secret=SECRET, timestamp=None, nonce=None, carrier="cmcc"):
    raw = json.dumps(body).encode()
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or uuid.uuid4().hex
    return client.post(
        f"/carriers/callback/{carrier}/",
        data=raw,
        content_type="application/json",
        headers={
            "X-Carrier-Timestamp": timestamp,
            "X-Carrier-Nonce": nonce,
            "X-Carrier-Signature": callback_signature(
                secret=secret, timestamp=timestamp, nonce=nonce, body=raw
            ),
        },
    )


def body(filing, status="registered", reason=""):
    return {"ticket_id": filing.carrier_ticket_id, "status": status, "reason": reason}


def test_callback_valid_moves_the_state_once(client, submitted):
    response = post(client, body(submitted))
    assert response.status_code == 200 and response.json()["changed"] is True
    assert fresh(submitted).state == "registered"
    again = post(client, body(submitted))  # a new nonce, the same news
    assert again.status_code == 200 and again.json()["changed"] is False
    from django_fsm_log.models import StateLog

    assert StateLog.objects.for_(submitted).filter(state="registered").count() == 1


def test_callback_with_a_wrong_signature_is_refused(client, submitted):
    response = post(client, body(submitted), secret="not-the-secret")
    assert response.status_code == 403
    assert fresh(submitted).state == "submitted"
    assert not CallbackNonce.objects.exists()


@pytest.mark.parametrize("skew", [-301, 301, -3600])
def test_callback_with_a_stale_timestamp_is_refused(client, submitted, skew):
    response = post(client, body(submitted), timestamp=int(time.time()) + skew)
    assert response.status_code == 403 and "timestamp" in response.json()["error"]
    assert fresh(submitted).state == "submitted"


def test_callback_replay_is_refused(client, submitted):
    first = post(client, body(submitted, "rejected", "CM-E310"), nonce="n-1")
    assert first.status_code == 200
    replay = post(client, body(submitted, "rejected", "CM-E310"), nonce="n-1")
    assert replay.status_code == 409
    filing = fresh(submitted)
    assert filing.state == "rejected" and filing.carrier_reason == "CM-E310"


def test_callback_for_a_body_signed_with_another_carriers_secret_is_refused(client, submitted):
    response = post(client, body(submitted), carrier="cucc")
    assert response.status_code == 403


def test_callback_refuses_get_and_unknown_tickets(client, submitted):
    assert client.get("/carriers/callback/cmcc/").status_code == 405
    response = post(client, {"ticket_id": "nope", "status": "registered"})
    assert response.status_code == 404
