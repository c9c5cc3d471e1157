"""Stub carriers hand out random ticket ids, stored with the filing, never derived from the
documented idempotency key (which anyone who knows a filing can compute)."""

from __future__ import annotations

import hashlib
import threading

import pytest

from carriers.gateways import FilingRequest
from carriers.gateways.http import HttpGateway
from carriers.gateways.stub import StubCarrier, StubGateway
from carriers.models import StubFiling
from carriers.stub_server import StubCarrierServer
from tests.carriers import conftest as carrier_fixtures

#: The carrier tests' stubs: no faults, real working days.
carrier_policy = carrier_fixtures.carrier_policy


def request(key="rp-cmcc-r1-g1", carrier="cmcc"):
    return FilingRequest(carrier, key, 1, 1, "signature", "SIG1", "和讯华谷", "深圳市和讯华谷")


def derivable(key: str) -> set[str]:
    """What an outsider can compute from the key alone."""
    digest = hashlib.sha256(key.encode())
    return {digest.hexdigest()[:16].upper(), digest.hexdigest()[:16], digest.hexdigest().upper()}


def assert_random_ticket(ticket: str, key: str) -> None:
    assert not any(part in ticket for part in derivable(key))
    assert ticket == StubFiling.objects.get(idempotency_key=key).ticket_id


@pytest.mark.django_db
def test_stub_carrier_ticket_is_random_and_stored_and_repeats_for_the_same_key():
    carrier = StubCarrier("cmcc")
    first = carrier.submit(request())
    assert_random_ticket(first.ticket_id, "rp-cmcc-r1-g1")
    again = carrier.submit(request())
    assert again.ticket_id == first.ticket_id and again.duplicate and not first.duplicate
    # A carrier that forgot the key files it anew: the ticket is not a function of the key.
    StubFiling.objects.all().delete()
    assert carrier.submit(request()).ticket_id != first.ticket_id


@pytest.mark.django_db
def test_stub_carrier_batch_gives_each_key_its_stored_ticket():
    carrier = StubCarrier("cmcc")
    keys = ["rp-cmcc-r1-g1", "rp-cmcc-r2-g1", "rp-cmcc-r1-g1"]
    answers = carrier.submit_many([request(k) for k in keys])
    for key, answer in zip(keys, answers, strict=True):
        assert_random_ticket(answer.ticket_id, key)
    assert answers[0].ticket_id == answers[2].ticket_id != answers[1].ticket_id
    assert [a.duplicate for a in answers] == [False, False, True]
    (repeat,) = carrier.submit_many([request("rp-cmcc-r2-g1")])
    assert repeat.ticket_id == answers[1].ticket_id and repeat.duplicate


@pytest.mark.django_db
def test_stub_carrier_filing_one_by_one_answers_the_stored_ticket():
    # The path taken when another delivery of a key in the batch was filed meanwhile.
    carrier = StubCarrier("cmcc")
    first = carrier._submit_alone(request())
    assert_random_ticket(first.ticket_id, "rp-cmcc-r1-g1")
    again = carrier._submit_alone(request())
    assert again.ticket_id == first.ticket_id and again.duplicate


@pytest.mark.django_db
def test_stub_gateway_ticket_is_random():
    answer = StubGateway("ctcc").submit(request("rp-ctcc-r1-g1", "ctcc"))
    assert answer.ticket_id.startswith("CT")
    assert_random_ticket(answer.ticket_id, "rp-ctcc-r1-g1")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_http_stub_server_ticket_is_random_and_repeats_for_the_same_key():
    server = StubCarrierServer(("127.0.0.1", 0), fault_rate=0.0, hang_seconds=0.5, seed=7)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        gateway = HttpGateway("cmcc", base_url=f"http://127.0.0.1:{server.server_address[1]}")
        first = gateway.submit(request())
        assert_random_ticket(first.ticket_id, "rp-cmcc-r1-g1")
        again = gateway.submit(request())
        assert again.ticket_id == first.ticket_id and again.duplicate
    finally:
        server.shutdown()
        server.server_close()
