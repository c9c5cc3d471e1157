"""Settings for Review Portal.

Everything comes from the environment with embedded defaults, so that a fresh checkout runs on
SQLite, a server-less Celery broker and private local file storage, and the same code uses
PostgreSQL, Redis and S3-compatible storage when DATABASE_URL, REDIS_URL and the S3 variables
are set.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("REVIEWPORTAL_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


DEBUG = env_bool("DJANGO_DEBUG", True)
# The default key only ever serves a local demo; production sets DJANGO_SECRET_KEY.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "insecure-local-demo-key-change-me-in-production")
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "*").split(",") if h]
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "reviewportal.admin_site.ReviewAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_fsm",
    "django_fsm_log",
    "auditlog",
    "axes",
    "reviewportal",
    "signatures",
    "templates",
    "carriers",
]

# Transition log rows as django-fsm-log's simple backend writes them, which a service moving
# many rows at once may write together (reviewportal/transition_log.py).
DJANGO_FSM_LOG_STORAGE_METHOD = "reviewportal.transition_log.BatchingBackend"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "reviewportal.middleware.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    # Last, as django-axes asks, so that it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "reviewportal.urls"
WSGI_APPLICATION = "reviewportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "reviewportal" / "html"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "reviewportal.portal.context.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, beat) share the file: wait for locks instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "reviewportal.User"
LOGIN_URL = "/portal/login/"
LOGIN_REDIRECT_URL = "/portal/"
LOGOUT_REDIRECT_URL = "/portal/login/"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- Static files and private uploads -------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# Uploaded materials are private: there is no MEDIA_URL route, and files are only ever streamed
# by a view that checks the viewer's right and writes an access-log row.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private-media"))
S3_BUCKET = os.environ.get("S3_BUCKET_NAME", "")
if S3_BUCKET:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            "location": os.environ.get("S3_LOCATION", "materials"),
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": "/no-public-url/"},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Static files are served from the apps' folders too, so that a checkout runs without a
# collectstatic step; production runs collectstatic and gets compressed, hashed files.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# --- Cache, broker, Celery ------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Longer than the longest retry back-off, so that a reserved message is not redelivered
        # to a second worker while the first is still legitimately working on it.
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3 * 3600),
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # kombu's filesystem transport needs no server: web, worker and beat exchange messages
    # through folders under var/.
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    # kombu expects the folders to exist; every process (web, worker, beat) may be first.
    for _folder in ("out", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Reliability: a message is acknowledged only when its task has finished, and one whose worker
# died (SIGKILL, OOM) goes back to the queue; a worker reserves one message per thread at a
# time. A carrier message carries a batch of filing ids (CARRIER_POLICY["BATCH_SIZE"]), so a
# redelivery repeats the batch — harmless, as every filing is checked and locked on its own.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
# Carrier submissions and result checks have queues of their own, so that a check never waits
# behind a backlog of submissions (nor behind e-mails). A worker started without --queues
# consumes all three; `carriers.tasks.queue_for` reads the names from CARRIER_POLICY["QUEUES"].
_CARRIER_QUEUES = {
    "submit": os.environ.get("CARRIER_SUBMIT_QUEUE", "carriers.submit"),
    "check": os.environ.get("CARRIER_CHECK_QUEUE", "carriers.check"),
}
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [Queue(CELERY_TASK_DEFAULT_QUEUE), *map(Queue, _CARRIER_QUEUES.values())]
CELERY_TASK_ROUTES = ["carriers.tasks.queue_for"]
CELERY_BEAT_SCHEDULE: dict = {
    # Records SLA breaches and flags items at risk (reviewportal.services.sla.sla_sweep_run).
    "sla-sweep": {"task": "reviewportal.tasks.sla_sweep", "schedule": 300.0},
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
    # Carrier outbox: re-sends filings left queued (a lost message loses nothing).
    "carrier-filings-sweep": {"task": "carriers.tasks.filings_sweep_task", "schedule": 120.0},
    # Carrier results: polls queryable carriers, probes the others (never ctcc at night).
    "carrier-results-poll": {"task": "carriers.tasks.filings_poll_task", "schedule": 600.0},
    # Carriers' clearance of unused signatures, noticed by a daily check.
    "carrier-clearance-check": {
        "task": "carriers.tasks.filings_clearance_task",
        "schedule": 24 * 3600.0,
    },
    # Customers warned before carriers clear their unused signatures.
    "carrier-inactivity-warn": {
        "task": "carriers.tasks.inactivity_warn_task",
        "schedule": 6 * 3600.0,
    },
}

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Review Portal <noreply@reviewportal.local>"
)

# --- Security-related third-party apps ------------------------------------------------------
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1  # hours
AXES_RESET_ON_SUCCESS = True
# The portal's login gets a page in the portal's layout; the console keeps axes' plain answer.
AXES_LOCKOUT_CALLABLE = "reviewportal.portal.views.lockout"
AUDITLOG_INCLUDE_ALL_MODELS = False

# --- Policy: the numbers that are our own choices live here, in one place -----------------
REVIEW_POLICY = {
    # How long a claim may sit idle before the item returns to the queue (minutes).
    "CLAIM_IDLE_MINUTES": env_int("REVIEW_CLAIM_IDLE_MINUTES", 60),
    # Maximum length of customer-facing comments and internal notes.
    "COMMENT_MAX_LENGTH": 2000,
    # Reviewers' opening hours on working days, local time of BUSINESS_TIMEZONE (seed 000 §2.2).
    "BUSINESS_HOURS": ("09:00", "18:00"),
    "BUSINESS_TIMEZONE": "Asia/Shanghai",
    # Urgent tickets an account may have open or accepted per calendar month (declined ones do
    # not count: they cost no reviewer time).
    "URGENT_TICKETS_PER_MONTH": env_int("REVIEW_URGENT_TICKETS_PER_MONTH", 5),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

UPLOAD_POLICY = {
    "MAX_BYTES": env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024),
    # Enough for a 48-megapixel phone photo of a licence, far below a decompression bomb.
    "MAX_PIXELS": env_int("UPLOAD_MAX_PIXELS", 50_000_000),
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# --- Carrier forwarding (SPEC §5) -------------------------------------------------------------
# Gateways are chosen per carrier code; the stubs behave like carriers (working days, their own
# rules, transient faults); the HTTP adapter talks to `manage.py carrier_stub_server` (loopback).
_STUB_GATEWAY = "carriers.gateways.stub.StubGateway"
CARRIER_POLICY = {
    "GATEWAYS": {
        code: os.environ.get(f"CARRIER_GATEWAY_{code.upper()}", _STUB_GATEWAY)
        for code in ("cmcc", "cucc", "ctcc")
    },
    # Submissions per filing generation before it is `failed`; retries back off exponentially
    # with jitter from RETRY_BACKOFF_SECONDS up to RETRY_BACKOFF_MAX_SECONDS (below the broker's
    # visibility timeout, so a waiting retry is never redelivered to a second worker).
    "MAX_ATTEMPTS": env_int("CARRIER_MAX_ATTEMPTS", 8),
    # Filings per submit or check message (and per carrier batch call): an approval sends its
    # three filings in one message; the sweep and the poll send backlogs in messages this big.
    "BATCH_SIZE": env_int("CARRIER_BATCH_SIZE", 100),
    "QUEUES": _CARRIER_QUEUES,
    "RETRY_BACKOFF_SECONDS": env_int("CARRIER_RETRY_BACKOFF_SECONDS", 30),
    "RETRY_BACKOFF_MAX_SECONDS": env_int("CARRIER_RETRY_BACKOFF_MAX_SECONDS", 3600),
    # A queued filing untouched this long is re-sent by the sweep; an attempt started this long
    # ago without an answer is taken to be dead (its worker was killed).
    "SWEEP_STALE_SECONDS": env_int("CARRIER_SWEEP_STALE_SECONDS", 300),
    # First result check after a submission; later ones come from the periodic poll.
    "FIRST_CHECK_SECONDS": env_int("CARRIER_FIRST_CHECK_SECONDS", 600),
    "HTTP_TIMEOUT_SECONDS": float(os.environ.get("CARRIER_HTTP_TIMEOUT_SECONDS", "5")),
    "HTTP_STUB_URL": os.environ.get("CARRIER_HTTP_STUB_URL", "http://127.0.0.1:8765"),
    # Signed callbacks: HMAC-SHA256 secret per carrier and the accepted clock skew (nonces are
    # kept at least twice as long, for replay protection).
    "CALLBACK_SECRETS": {
        code: os.environ.get(f"CARRIER_CALLBACK_SECRET_{code.upper()}", f"demo-callback-{code}")
        for code in ("cmcc", "cucc", "ctcc")
    },
    "CALLBACK_MAX_SKEW_SECONDS": 300,
    # Bearer token of the sending platform that reports signature use (POST /carriers/usage/).
    "USAGE_TOKEN": os.environ.get("CARRIER_USAGE_TOKEN", "demo-usage-token"),
    # Carriers clear signatures unused this long; customers are warned WARN_DAYS_BEFORE.
    "INACTIVITY_CLEAR_DAYS": env_int("CARRIER_INACTIVITY_CLEAR_DAYS", 90),
    "INACTIVITY_WARN_DAYS_BEFORE": env_int("CARRIER_INACTIVITY_WARN_DAYS_BEFORE", 14),
    # No test sends in these local hours (Asia/Shanghai): China Telecom rate-limits its SMS
    # channels 23:00–07:00 (seed 004 2025.5.20).
    "TEST_SEND_QUIET_HOURS": {"ctcc": ("23:00", "07:00")},
    "STUB": {
        # 1 = real working days; 86400 makes a working day last one second (demos, tests).
        "TIME_SCALE": float(os.environ.get("CARRIER_STUB_TIME_SCALE", "1")),
        # Share of calls that fail transiently (timeouts, 5xx, lost responses).
        "FAULT_RATE": float(os.environ.get("CARRIER_STUB_FAULT_RATE", "0.05")),
        # Working days each carrier takes, and whether it answers queries at all (seed 004: some
        # do not; their status comes from test sends, callbacks or staff).
        "CARRIERS": {
            "cmcc": {"WORKING_DAYS": 3, "QUERYABLE": True},
            "cucc": {"WORKING_DAYS": 5, "QUERYABLE": False},
            "ctcc": {"WORKING_DAYS": 4, "QUERYABLE": True},
        },
    },
}
