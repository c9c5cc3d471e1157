"""The stub carrier HTTP server (``manage.py carrier_stub_server``): the stub carriers behind a
real socket, so that timeouts, 5xx and broken connections are real. Loopback only."""

from __future__ import annotations

import ipaddress
import json
import random
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.db import close_old_connections

from carriers.gateways.base import FilingRequest, GatewayRefused, NotQueryable
from carriers.gateways.stub import StubCarrier

CARRIERS = ("cmcc", "cucc", "ctcc")


def require_loopback(host: str) -> None:
    """Refuse to listen anywhere but on this machine: the stub has no authentication."""
    for info in socket.getaddrinfo(host, None):
        if not ipaddress.ip_address(info[4][0]).is_loopback:
            raise ValueError(f"{host} is not a loopback address")


class StubCarrierServer(ThreadingHTTPServer):
    # server_close() waits for requests in progress (a hanging one finishes its work, as a
    # carrier would, after the client gave up), so none outlives the server.
    daemon_threads = False
    block_on_close = True

    def __init__(self, address, *, fault_rate: float, hang_seconds: float, seed=None):
        require_loopback(address[0])
        self.fault_rate = fault_rate
        self.hang_seconds = hang_seconds
        self.rng = random.Random(seed)
        self.rng_lock = threading.Lock()
        super().__init__(address, _Handler)

    def fault(self) -> str:
        with self.rng_lock:
            if self.rng.random() >= self.fault_rate:
                return ""
            return self.rng.choice(("hang", "drop", "503", "drop-after"))


class _Handler(BaseHTTPRequestHandler):
    server: StubCarrierServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def _reply(self, status: int, payload: dict) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _drop(self) -> None:
        # Close the socket without an answer: the client sees a broken connection.
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def _handle(self, method: str) -> None:
        parsed = urllib.parse.urlsplit(self.path)
        parts = parsed.path.strip("/").split("/")
        try:
            length = int(self.headers.get("Content-Length") or 0)
            payload = json.loads(self.rfile.read(length) or b"{}") if length > 0 else {}
            if not isinstance(payload, dict):
                raise ValueError("not an object")
        except ValueError:
            self.close_connection = True
            return self._reply(400, {"error": "malformed request"})
        if len(parts) != 2 or parts[0] not in CARRIERS:
            return self._reply(404, {"error": "no such carrier or call"})
        code, call = parts
        fault = self.server.fault()
        if fault == "hang":
            time.sleep(self.server.hang_seconds)  # longer than the client's timeout
        if fault == "drop":
            return self._drop()
        if fault == "503":
            return self._reply(503, {"error": "service unavailable"})
        close_old_connections()
        carrier = StubCarrier(code)
        try:
            if method == "POST" and call == "submit":
                answer = carrier.submit(FilingRequest(**payload))
                result = {"ticket_id": answer.ticket_id, "duplicate": answer.duplicate}
            elif method == "GET" and call == "query":
                ticket = urllib.parse.parse_qs(parsed.query).get("ticket", [""])[0]
                answer = carrier.query(ticket)
                result = {"status": answer.status, "reason": answer.reason}
            elif method == "POST" and call == "test-send":
                answer = carrier.test_send(payload.get("ticket_id", ""))
                result = {
                    "delivered": answer.delivered,
                    "status": answer.status,
                    "reason": answer.reason,
                }
            else:
                return self._reply(404, {"error": "no such call"})
        except NotQueryable as exc:
            return self._reply(501, {"error": str(exc)})
        except (GatewayRefused, TypeError) as exc:
            return self._reply(400, {"error": str(exc)})
        finally:
            close_old_connections()
        if fault == "drop-after":
            return self._drop()  # the carrier did the work; the answer is lost
        return self._reply(200, result)

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")
