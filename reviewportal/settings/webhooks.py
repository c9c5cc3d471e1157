"""Customers' webhooks (SPEC §9): the retry schedule, timeouts, limits and the address guard."""

from __future__ import annotations

from reviewportal.settings.environment import env

# Deliveries have a queue of their own, so that a customer's slow endpoint never delays an
# e-mail or a carrier submission; a worker started without --queues consumes it too.
WEBHOOK_QUEUE = env.str("WEBHOOK_QUEUE", default="webhooks")

WEBHOOK_POLICY = {
    # Seconds to wait before each attempt (SPEC §9): immediately, 5 s, 5 min, 30 min, 2 h, 5 h,
    # 10 h, 10 h. After the last one fails the delivery is given up (it can be re-sent).
    "RETRY_SCHEDULE_SECONDS": (0, 5, 300, 1800, 7200, 18000, 36000, 36000),
    # An endpoint that has failed every attempt for this long is disabled and its account's
    # owners and admins are told (a success in between starts the count again).
    "DISABLE_AFTER_FAILING_SECONDS": 5 * 24 * 3600,
    # The longest Retry-After of a 429 or 503 we wait for; a longer one is cut to this.
    "RETRY_AFTER_MAX_SECONDS": env.int("WEBHOOK_RETRY_AFTER_MAX_SECONDS", default=10 * 3600),
    "CONNECT_TIMEOUT_SECONDS": env.float("WEBHOOK_CONNECT_TIMEOUT_SECONDS", default=float("5")),
    "READ_TIMEOUT_SECONDS": env.float("WEBHOOK_READ_TIMEOUT_SECONDS", default=float("10")),
    # A whole attempt (connect, send, read the answer) is abandoned after this long, and a
    # claimed delivery whose worker has not answered within LEASE_SECONDS is taken to be dead
    # and tried again (longer than any attempt, so that two workers never send one delivery).
    "ATTEMPT_DEADLINE_SECONDS": env.float("WEBHOOK_ATTEMPT_DEADLINE_SECONDS", default=30.0),
    "LEASE_SECONDS": env.int("WEBHOOK_LEASE_SECONDS", default=120),
    # Bytes of a receiver's answer we read (kept, shortened, as the attempt's error).
    "RESPONSE_MAX_BYTES": 4096,
    # Deliveries per message (and per claim), and the requests one worker makes at once.
    "BATCH_SIZE": env.int("WEBHOOK_BATCH_SIZE", default=100),
    "SEND_THREADS": env.int("WEBHOOK_SEND_THREADS", default=16),
    # Connections the pooled client of a worker process keeps open.
    "MAX_CONNECTIONS": env.int("WEBHOOK_MAX_CONNECTIONS", default=100),
    # Retries due this soon are sent with a countdown; later ones wait for the sweep.
    "COUNTDOWN_MAX_SECONDS": 60,
    # How often beat's sweep sends the deliveries that are due, and how many per run.
    "SWEEP_SECONDS": env.float("WEBHOOK_SWEEP_SECONDS", default=float("15")),
    "SWEEP_LIMIT": env.int("WEBHOOK_SWEEP_LIMIT", default=5000),
    # Endpoints an account may register.
    "MAX_ENDPOINTS_PER_ACCOUNT": 20,
    # How long a rotated-out secret still signs (both signatures are sent meanwhile).
    "PREVIOUS_SECRET_SECONDS": 24 * 3600,
    # Off in every real installation: loopback, private, link-local, multicast, reserved and
    # unspecified addresses are refused, and so is plain http. The tests turn it on for their
    # receiver on 127.0.0.1.
    "ALLOW_PRIVATE_ADDRESSES": env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=False),
    "USER_AGENT": "ReviewPortal-Webhooks/1.0",
}
