"""The signed carrier callback refuses, with a 4xx/503 and a message, everything it cannot
verify or read — and changes nothing then; an accepted one answers the filing's new state."""

from __future__ import annotations

import json
import secrets
import time
import uuid

import pytest

from carriers.models import CallbackNonce, StubFiling
from carriers.services import CallbackRefused, callback_handle, callback_signature, filing_submit
from carriers.services.callbacks import CALLBACK_MAX_BODY_BYTES
from tests.carriers import conftest as carrier_fixtures
from tests.carriers.conftest import fresh

pytestmark = pytest.mark.django_db

# The carrier tests' fixtures: stubs without faults, approved signatures with queued filings.
carrier_policy = carrier_fixtures.carrier_policy
approve = carrier_fixtures.approve
filings = carrier_fixtures.filings


@pytest.fixture
def secret(carrier_policy):
    value = secrets.token_hex(16)
    carrier_policy["CALLBACK_SECRETS"]["cmcc"] = value
    return value


@pytest.fixture
def submitted(filings, secret):
    filing = filings["cmcc"]
    filing_submit(filing_id=filing.pk)
    return fresh(filing)


def signed_headers(raw: bytes, secret: str, *, timestamp=None, nonce=None) -> dict:
    timestamp = str(int(time.time())) if timestamp is None else timestamp
    nonce = nonce or uuid.uuid4().hex
    return {
        "X-Carrier-Timestamp": timestamp,
        "X-Carrier-Nonce": nonce,
        "X-Carrier-Signature": callback_signature(
            secret=secret, timestamp=timestamp, nonce=nonce, body=raw
        ),
    }


def post_raw(client, raw: bytes, headers: dict, carrier="cmcc"):
    return client.post(
        f"/carriers/callback/{carrier}/",
        data=raw,
        content_type="application/json",
        headers=headers,
    )


def news(filing, status="registered"):
    return json.dumps({"ticket_id": filing.carrier_ticket_id, "status": status}).encode()


def assert_nothing_changed(filing, response, *, status):
    assert response.status_code == status
    assert response.json()["ok"] is False and response.json()["error"]
    assert fresh(filing).state == filing.state
    assert not CallbackNonce.objects.exists()


def test_callback_answers_the_state_after_the_change(client, submitted, secret):
    raw = news(submitted, "rejected")
    response = post_raw(client, raw, signed_headers(raw, secret))
    assert response.status_code == 200
    answer = response.json()
    assert answer["ok"] is True and answer["changed"] is True
    assert answer["state"] == "rejected" == fresh(submitted).state
    assert answer["ticket_id"] == submitted.carrier_ticket_id


@pytest.mark.parametrize("configured", ["", None])
def test_callback_without_a_configured_secret_is_refused(
    client,
    submitted,
    carrier_policy,
    configured,
):
    if configured is None:
        del carrier_policy["CALLBACK_SECRETS"]["cmcc"]
    else:
        carrier_policy["CALLBACK_SECRETS"]["cmcc"] = configured
    raw = news(submitted)
    # Signed with an empty key, with the old built-in default, and with nothing at all.
    for headers in (
        signed_headers(raw, ""),
        signed_headers(raw, "demo-callback-cmcc"),
        {},
    ):
        response = post_raw(client, raw, headers)
        assert_nothing_changed(submitted, response, status=503)
        assert "secret" in response.json()["error"]


def test_callback_secrets_missing_altogether_is_refused(client, submitted, carrier_policy):
    del carrier_policy["CALLBACK_SECRETS"]
    raw = news(submitted)
    assert_nothing_changed(submitted, post_raw(client, raw, signed_headers(raw, "")), status=503)


@pytest.mark.parametrize(
    "signature",
    [
        "é" * 64,
        "ä" + "0" * 63,
        "签名",
        "0" * 63,
        "0" * 65,
        "g" * 64,
        " " + "0" * 64,
    ],
)
def test_callback_with_a_malformed_signature_is_refused(client, submitted, secret, signature):
    raw = news(submitted)
    headers = {**signed_headers(raw, secret), "X-Carrier-Signature": signature}
    response = post_raw(client, raw, headers)
    assert_nothing_changed(submitted, response, status=403)
    assert "signature" in response.json()["error"]


def test_callback_with_a_non_ascii_signature_through_wsgi_is_refused(client, submitted, secret):
    # What a WSGI server hands over: the header's bytes decoded as ISO-8859-1.
    raw = news(submitted)
    headers = signed_headers(raw, secret)
    headers["X-Carrier-Signature"] = "签".encode().decode("latin-1") * 21 + "0"
    assert_nothing_changed(submitted, post_raw(client, raw, headers), status=403)


@pytest.mark.parametrize(
    "header", ["X-Carrier-Timestamp", "X-Carrier-Nonce", "X-Carrier-Signature"]
)
def test_callback_with_a_missing_header_is_refused_naming_it(client, submitted, secret, header):
    raw = news(submitted)
    headers = signed_headers(raw, secret)
    del headers[header]
    response = post_raw(client, raw, headers)
    assert_nothing_changed(submitted, response, status=401)
    assert header in response.json()["error"]


@pytest.mark.parametrize(
    ("timestamp", "nonce"),
    [
        ("١٧٩٥٣٨٤٠٠٠", None),  # digits, but not ASCII ones
        (" 1795384000", None),
        ("1e9", None),
        ("-1", None),
        ("9" * 40, None),
        (None, "ñonce"),
        (None, "has space"),
        (None, "n" * 65),
    ],
)
def test_callback_with_a_malformed_timestamp_or_nonce_is_refused(
    client, submitted, secret, timestamp, nonce
):
    raw = news(submitted)
    headers = signed_headers(raw, secret, timestamp=timestamp, nonce=nonce)
    response = post_raw(client, raw, headers)
    assert response.status_code in (400, 403)
    assert_nothing_changed(submitted, response, status=response.status_code)


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"\xff\xfe\x00",
        b"[]",
        b'"registered"',
        b"42",
        b"null",
        b"[" * 5000 + b"]" * 5000,
        b'{"ticket_id": 1, "status": "registered"}',
        b'{"ticket_id": ["x"], "status": "registered"}',
        b'{"status": "registered"}',
        b'{"ticket_id": "CMX"}',
        b'{"ticket_id": "CMX", "status": ["registered"]}',
        b'{"ticket_id": "CMX", "status": "registered", "reason": {"a": 1}}',
        b'{"ticket_id": "CMX", "status": "approved"}',
    ],
)
def test_callback_with_a_malformed_body_is_refused(client, submitted, secret, raw):
    raw = raw.replace(b"CMX", submitted.carrier_ticket_id.encode())
    response = post_raw(client, raw, signed_headers(raw, secret))
    assert_nothing_changed(submitted, response, status=400)


def test_callback_with_an_oversize_body_is_refused(client, submitted, secret):
    payload = {"ticket_id": submitted.carrier_ticket_id, "status": "registered"}
    raw = json.dumps({**payload, "reason": "x" * 20_000}).encode()
    response = post_raw(client, raw, signed_headers(raw, secret))
    assert_nothing_changed(submitted, response, status=413)


@pytest.mark.parametrize("ticket", ["CM-NOPE", "", " "])
def test_callback_for_an_unknown_ticket_is_refused(
    client,
    filings,
    submitted,
    secret,
    carrier_policy,
    ticket,
):
    raw = json.dumps({"ticket_id": ticket, "status": "registered"}).encode()
    # The other carriers' filings are still queued, with no ticket at all.
    secret_cucc = secrets.token_hex(16)
    carrier_policy["CALLBACK_SECRETS"]["cucc"] = secret_cucc
    for carrier, key in (("cmcc", secret), ("cucc", secret_cucc)):
        response = post_raw(client, raw, signed_headers(raw, key), carrier=carrier)
        assert_nothing_changed(submitted, response, status=404)
        assert "ticket" in response.json()["error"]
    assert fresh(filings["cucc"]).state == "queued"


def test_callback_for_another_carriers_ticket_is_refused(client, filings, secret):
    filing_submit(filing_id=filings["ctcc"].pk)
    ctcc = fresh(filings["ctcc"])
    assert StubFiling.objects.filter(ticket_id=ctcc.carrier_ticket_id).exists()
    raw = news(ctcc)
    response = post_raw(client, raw, signed_headers(raw, secret), carrier="cmcc")
    assert_nothing_changed(ctcc, response, status=404)


def test_callback_for_an_unknown_carrier_is_refused(client, submitted, secret):
    raw = news(submitted)
    response = post_raw(client, raw, signed_headers(raw, secret), carrier="nope")
    assert_nothing_changed(submitted, response, status=404)


def test_callback_with_a_malformed_content_length_is_refused(client, submitted, secret):
    raw = news(submitted)
    response = client.post(
        "/carriers/callback/cmcc/",
        data=raw,
        content_type="application/json",
        headers=signed_headers(raw, secret),
        CONTENT_LENGTH="12x",
    )
    assert_nothing_changed(submitted, response, status=400)


def test_callback_handle_refuses_an_oversize_body_however_it_arrives(submitted, secret):
    # The view refuses a big declared length before reading; the service holds the limit too.
    raw = json.dumps({"ticket_id": submitted.carrier_ticket_id, "status": "registered"})
    raw = raw.encode() + b" " * CALLBACK_MAX_BODY_BYTES
    headers = signed_headers(raw, secret)
    with pytest.raises(CallbackRefused) as refused:
        callback_handle(
            carrier_code="cmcc",
            timestamp=headers["X-Carrier-Timestamp"],
            nonce=headers["X-Carrier-Nonce"],
            signature=headers["X-Carrier-Signature"],
            body=raw,
        )
    assert refused.value.status == 413
    assert fresh(submitted).state == "submitted" and not CallbackNonce.objects.exists()
