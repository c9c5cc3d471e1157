"""A real HTTP receiver on 127.0.0.1 for the webhook tests: it verifies every request with the
``standardwebhooks`` package (never with our own signing code), records what it accepted and
answers what the test tells it to."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from webhooks.http import pool_close
from webhooks.models import DeliveryState, WebhookDelivery
from webhooks.services import deliveries_due, deliveries_send, endpoint_create

#: An answer: status code and headers.
Reply = tuple[int, dict[str, str]]


@dataclass
class Receiver:
    url: str
    #: The secrets the receiver accepts (any one of them verifying is enough).
    secrets: list[str] = field(default_factory=list)
    #: Called with the number of the request (from 1); returns the answer.
    answer: Callable[[int], Reply] = lambda n: (204, {})
    requests: int = 0
    #: Payloads of the verified requests that were answered 2xx, in arrival order.
    accepted: list[dict] = field(default_factory=list)
    #: Every verified request: (webhook-id, status answered).
    seen: list[tuple[str, int]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    #: The sender's (address, port) of every request: one pair per TCP connection.
    peers: list[tuple[str, int]] = field(default_factory=list)
    #: Called with the number of a verified request: True to answer nothing and hold the
    #: connection open until the sender gives up (a receiver that hangs).
    hang: Callable[[int], bool] = lambda n: False
    #: Called with the number of a verified request: ``("head", pause)`` to send the whole
    #: answer one byte at a time, ``pause`` seconds apart (each byte well within a read
    #: timeout); ``("body", pause)`` to send the status and headers at once, then a body of
    #: 200 bytes that way; None to answer at once.
    drip: Callable[[int], tuple[str, float] | None] = lambda n: None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def verify(self, body: bytes, headers: dict[str, str]) -> dict | None:
        for secret in self.secrets:
            try:
                return Webhook(secret).verify(body, headers)
            except WebhookVerificationError:
                continue
        return None


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        # Keep-alive, as real receivers' servers have: a sender's pooled connection is reused.
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            with receiver.lock:
                receiver.requests += 1
                number = receiver.requests
                receiver.headers.append(headers)
                receiver.peers.append(self.client_address)
                payload = receiver.verify(body, headers)
                hang = payload is not None and receiver.hang(number)
                drip = receiver.drip(number) if payload is not None else None
                if payload is None:
                    receiver.refused.append(headers.get("webhook-id", ""))
                    status, extra = 400, {}
                elif not hang:
                    status, extra = receiver.answer(number)
                    receiver.seen.append((headers["webhook-id"], status))
                    if 200 <= status < 300:
                        receiver.accepted.append(payload)
            if hang:
                # Outside the lock (other requests are answered meanwhile); at most 10 s, so
                # that a sender without a timeout fails the test instead of blocking it.
                self.connection.settimeout(10)
                with suppress(OSError):
                    self.rfile.read(1)  # returns when the sender closes the connection
                self.close_connection = True
                return
            if drip:
                self._drip(status, *drip)
                return
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            # A 204 has no body: on a kept-alive connection one would be read as the start of
            # the next answer.
            if status != 204:
                self.send_header("content-length", "2")
            self.end_headers()
            if status != 204:
                self.wfile.write(b"ok")

        def _drip(self, status: int, part: str, pause: float) -> None:
            body = b"x" * 200
            head = f"HTTP/1.1 {status} OK\r\ncontent-length: {len(body)}\r\n\r\n".encode()
            slow = head + body if part == "head" else body
            if part == "body":
                self.wfile.write(head)
                self.wfile.flush()
            self.close_connection = True
            # Until the sender gives up (the connection closes) or 30 s have passed.
            until = time.monotonic() + 30
            with suppress(OSError):
                for byte in slow:
                    if time.monotonic() > until:
                        break
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(pause)

        def log_message(self, *args):
            pass

    return Handler


class _Server(ThreadingHTTPServer):
    # A worker sends a batch over up to SEND_THREADS connections at once, and a test may run
    # several: the default listen backlog of 5 resets some of them ("connection reset by peer"),
    # which a real receiver's server does not.
    request_queue_size = 128
    daemon_threads = True


@pytest.fixture(autouse=True)
def _carriers_without_faults(settings):
    """Stub carriers that never fail transiently: what they answer does not depend on chance."""
    policy = copy.deepcopy(settings.CARRIER_POLICY)
    policy["STUB"]["FAULT_RATE"] = 0.0
    settings.CARRIER_POLICY = policy


@pytest.fixture
def allow_private(settings):
    """The address guard off, as only tests have it: the receiver is on 127.0.0.1 over http."""
    settings.WEBHOOK_POLICY = {**settings.WEBHOOK_POLICY, "ALLOW_PRIVATE_ADDRESSES": True}
    return settings.WEBHOOK_POLICY


@contextmanager
def receiver_serving() -> Iterator[Receiver]:
    """A receiver listening on 127.0.0.1 while the block runs (the address guard must be off:
    ``allow_private``). The API's, the portal's and the browser's tests use it too."""
    receiver = Receiver(url="")
    server = _Server(("127.0.0.1", 0), _handler(receiver))
    # A path and a query, as real receivers have (they must reach it unchanged).
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks?t=1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        pool_close()


@pytest.fixture
def receiver(allow_private):
    with receiver_serving() as receiver:
        yield receiver


@pytest.fixture
def endpoint_for(receiver):
    """``endpoint_for(user, event_types=(), at=receiver)``: an endpoint of the user's account
    at the receiver (or at another one, from ``receiver_serving``), whose secret it accepts."""

    def make(user, event_types=(), at: Receiver = receiver):
        endpoint, secret = endpoint_create(user=user, url=at.url, event_types=event_types)
        at.secrets.append(secret)
        return endpoint

    return make


@pytest.fixture
def deliver(_fixed_clock):
    """``deliver(max_rounds=50)``: send what is due; when nothing is due but deliveries are
    pending, move the clock to the next attempt's time; until nothing is pending. Returns the
    batches."""

    def run(max_rounds: int = 50):
        batches = []
        for _ in range(max_rounds):
            due = deliveries_due(limit=1000)
            if due:
                batches.append(deliveries_send(delivery_ids=due))
                continue
            waiting = (
                # The next retry (a later delivery of the same object may be due already,
                # waiting for it).
                WebhookDelivery.objects.filter(
                    state=DeliveryState.PENDING, next_attempt_at__gt=timezone.now()
                )
                .order_by("next_attempt_at")
                .values_list("next_attempt_at", flat=True)
                .first()
            )
            if waiting is None:
                return batches
            _fixed_clock.move_to(waiting)
        raise AssertionError("deliveries still pending after max_rounds")

    return run


def payload_types(receiver: Receiver) -> list[str]:
    return [p["type"] for p in receiver.accepted]
