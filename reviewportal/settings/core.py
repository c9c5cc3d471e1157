"""Django itself: debug, hosts, apps, middleware, templates, database, users, language, logs."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy as _

from reviewportal.settings.environment import (
    BASE_DIR,
    PRODUCTION,
    VAR_DIR,
    env,
    required,
    secret,
)

# Off unless asked for, in the demo too: whitenoise serves the static files either way.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
required("DJANGO_DEBUG", DEBUG, "must be off in production" if DEBUG else None)
SECRET_KEY = secret("DJANGO_SECRET_KEY")
if PRODUCTION and SECRET_KEY and len(SECRET_KEY) < 50:
    required("DJANGO_SECRET_KEY", SECRET_KEY, "is shorter than 50 characters")

# The public address of the site: links in e-mails (password reset, invites) are built from it,
# never from the Host header of the request that caused them.
SITE_URL = env.str("SITE_URL", default="" if PRODUCTION else "http://127.0.0.1:8000").rstrip("/")
_site = urlsplit(SITE_URL)
required(
    "SITE_URL",
    SITE_URL,
    "is not set"
    if not SITE_URL
    else "must be an https:// address"
    if _site.scheme != "https" or not _site.hostname
    else None,
)

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS",
    default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"],
)
required(
    "DJANGO_ALLOWED_HOSTS",
    ALLOWED_HOSTS,
    "is not set" if not ALLOWED_HOSTS else "must not contain '*'" if "*" in ALLOWED_HOSTS else None,
)
CSRF_TRUSTED_ORIGINS = env.list(
    "DJANGO_CSRF_TRUSTED_ORIGINS",
    default=[f"{_site.scheme}://{_site.netloc}"] if _site.scheme and _site.netloc else [],
)

INSTALLED_APPS = [
    # The console first: its templates (admin/base_site.html, admin/index.html) take the place
    # of the admin's own. (Its catalogue then comes first too; it translates none of the
    # admin's strings differently. The portal's does, so it comes after the libraries.)
    "console",
    "console.admin_site.ReviewAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "django_fsm",
    "django_fsm_log",
    "auditlog",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "reviewportal",
    "portal",
    "signatures",
    "templates",
    "carriers",
    "webhooks",
    "api",
]

# Transition log rows as django-fsm-log's simple backend writes them, which a service moving
# many rows at once may write together (reviewportal/history_batch.py).
DJANGO_FSM_LOG_STORAGE_METHOD = "reviewportal.history_batch.BatchingBackend"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A view whose database or Redis went away answers 503 (handler500 covers the rest).
    "reviewportal.unavailable.UnavailableMiddleware",
    "signatures.upload_handlers.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "reviewportal.middleware.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "signatures.middleware.OrphanFilesMiddleware",
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
                "portal.context.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
_SQLITE_PATH = VAR_DIR / "db.sqlite3"
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{_SQLITE_PATH}")}
required(
    "DATABASE_URL",
    env.str("DATABASE_URL", default=""),
    None
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    else "is not PostgreSQL: every node shares one PostgreSQL database",
)
# Production keeps each thread's connection for DATABASE_CONN_MAX_AGE seconds (60; the demo
# and the tests open one per request) and checks it before reuse, so that a restarted
# PostgreSQL costs a failed check and a new connection, not a failed request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int(
    "DATABASE_CONN_MAX_AGE", default=60 if PRODUCTION else 0
)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, beat) share the file: wait for locks instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
    _name = str(DATABASES["default"]["NAME"])
    if _name and _name != ":memory:" and not _name.startswith("file:"):
        # The database holds personal data: owner-only, created so before SQLite opens it (its
        # journal files take the same mode).
        _db = os.path.abspath(_name)
        os.makedirs(os.path.dirname(_db), mode=0o700, exist_ok=True)
        os.close(os.open(_db, os.O_CREAT | os.O_WRONLY, 0o600))
        os.chmod(_db, 0o600)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "reviewportal.User"
# Sessions are rows of the database that every web node shares (no node keeps one of its own).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
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

# Resident ID numbers are masked in every log line and error report (reviewportal.redaction).
# Every process (web, worker, beat, each command) logs what happened and what is wrong, not
# that it started: django-axes says at INFO, in each of them, that it is there (with
# AXES_VERBOSE) and that someone logged in or out, so it is heard from at WARNING, where its
# lockouts and errors are. LOG_LEVEL sets everything else (INFO), LOG_LEVEL_AXES axes.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"id_numbers": {"()": "reviewportal.redaction.IdNumberLogFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["id_numbers"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": env.str("LOG_LEVEL_AXES", default="WARNING")},
        # httpx and its pool (httpcore) log requests' URLs: a customer's webhook URL may carry
        # their receiver's token in its query (the webhooks log endpoint ids instead).
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}
DEFAULT_EXCEPTION_REPORTER_FILTER = "reviewportal.redaction.IdNumberExceptionReporterFilter"
