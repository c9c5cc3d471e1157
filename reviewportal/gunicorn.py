"""Gunicorn's settings for the web process (``scripts/serve web``), read from the environment.

    WEB_BIND                 address(es) to listen on, comma-separated (127.0.0.1:8000)
    WEB_WORKERS              worker processes (the number of cores)
    WEB_THREADS              threads per worker (4): requests wait on the database and storage
    WEB_TIMEOUT              seconds a request may take before its worker is replaced (60; an
                             upload of 100 MB on a slow line needs the time)
    WEB_MAX_REQUESTS         requests after which a worker is replaced (2000, with jitter)
    WEB_FORWARDED_ALLOW_IPS  proxies trusted for X-Forwarded-* (127.0.0.1)
    WEB_CONTROL_SOCKET       path of Gunicorn's control socket; unset, there is none (the
                             default, one path per user, would be shared by every node of a host)

A web node keeps nothing of its own: sessions are in the database, the cache, rate limits and
the broker in Redis, uploads in the configured storage (README, "Running in production")."""

from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}") from None
    if number < 1:
        raise SystemExit(f"{name} must be at least 1, not {number}")
    return number


bind = [b.strip() for b in os.environ.get("WEB_BIND", "127.0.0.1:8000").split(",") if b.strip()]
workers = _int("WEB_WORKERS", os.cpu_count() or 1)
threads = _int("WEB_THREADS", 4)
worker_class = "gthread"
timeout = _int("WEB_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5
max_requests = _int("WEB_MAX_REQUESTS", 2000)
max_requests_jitter = max(1, max_requests // 10)
forwarded_allow_ips = os.environ.get("WEB_FORWARDED_ALLOW_IPS", "127.0.0.1")
wsgi_app = "reviewportal.wsgi:application"
proc_name = "reviewportal-web"
control_socket_disable = not os.environ.get("WEB_CONTROL_SOCKET")
if not control_socket_disable:
    control_socket = os.environ["WEB_CONTROL_SOCKET"]

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# The path without its query string: searches and links may carry ID numbers or tokens, which
# must not reach a log file. Time taken in milliseconds.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
