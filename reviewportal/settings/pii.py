"""Personal information at rest: keys of the field encryption and of the lookup hashes."""

from __future__ import annotations

import base64
import binascii

from django.core.exceptions import ImproperlyConfigured

from reviewportal.settings.environment import PRODUCTION, required, secret


def _bad_fernet_keys(keys: list[str]) -> str | None:
    for key in keys:
        try:
            if len(base64.urlsafe_b64decode(key.encode())) != 32:
                return "holds a key that is not 32 url-safe base64 bytes"
        except (binascii.Error, ValueError):
            return "holds a key that is not url-safe base64"
    return None


# Comma-separated Fernet keys (`manage.py pii_rotate_keys` explains rotation): the first one
# encrypts, every one decrypts, so a new key goes first and the old one stays until rotated out.
FIELD_ENCRYPTION_KEYS = [k.strip() for k in secret("FIELD_ENCRYPTION_KEYS").split(",") if k.strip()]
_problem = _bad_fernet_keys(FIELD_ENCRYPTION_KEYS)
if _problem:
    if not PRODUCTION:
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS {_problem}.")
    required("FIELD_ENCRYPTION_KEYS", FIELD_ENCRYPTION_KEYS, _problem)
# Keyed hash (HMAC-SHA256) beside each encrypted number, for lookups by equality. It is not
# rotated with the encryption keys: changing it means recomputing every hash.
FIELD_HASH_KEY = secret("FIELD_HASH_KEY")
