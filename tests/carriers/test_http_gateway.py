"""The HTTP adapter against the stub carrier server on a real loopback socket: timeouts and
broken connections are real."""

from __future__ import annotations

import threading

import pytest

from carriers.gateways import FilingRequest, GatewayTransientError, NotQueryable
from carriers.gateways.http import HttpGateway
from carriers.models import StubFiling
from carriers.stub_server import StubCarrierServer, require_loopback

#: The server answers from its own threads, which see only committed rows.
server_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def serve():
    servers = []

    def start(fault_rate=0.0, hang_seconds=0.5):
        server = StubCarrierServer(
            ("127.0.0.1", 0), fault_rate=fault_rate, hang_seconds=hang_seconds, seed=7
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def request(key="rp-cmcc-r1-g1", carrier="cmcc"):
    return FilingRequest(carrier, key, 1, 1, "signature", "SIG1", "和讯华谷", "深圳市和讯华谷")


@server_db
def test_http_gateway_submits_once_per_key_and_queries(serve):
    gateway = HttpGateway("cmcc", base_url=serve(), timeout=2)
    first = gateway.submit(request())
    again = gateway.submit(request())
    assert again.ticket_id == first.ticket_id and again.duplicate and not first.duplicate
    assert StubFiling.objects.get(idempotency_key="rp-cmcc-r1-g1").deliveries == 2
    assert gateway.query(first.ticket_id).status == "pending"
    assert gateway.test_send(first.ticket_id).delivered is False


@server_db
def test_http_gateway_of_a_carrier_without_queries(serve):
    gateway = HttpGateway("cucc", base_url=serve(), timeout=2)
    ticket = gateway.submit(request("rp-cucc-r1-g1", "cucc")).ticket_id
    with pytest.raises(NotQueryable):
        gateway.query(ticket)


@server_db
def test_http_gateway_faults_are_transient(serve):
    # Every request hangs past the timeout, drops the connection or answers 503.
    gateway = HttpGateway("cmcc", base_url=serve(fault_rate=1.0, hang_seconds=0.6), timeout=0.3)
    errors = set()
    for n in range(8):
        with pytest.raises(GatewayTransientError) as caught:
            gateway.submit(request(f"rp-cmcc-r1-g{n + 1}"))
        errors.add(str(caught.value).split(": ", 1)[1][:9])
    assert len(errors) >= 2  # more than one kind of fault was met


def test_http_gateway_with_no_server_is_transient():
    gateway = HttpGateway("cmcc", base_url="http://127.0.0.1:9", timeout=0.5)
    with pytest.raises(GatewayTransientError):
        gateway.submit(request())


@pytest.mark.parametrize("host", ["0.0.0.0", "8.8.8.8"])
def test_stub_server_listens_on_loopback_only(host):
    with pytest.raises(ValueError):
        require_loopback(host)


def test_carrier_stub_server_command_refuses_a_public_address():
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="loopback"):
        call_command("carrier_stub_server", "--host", "0.0.0.0", "--port", "0")
