"""What ``callback_handle`` says to a carrier, called as the view calls it: the signature it
expects (HMAC-SHA256 of ``timestamp.nonce.body``), each refusal's status and exact words with
nothing written, the limits of the body size and of the timestamp window, and what an accepted
callback records (its source, the reason it carried, the reason's length); and the nonces it
forgets (those older than twice the skew)."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from django_fsm_log.models import StateLog

from carriers.models import CallbackNonce
from carriers.services import (
    CallbackRefused,
    callback_handle,
    callback_nonces_prune,
    callback_secret,
    callback_signature,
    filing_submit,
)
from carriers.services.callbacks import CALLBACK_MAX_BODY_BYTES
from tests.carriers.conftest import fresh

pytestmark = pytest.mark.django_db

SECRET = "callback-secret-of-china-mobile"
#: An instant on a whole second, so that a timestamp's distance from now is exact.
NOW = datetime.fromisoformat("2026-11-23T10:00:00+08:00")


@pytest.fixture
def submitted(filings, carrier_policy):
    """China Mobile's filing, submitted (it has a ticket), with China Mobile's secret set."""
    carrier_policy["CALLBACK_SECRETS"]["cmcc"] = SECRET
    filing = filings["cmcc"]
    filing_submit(filing_id=filing.pk)
    return fresh(filing)


def call(body, *, timestamp=None, nonce=None, signature=None, carrier="cmcc", sign=True):
    """``callback_handle`` with a body (a dict is sent as JSON) signed with China Mobile's
    secret unless ``signature`` is given or ``sign`` is False."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    timestamp = str(int(timezone.now().timestamp())) if timestamp is None else timestamp
    nonce = uuid.uuid4().hex if nonce is None else nonce
    if signature is None and sign:
        signature = callback_signature(secret=SECRET, timestamp=timestamp, nonce=nonce, body=raw)
    return callback_handle(
        carrier_code=carrier, timestamp=timestamp, nonce=nonce, signature=signature, body=raw
    )


def refusal(**kwargs) -> tuple[int, str]:
    body = kwargs.pop("body")
    with pytest.raises(CallbackRefused) as refused:
        call(body, **kwargs)
    return refused.value.status, str(refused.value)


def test_callback_signature_is_the_hmac_sha256_of_timestamp_nonce_and_body():
    expected = hmac.new(b"s3cret", b'1763863200.n-1.{"a": 1}', hashlib.sha256).hexdigest()
    got = callback_signature(secret="s3cret", timestamp="1763863200", nonce="n-1", body=b'{"a": 1}')
    assert got == expected


def test_a_callback_from_an_unknown_carrier_is_refused(submitted):
    status, message = refusal(body={"ticket_id": "x", "status": "registered"}, carrier="nope")
    assert (status, message) == (404, "unknown carrier")


@pytest.mark.parametrize("configured", [None, "", 12345, b"bytes-are-not-a-secret"])
def test_a_carrier_without_a_secret_of_text_cannot_call_back(submitted, carrier_policy, configured):
    carrier_policy["CALLBACK_SECRETS"]["cmcc"] = configured
    assert callback_secret("cmcc") == ""
    status, message = refusal(body={"ticket_id": "x", "status": "registered"})
    assert (status, message) == (503, "callbacks from cmcc are off: no secret configured")


def test_a_callback_names_every_header_it_lacks(submitted):
    status, message = refusal(
        body={"ticket_id": submitted.carrier_ticket_id, "status": "registered"},
        timestamp="",
        sign=False,
    )
    assert (status, message) == (401, "missing header X-Carrier-Timestamp, X-Carrier-Signature")
    assert fresh(submitted).state == "submitted" and not CallbackNonce.objects.exists()


def _padded(submitted, size: int) -> bytes:
    """A registered callback for ``submitted``, padded with JSON spaces to ``size`` bytes."""
    raw = json.dumps({"ticket_id": submitted.carrier_ticket_id, "status": "registered"})
    return raw.encode() + b" " * (size - len(raw))


def test_a_body_of_the_limit_is_read_and_one_byte_more_is_refused(submitted):
    assert CALLBACK_MAX_BODY_BYTES == 16 * 1024
    status, message = refusal(body=_padded(submitted, CALLBACK_MAX_BODY_BYTES + 1))
    assert (status, message) == (413, "body over 16384 bytes")
    assert fresh(submitted).state == "submitted"
    result = call(_padded(submitted, CALLBACK_MAX_BODY_BYTES))
    assert result.changed is True and result.filing.state == "registered"


@pytest.mark.parametrize(
    ("headers", "status", "message"),
    [
        ({"timestamp": "+1763863200"}, 400, "malformed timestamp: Unix seconds expected"),
        (
            {"nonce": "a nonce"},
            400,
            "malformed nonce: 1 to 64 printable ASCII characters expected",
        ),
        ({"signature": "abc"}, 403, "malformed signature: 64 hex digits expected"),
        ({"signature": "0" * 64}, 403, "bad signature"),
    ],
)
def test_malformed_or_wrong_headers_are_refused_in_words(submitted, headers, status, message):
    got = refusal(
        body={"ticket_id": submitted.carrier_ticket_id, "status": "registered"}, **headers
    )
    assert got == (status, message)
    assert fresh(submitted).state == "submitted" and not CallbackNonce.objects.exists()


def test_a_timestamp_at_the_skew_limit_is_accepted_and_one_second_more_is_stale(
    submitted, carrier_policy, time_machine
):
    time_machine.move_to(NOW, tick=False)
    skew = carrier_policy["CALLBACK_MAX_SKEW_SECONDS"]
    body = {"ticket_id": submitted.carrier_ticket_id, "status": "registered"}
    too_old = str(int(NOW.timestamp()) - skew - 1)
    assert refusal(body=body, timestamp=too_old) == (403, "stale timestamp")
    assert fresh(submitted).state == "submitted"
    result = call(body, timestamp=str(int(NOW.timestamp()) - skew))
    assert result.changed is True and fresh(submitted).state == "registered"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "body is not JSON"),
        (b'["ticket", "registered"]', "body is not a JSON object"),
        (b'{"ticket_id": 7, "status": "registered"}', "ticket_id and status must be strings"),
        (b'{"ticket_id": "T", "status": null}', "ticket_id and status must be strings"),
        (b'{"ticket_id": "T", "status": "rejected", "reason": 5}', "reason must be a string"),
        (
            b'{"ticket_id": "T", "status": "accepted"}',
            "unknown status (one of pending, registered, rejected, cleared)",
        ),
    ],
)
def test_a_body_that_is_not_a_callback_is_refused_in_words(submitted, raw, message):
    assert refusal(body=raw) == (400, message)
    assert fresh(submitted).state == "submitted" and not CallbackNonce.objects.exists()


def test_an_unknown_ticket_and_a_replay_are_refused_in_words(submitted):
    assert refusal(body={"ticket_id": "CMNOPE", "status": "registered"}) == (404, "unknown ticket")
    body = {"ticket_id": submitted.carrier_ticket_id, "status": "pending"}
    call(body, nonce="n-1")
    assert refusal(body=body, nonce="n-1") == (409, "replayed")
    assert CallbackNonce.objects.count() == 1


def test_an_accepted_callback_is_recorded_as_coming_from_the_callback(submitted):
    result = call({"ticket_id": submitted.carrier_ticket_id, "status": "registered"})
    assert result.changed is True and result.filing.carrier.code == "cmcc"
    log = StateLog.objects.for_(submitted).get(state="registered")
    # No reason sent: the history says where the news came from, and nothing else.
    assert log.description == "callback"
    assert fresh(submitted).carrier_reason == ""


def test_a_callback_reason_is_kept_to_its_first_200_characters(submitted):
    reason = "CM-E310 " + "".join(str(n % 10) for n in range(300))
    result = call(
        {"ticket_id": submitted.carrier_ticket_id, "status": "rejected", "reason": reason}
    )
    assert result.changed is True
    filing = fresh(submitted)
    assert filing.state == "rejected" and filing.carrier_reason == reason[:200]
    log = StateLog.objects.for_(submitted).get(state="rejected")
    assert log.description == f"callback: {reason[:200]}"


def test_nonces_older_than_twice_the_skew_are_forgotten(submitted, carrier_policy, time_machine):
    time_machine.move_to(NOW, tick=False)
    window = 2 * carrier_policy["CALLBACK_MAX_SKEW_SECONDS"]
    for age in (window + 1, window, window - 1, 10):
        CallbackNonce.objects.create(
            carrier=submitted.carrier,
            nonce=f"n-{age}",
            received_at=NOW - timedelta(seconds=age),
        )
    assert callback_nonces_prune(now=NOW) == 1
    kept = set(CallbackNonce.objects.values_list("nonce", flat=True))
    assert kept == {f"n-{window}", f"n-{window - 1}", "n-10"}
    # Without an instant: the clock's. Two seconds on, two more are older than the window.
    time_machine.move_to(NOW + timedelta(seconds=2), tick=False)
    assert callback_nonces_prune() == 2
    assert set(CallbackNonce.objects.values_list("nonce", flat=True)) == {"n-10"}
