"""Where settings come from: the environment (django-environ), the mode, and the demo's secrets.

Two modes, chosen by ``DJANGO_ENV``:

- ``demo`` (the default): a local installation that runs with no configuration at all. Its
  secrets (secret key, carrier callback secrets, usage token, field-encryption keys) are generated
  once per installation and kept private in ``var/secrets.json`` (owner-only), so no secret that
  can be read in the source works anywhere.
- ``production``: every secret and the deployment facts come from the environment; a missing one,
  a demo value or a console e-mail backend stops the process at start with a message naming the
  variable (``unsafe_production_settings``).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import time
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

MODE = env.str("DJANGO_ENV", default="demo").strip().lower()
if MODE not in {"demo", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be 'demo' or 'production', not {MODE!r}.")
PRODUCTION = MODE == "production"

VAR_DIR = Path(env.str("REVIEWPORTAL_VAR_DIR", default=str(BASE_DIR / "var")))

CARRIER_CODES = ("cmcc", "cucc", "ctcc")

#: Values that have been published (in this repository's history or its documentation) and so
#: must never be accepted as a secret in production.
PUBLISHED_SECRETS = frozenset(
    {
        "insecure-local-demo-key-change-me-in-production",
        "demo-usage-token",
        *(f"demo-callback-{code}" for code in CARRIER_CODES),
    }
)


def _fernet_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def _new_demo_secrets() -> dict[str, str]:
    values = {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "CARRIER_USAGE_TOKEN": secrets.token_urlsafe(32),
        "FIELD_ENCRYPTION_KEYS": _fernet_key(),
        "FIELD_HASH_KEY": secrets.token_urlsafe(32),
    }
    for code in CARRIER_CODES:
        values[f"CARRIER_CALLBACK_SECRET_{code.upper()}"] = secrets.token_urlsafe(32)
    return values


def _demo_secrets() -> dict[str, str]:
    """The installation's own demo secrets, created on first use (owner-only file).

    Several processes (web, worker, beat, tests) may start at once: the file is written under a
    temporary name and linked into place, so exactly one set wins and every process reads it."""
    path = VAR_DIR / "secrets.json"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".secrets.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(_new_demo_secrets(), fh, indent=1)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process was first: use its secrets
        finally:
            tmp.unlink()
    for _attempt in range(20):
        try:
            stored = json.loads(path.read_text())
            break
        except (ValueError, OSError):
            time.sleep(0.05)
    else:
        raise ImproperlyConfigured(f"{path} is not readable JSON: delete it to make new secrets.")
    # Keys added by a newer version are created and saved beside the old ones.
    missing = {k: v for k, v in _new_demo_secrets().items() if k not in stored}
    if missing:
        stored.update(missing)
        tmp = path.with_name(f".secrets.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(stored, fh, indent=1)
        os.replace(tmp, path)
    return stored


#: Variables production must set; each is named in the refusal when it is missing or unsafe.
PRODUCTION_REQUIRED: list[str] = []
#: (variable, problem) pairs found while reading the settings, reported together at start.
PROBLEMS: list[tuple[str, str]] = []


def secret(name: str) -> str:
    """A secret from the environment; in the demo, the installation's generated value."""
    value = env.str(name, default="").strip()
    if PRODUCTION:
        PRODUCTION_REQUIRED.append(name)
        if not value:
            PROBLEMS.append((name, "is not set"))
        elif value in PUBLISHED_SECRETS or value in _demo_values():
            PROBLEMS.append((name, "is a demo value"))
        return value
    return value or _demo_secrets()[name]


_demo_cache: set[str] | None = None


def _demo_values() -> set[str]:
    """Production refuses the demo's generated secrets too, if this installation has any."""
    global _demo_cache
    if _demo_cache is None:
        path = VAR_DIR / "secrets.json"
        try:
            _demo_cache = set(json.loads(path.read_text()).values()) if path.exists() else set()
        except (ValueError, OSError):
            _demo_cache = set()
    return _demo_cache


def required(name: str, value, problem: str | None) -> None:
    """Record that production needs ``name``; ``problem`` says what is wrong with it, if any."""
    if PRODUCTION:
        PRODUCTION_REQUIRED.append(name)
        if problem:
            PROBLEMS.append((name, problem))


class UnsafeProductionSettings(ImproperlyConfigured):
    """Production mode with a missing or demo secret: the process must not start."""

    unsafe_production = True


def refuse_unsafe_production() -> None:
    if PROBLEMS:
        lines = "\n".join(f"  - {name} {problem}" for name, problem in PROBLEMS)
        raise UnsafeProductionSettings(
            "Refusing to start in production mode (DJANGO_ENV=production):\n"
            f"{lines}\nSee README, 'Running in production'."
        )
