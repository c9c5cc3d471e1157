"""HTTPS, cookies, content security policy, login throttling."""

from __future__ import annotations

from csp.constants import NONE, SELF

from reviewportal.settings.environment import PRODUCTION, env

# Production defaults are the safe ones; each can be changed from the environment (for example
# behind a proxy that already redirects to HTTPS).
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION
)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=PRODUCTION)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=PRODUCTION)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=PRODUCTION)
# Behind a TLS-terminating proxy: "X-Forwarded-Proto=https" (the header the proxy sets and the
# value that means HTTPS). Only set it when the proxy always sets or strips that header.
_proxy_header = env.str("DJANGO_SECURE_PROXY_SSL_HEADER", default="")
if _proxy_header:
    _header, _, _value = _proxy_header.partition("=")
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + _header.strip().upper().replace("-", "_"),
        _value.strip() or "https",
    )
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Every page: scripts and styles only from our own static files (the portal and the console
# have no inline script); images may be previews of files chosen in the browser (blob:) and the
# admin's data: icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "frame-src": [NONE],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    }
}

# A monitor sending "Authorization: Bearer <HEALTH_TOKEN>" gets /health/'s details; empty: staff
# signed in only.
HEALTH_TOKEN = env.str("HEALTH_TOKEN", default="")

# --- django-axes ------------------------------------------------------------------------------

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1  # hours
# Failures count per login name and per client address; a success forgives only the failures of
# that login name from that address (reviewportal.login_attempts: axes' own reset would wipe the
# address's failures against other login names too). Axes reads the client address from
# REMOTE_ADDR; behind a proxy set AXES_IPWARE_PROXY_COUNT and AXES_IPWARE_META_PRECEDENCE_ORDER.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "reviewportal.login_attempts.LoginAttemptHandler"
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = env.list(
    "AXES_IPWARE_META_PRECEDENCE_ORDER", default=["REMOTE_ADDR"]
)
AXES_VERBOSE = env.bool("AXES_VERBOSE", default=False)
# The portal's login gets a page in the portal's layout; the console keeps axes' plain answer.
AXES_LOCKOUT_CALLABLE = "portal.views.lockout"
AUDITLOG_INCLUDE_ALL_MODELS = False
