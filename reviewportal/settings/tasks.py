"""Cache, broker and Celery: Redis when REDIS_URL is set, server-less local defaults if not."""

from __future__ import annotations

from kombu import Queue

from reviewportal.settings.carriers import CARRIER_POLICY, CARRIER_QUEUES
from reviewportal.settings.core import TIME_ZONE
from reviewportal.settings.environment import VAR_DIR, env, required
from reviewportal.settings.webhooks import WEBHOOK_POLICY, WEBHOOK_QUEUE

REDIS_URL = env.str("REDIS_URL", default="")
# Every node must share the cache (rate limits, locks) and the broker: production needs Redis.
required("REDIS_URL", REDIS_URL, None if REDIS_URL else "is not set: every node shares Redis")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Longer than the longest retry back-off, so that a reserved message is not redelivered
        # to a second worker while the first is still legitimately working on it.
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3 * 3600),
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # kombu's filesystem transport needs no server: web, worker and beat exchange messages
    # through folders under var/.
    _broker_dir = VAR_DIR / "broker"
    # With its host named: kombu warns in every process about a URL without one ("No hostname
    # was supplied"), although the filesystem transport has no use for it.
    CELERY_BROKER_URL = "filesystem://localhost//"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    # kombu expects the folders to exist; every process (web, worker, beat) may be first.
    for _folder in ("out", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True, mode=0o700)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Reliability: a message is acknowledged only when its task has finished, and one whose worker
# died (SIGKILL, OOM) goes back to the queue; a worker reserves one message per thread at a
# time. A carrier message carries a batch of filing ids (CARRIER_POLICY["BATCH_SIZE"]), so a
# redelivery repeats the batch — harmless, as every filing is checked and locked on its own.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
# Carrier submissions and result checks have queues of their own (CARRIER_QUEUES, with the
# carrier settings); a worker started without --queues consumes all three.
# CELERY_DEFAULT_QUEUE names the default queue, so that two installations (or a test run) may
# share one Redis without taking each other's messages.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_DEFAULT_QUEUE", default="celery")
CELERY_TASK_QUEUES = [
    Queue(CELERY_TASK_DEFAULT_QUEUE),
    *map(Queue, CARRIER_QUEUES.values()),
    Queue(WEBHOOK_QUEUE),
]
# Webhook deliveries go to their own queue (``reviewportal.settings.webhooks``).
CELERY_TASK_ROUTES = [
    "carriers.tasks.queue_for",
    {"webhooks.tasks.deliveries_send_task": {"queue": WEBHOOK_QUEUE}},
]
CELERY_BEAT_SCHEDULE: dict = {
    # Records SLA breaches and flags items at risk (reviewportal.services.sla.sla_sweep_run).
    "sla-sweep": {
        "task": "reviewportal.tasks.sla_sweep",
        "schedule": env.float("SLA_SWEEP_SECONDS", default=300.0),
    },
    # Next year's calendar missing or provisional: senior reviewers hear of it once a week.
    "calendar-coverage-reminder": {
        "task": "reviewportal.tasks.calendar_coverage_reminder",
        "schedule": 24 * 3600.0,
    },
    # E-mails whose task was lost or never sent (broker down when the notification was made).
    "notification-email-sweep": {
        "task": "reviewportal.tasks.notification_email_sweep",
        "schedule": 300.0,
    },
    # Returns claims idle longer than REVIEW_POLICY["CLAIM_IDLE_MINUTES"] to the queue.
    "claims-expire": {"task": "reviewportal.tasks.claims_expire", "schedule": 300.0},
    # Staged uploads nobody used (kept for a refused form; UPLOAD_STAGED_HOURS) are deleted.
    "staged-uploads-purge": {"task": "signatures.tasks.staged_uploads_purge", "schedule": 3600.0},
    # Carrier outbox: re-sends filings left queued (a lost message loses nothing).
    "carrier-filings-sweep": {
        "task": "carriers.tasks.filings_sweep_task",
        "schedule": CARRIER_POLICY["SWEEP_SECONDS"],
    },
    # Carrier results: polls queryable carriers, probes the others (never ctcc at night); every
    # 10 minutes, sooner when the stub carriers' working days are compressed.
    "carrier-results-poll": {
        "task": "carriers.tasks.filings_poll_task",
        "schedule": CARRIER_POLICY["POLL_SECONDS"],
    },
    # Carriers' clearance of unused signatures, noticed by a daily check (on the inactivity
    # clock, like the warning).
    "carrier-clearance-check": {
        "task": "carriers.tasks.filings_clearance_task",
        "schedule": CARRIER_POLICY["CLEARANCE_CHECK_SECONDS"],
    },
    # Webhook outbox: sends the deliveries that are due (retries, and any whose message was
    # lost), each endpoint's deliveries of one object in order.
    "webhook-deliveries-sweep": {
        "task": "webhooks.tasks.deliveries_sweep_task",
        "schedule": WEBHOOK_POLICY["SWEEP_SECONDS"],
    },
    # Customers warned before carriers clear their unused signatures.
    "carrier-inactivity-warn": {
        "task": "carriers.tasks.inactivity_warn_task",
        "schedule": CARRIER_POLICY["INACTIVITY_WARN_CHECK_SECONDS"],
    },
}
