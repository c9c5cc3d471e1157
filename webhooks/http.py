"""The HTTP side of a delivery: one pool of kept-alive connections per worker process
(thread-safe, made again after a fork), no redirects followed, no proxy from the environment,
timeouts from ``WEBHOOK_POLICY``, the answer's body read up to ``RESPONSE_MAX_BYTES``, and the
whole attempt bounded by ``ATTEMPT_DEADLINE_SECONDS``.

The pool is httpx's own (``httpcore.ConnectionPool``, the transport under ``httpx.Client``),
used directly: a delivery needs none of the client's layer (cookies, redirects, auth, URL
merging), which cost as much CPU as the request itself, and the pool takes the network
backend that enforces the attempt's deadline. httpx's timeouts bound each read or write, so a
receiver that sends its answer one byte at a time, each within the read timeout, could hold an
attempt past the claim's lease and have the delivery sent twice; here every connect, read and
write of an attempt waits at most until the attempt's deadline.

The request goes to an address ``addresses.target_check`` allowed, not to the name: the
connection is made to the address, the ``Host`` header keeps the name, and for https the TLS
server name (SNI) and the certificate check use the name."""

from __future__ import annotations

import functools
import os
import threading
import time
from dataclasses import dataclass

import httpcore
import httpx
from django.conf import settings

from webhooks.addresses import Target

_lock = threading.Lock()
_pool: httpcore.ConnectionPool | None = None
_pool_pid: int | None = None
#: The monotonic time the current thread's attempt must end by (None outside an attempt).
_attempt = threading.local()


def _policy() -> dict:
    return settings.WEBHOOK_POLICY


class DeadlinePassed(httpcore.TimeoutException):
    """The attempt's deadline came before the receiver had answered."""


def _bounded(timeout: float | None) -> float | None:
    """``timeout`` cut to what is left of the current attempt."""
    deadline = getattr(_attempt, "deadline", None)
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise DeadlinePassed("the attempt's deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _bounded(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        # One write of the whole buffer: the deadline is checked before it, and the write
        # itself is bounded by what is left.
        self._stream.write(buffer, _bounded(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        return _DeadlineStream(
            self._stream.start_tls(ssl_context, server_hostname, _bounded(timeout))
        )

    def get_extra_info(self, info: str):
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """The standard blocking sockets, each wait cut to the current attempt's deadline."""

    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        stream = self._backend.connect_tcp(
            host,
            port,
            _bounded(timeout),
            local_address=local_address,
            socket_options=socket_options,
        )
        return _DeadlineStream(stream)

    def connect_unix_socket(self, path, timeout=None, socket_options=None):  # pragma: no cover
        raise httpcore.UnsupportedProtocol("webhooks are not sent to unix sockets")

    def sleep(self, seconds: float) -> None:  # pragma: no cover - used by retries, none here
        self._backend.sleep(seconds)


def pool() -> httpcore.ConnectionPool:
    """This process's pool (a forked worker child makes its own: sockets are not shared)."""
    global _pool, _pool_pid
    with _lock:
        if _pool is None or _pool_pid != os.getpid():
            policy = _policy()
            _pool = httpcore.ConnectionPool(
                # httpx's context: certifi's roots, the certificate checked against the name.
                ssl_context=httpx.create_ssl_context(trust_env=False),
                max_connections=policy["MAX_CONNECTIONS"],
                max_keepalive_connections=policy["MAX_CONNECTIONS"],
                keepalive_expiry=5.0,
                http1=True,
                http2=False,
                retries=0,
                network_backend=_DeadlineBackend(),
            )
            _pool_pid = os.getpid()
        return _pool


def pool_close() -> None:
    """Close this process's pool (tests that change the timeouts or the limits)."""
    global _pool
    with _lock:
        if _pool is not None:
            _pool.close()
        _pool = None


@dataclass(frozen=True)
class Answer:
    """What one request got: a status code, or an error in words (never a secret)."""

    status: int | None
    duration_ms: int
    error: str = ""
    retry_after: str | None = None
    excerpt: str = ""


def _host_header(target: Target, host: str) -> str:
    default = 443 if target.scheme == "https" else 80
    host = f"[{host}]" if ":" in host else host
    return host if target.port == default else f"{host}:{target.port}"


def _read_capped(response: httpcore.Response, *, limit: int) -> bytes:
    """Up to ``limit`` bytes of the answer's body; what came before the deadline or an error
    (the status is what counts: the body is kept only to show it)."""
    data = b""
    try:
        for chunk in response.iter_stream():
            data += chunk
            if len(data) >= limit:
                break
    except (httpcore.TimeoutException, httpcore.NetworkError, httpcore.ProtocolError):
        pass
    return data[:limit]


def _header(response: httpcore.Response, name: bytes) -> str | None:
    for key, value in response.headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


@functools.lru_cache(maxsize=1024)
def _url_parts(url: str) -> tuple[str, bytes]:
    """The host of ``url`` as sent (an internationalised name in its ASCII, IDNA form, for the
    ``Host`` header and the TLS server name) and its path and query, percent-encoded as httpx
    encodes them."""
    parsed = httpx.URL(url)
    return parsed.raw_host.decode("ascii"), parsed.raw_path


def post(*, url: str, target: Target, headers: dict[str, str], body: bytes) -> Answer:
    """POST ``body`` to ``url`` at one of ``target``'s checked addresses (the next one when a
    connection cannot be made), within ``ATTEMPT_DEADLINE_SECONDS`` in all."""
    policy = _policy()
    started = time.monotonic()
    read = policy["READ_TIMEOUT_SECONDS"]
    extensions: dict = {
        "timeout": {"connect": policy["CONNECT_TIMEOUT_SECONDS"], "read": read, "write": read,
                    "pool": read},
    }  # fmt: skip
    host, request_target = _url_parts(url)
    if target.scheme == "https":
        extensions["sni_hostname"] = host
    request_headers = [
        (b"host", _host_header(target, host).encode("ascii")),
        (b"user-agent", policy["USER_AGENT"].encode("ascii")),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode("ascii")),
        *((name.encode("ascii"), value.encode("ascii")) for name, value in headers.items()),
    ]
    error = ""
    _attempt.deadline = started + policy["ATTEMPT_DEADLINE_SECONDS"]
    try:
        for address in target.addresses:
            pinned = httpcore.URL(
                scheme=target.scheme.encode("ascii"),
                host=address.encode("ascii"),
                port=target.port,
                target=request_target,
            )
            try:
                with pool().stream(
                    "POST", pinned, headers=request_headers, content=body, extensions=extensions
                ) as response:
                    data = _read_capped(response, limit=policy["RESPONSE_MAX_BYTES"])
                    return Answer(
                        status=response.status,
                        duration_ms=int((time.monotonic() - started) * 1000),
                        retry_after=_header(response, b"retry-after"),
                        excerpt=data.decode("utf-8", "replace"),
                    )
            except httpcore.ConnectError as exc:
                error = f"connection failed: {_short(exc)}"
                continue
            except httpcore.TimeoutException:
                error = "timed out"
                break
            except (httpcore.NetworkError, httpcore.ProtocolError) as exc:
                error = f"{type(exc).__name__}: {_short(exc)}"
                break
    finally:
        _attempt.deadline = None
    return Answer(status=None, duration_ms=int((time.monotonic() - started) * 1000), error=error)


def _short(exc: Exception) -> str:
    return (str(exc) or type(exc).__name__)[:200]
