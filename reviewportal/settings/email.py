"""Where notification e-mails go: ``EMAIL_URL`` (``smtp+tls://user:password@host:587``) or
``EMAIL_BACKEND``; the demo prints them to the worker's log."""

from __future__ import annotations

from reviewportal.settings.environment import PRODUCTION, env, required

_CONSOLE = "django.core.mail.backends.console.EmailBackend"
# Backends that deliver nothing to anybody: refused in production.
_NOT_DELIVERING = {
    _CONSOLE,
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}

if env.str("EMAIL_URL", default=""):
    _email = env.email_url("EMAIL_URL")
    globals().update(_email)  # EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_USE_TLS …
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    _origin = "EMAIL_URL"
else:
    EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="" if PRODUCTION else _CONSOLE)
    _origin = "EMAIL_BACKEND"
required(
    "EMAIL_URL",
    EMAIL_BACKEND,
    "or EMAIL_BACKEND is not set"
    if not EMAIL_BACKEND
    else f"({_origin}) names a backend that delivers no e-mail"
    if EMAIL_BACKEND in _NOT_DELIVERING
    else None,
)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Review Portal <noreply@reviewportal.local>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
