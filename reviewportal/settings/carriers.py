"""Carrier forwarding (SPEC §5): gateways, retries, callbacks, usage reports, the stubs."""

from __future__ import annotations

from reviewportal.settings.environment import CARRIER_CODES, env, secret

# Carrier submissions and result checks have queues of their own, so that a check never waits
# behind a backlog of submissions (nor behind e-mails). A worker started without --queues
# consumes them and the default queue (``tasks.CELERY_TASK_QUEUES``); `carriers.tasks.queue_for`
# reads the names from CARRIER_POLICY["QUEUES"].
CARRIER_QUEUES = {
    "submit": env.str("CARRIER_SUBMIT_QUEUE", default="carriers.submit"),
    "check": env.str("CARRIER_CHECK_QUEUE", default="carriers.check"),
}

# The stub carriers' two clocks (``carriers.clocks``): TIME_SCALE compresses their working days
# (86400: a working day lasts a second; `scripts/run` sets it), INACTIVITY_SCALE the months
# after which they clear an unused signature, and our warning before that. They are separate so
# that a demo's carriers answer in seconds while its signatures stay registered: 1 = real days,
# in the demo too.
_STUB_TIME_SCALE = env.float("CARRIER_STUB_TIME_SCALE", default=float("1"))
_STUB_INACTIVITY_SCALE = env.float("CARRIER_STUB_INACTIVITY_SCALE", default=float("1"))


def _on_clock(seconds: float, scale: float, *, floor: float) -> float:
    """How often we look at carriers (``seconds`` on the real clock) on a compressed clock:
    divided by the scale, but never more often than every ``floor`` seconds. Carriers that
    decide in seconds are asked in seconds, not after the ten minutes real ones are given."""
    if scale <= 1:
        return float(seconds)
    return max(seconds / scale, floor)


# Gateways are chosen per carrier code; the stubs behave like carriers (working days, their own
# rules, transient faults); the HTTP adapter talks to `manage.py carrier_stub_server` (loopback).
_STUB_GATEWAY = "carriers.gateways.stub.StubGateway"
CARRIER_POLICY = {
    "GATEWAYS": {
        code: env.str(f"CARRIER_GATEWAY_{code.upper()}", default=_STUB_GATEWAY)
        for code in CARRIER_CODES
    },
    # Submissions per filing generation before it is `failed`; retries back off exponentially
    # with jitter from RETRY_BACKOFF_SECONDS up to RETRY_BACKOFF_MAX_SECONDS (below the broker's
    # visibility timeout, so a waiting retry is never redelivered to a second worker).
    "MAX_ATTEMPTS": env.int("CARRIER_MAX_ATTEMPTS", default=8),
    # Filings per submit or check message (and per carrier batch call): an approval sends its
    # three filings in one message; the sweep and the poll send backlogs in messages this big.
    "BATCH_SIZE": env.int("CARRIER_BATCH_SIZE", default=100),
    "QUEUES": CARRIER_QUEUES,
    "RETRY_BACKOFF_SECONDS": env.int("CARRIER_RETRY_BACKOFF_SECONDS", default=30),
    "RETRY_BACKOFF_MAX_SECONDS": env.int("CARRIER_RETRY_BACKOFF_MAX_SECONDS", default=3600),
    # A queued filing untouched this long is re-sent by the sweep; an attempt started this long
    # ago without an answer is taken to be dead (its worker was killed).
    "SWEEP_STALE_SECONDS": env.int("CARRIER_SWEEP_STALE_SECONDS", default=300),
    # How often beat runs that sweep (`carrier-filings-sweep`).
    "SWEEP_SECONDS": env.float("CARRIER_SWEEP_SECONDS", default=120.0),
    # First result check after a submission; later ones come from the periodic poll
    # (`carrier-results-poll`), both on the working-day clock: 600 s for real carriers, 5 s and
    # 15 s for stubs whose working day lasts a second.
    "FIRST_CHECK_SECONDS": env.float(
        "CARRIER_FIRST_CHECK_SECONDS", default=_on_clock(600, _STUB_TIME_SCALE, floor=5)
    ),
    "POLL_SECONDS": env.float(
        "CARRIER_POLL_SECONDS", default=_on_clock(600, _STUB_TIME_SCALE, floor=15)
    ),
    "HTTP_TIMEOUT_SECONDS": env.float("CARRIER_HTTP_TIMEOUT_SECONDS", default=float("5")),
    "HTTP_STUB_URL": env.str("CARRIER_HTTP_STUB_URL", default="http://127.0.0.1:8765"),
    # Signed callbacks: HMAC-SHA256 secret per carrier and the accepted clock skew (nonces are
    # kept at least twice as long, for replay protection).
    "CALLBACK_SECRETS": {
        code: secret(f"CARRIER_CALLBACK_SECRET_{code.upper()}") for code in CARRIER_CODES
    },
    "CALLBACK_MAX_SKEW_SECONDS": 300,
    # Bearer token of the sending platform that reports signature use (POST /carriers/usage/).
    "USAGE_TOKEN": secret("CARRIER_USAGE_TOKEN"),
    # Carriers clear signatures unused this long; customers are warned WARN_DAYS_BEFORE. Both on
    # the inactivity clock (STUB["INACTIVITY_SCALE"]), and so are the daily clearance check and
    # the six-hourly warning run (`carrier-clearance-check`, `carrier-inactivity-warn`).
    "INACTIVITY_CLEAR_DAYS": env.int("CARRIER_INACTIVITY_CLEAR_DAYS", default=90),
    "INACTIVITY_WARN_DAYS_BEFORE": env.int("CARRIER_INACTIVITY_WARN_DAYS_BEFORE", default=14),
    "CLEARANCE_CHECK_SECONDS": _on_clock(24 * 3600, _STUB_INACTIVITY_SCALE, floor=5),
    "INACTIVITY_WARN_CHECK_SECONDS": _on_clock(6 * 3600, _STUB_INACTIVITY_SCALE, floor=5),
    # A customer's own re-file of a rejected or cleared filing (`filing_refile_by_customer`):
    # at most MAX_PER_DAY per filing per day (Beijing time) and MIN_WAIT_SECONDS between two of
    # them. A re-file is a new submission the carrier reviews again; a carrier answers in working
    # days, so a customer who re-files more often than this is repeating, not fixing. Staff
    # re-files are not limited.
    "CUSTOMER_REFILE": {
        "MAX_PER_DAY": env.int("CARRIER_CUSTOMER_REFILE_MAX_PER_DAY", default=3),
        "MIN_WAIT_SECONDS": env.int("CARRIER_CUSTOMER_REFILE_MIN_WAIT_SECONDS", default=1800),
    },
    # No test sends in these local hours (Asia/Shanghai): China Telecom rate-limits its SMS
    # channels 23:00–07:00 (seed 004 2025.5.20).
    "TEST_SEND_QUIET_HOURS": {"ctcc": ("23:00", "07:00")},
    "STUB": {
        # 1 = real working days; 86400 makes a working day last one second (demos, tests).
        "TIME_SCALE": _STUB_TIME_SCALE,
        # 1 = real days of inactivity before a clearance (the default, also in the demo).
        "INACTIVITY_SCALE": _STUB_INACTIVITY_SCALE,
        # Share of calls that fail transiently (timeouts, 5xx, lost responses).
        "FAULT_RATE": env.float("CARRIER_STUB_FAULT_RATE", default=float("0.05")),
        # Working days each carrier takes, and whether it answers queries at all (seed 004: some
        # do not; their status comes from test sends, callbacks or staff).
        "CARRIERS": {
            "cmcc": {"WORKING_DAYS": 3, "QUERYABLE": True},
            "cucc": {"WORKING_DAYS": 5, "QUERYABLE": False},
            "ctcc": {"WORKING_DAYS": 4, "QUERYABLE": True},
        },
    },
}
