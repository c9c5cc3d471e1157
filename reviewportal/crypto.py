"""Encryption at rest of sensitive personal information (resident ID numbers, SPEC §10).

Values are Fernet tokens (AES-128-CBC with an HMAC-SHA256 tag: a changed or foreign token is
refused, never decrypted to garbage). ``FIELD_ENCRYPTION_KEYS`` is a list of Fernet keys: the
first encrypts, all decrypt, so a key is rotated by putting a new one first and running
``manage.py pii_rotate_keys --commit`` before the old one is dropped. Equality lookups use a
keyed hash (HMAC-SHA256 with ``FIELD_HASH_KEY``) stored beside each value, because a token
differs each time the same value is encrypted.

Keys never appear in an error message."""

from __future__ import annotations

import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class FieldKeysError(ImproperlyConfigured):
    """``FIELD_ENCRYPTION_KEYS`` or ``FIELD_HASH_KEY`` is missing or malformed."""


class FieldDecryptionError(Exception):
    """A stored value that none of ``FIELD_ENCRYPTION_KEYS`` opens (a key was dropped too
    early, the wrong keys are configured, or the value was changed outside the application)."""


def _configured_keys() -> tuple[str, ...]:
    keys = getattr(settings, "FIELD_ENCRYPTION_KEYS", None)
    if isinstance(keys, str):
        keys = keys.split(",")
    keys = tuple(str(k).strip() for k in keys or () if k and str(k).strip())
    if not keys:
        raise FieldKeysError(
            "FIELD_ENCRYPTION_KEYS is not set: it must list at least one Fernet key "
            "(the first encrypts, all decrypt)."
        )
    return keys


@functools.lru_cache(maxsize=8)
def _cipher(keys: tuple[str, ...]) -> tuple[MultiFernet, Fernet]:
    fernets = []
    for position, key in enumerate(keys):
        try:
            fernets.append(Fernet(key.encode("ascii")))
        except (ValueError, TypeError, UnicodeEncodeError) as exc:
            raise FieldKeysError(
                f"FIELD_ENCRYPTION_KEYS[{position}] is not a Fernet key "
                "(32 random bytes, url-safe base64-encoded)."
            ) from exc
    return MultiFernet(fernets), fernets[0]


def cipher() -> MultiFernet:
    """The configured keys as one MultiFernet; raises FieldKeysError on bad configuration."""
    return _cipher(_configured_keys())[0]


def check_keys() -> None:
    """Raise FieldKeysError unless both the encryption keys and the hash key are usable."""
    cipher()
    _hash_key()


def encrypt(value: str) -> str:
    return cipher().encrypt(value.encode("utf-8")).decode("ascii")


def _token_bytes(token: str) -> bytes:
    try:
        return token.encode("ascii")
    except (UnicodeEncodeError, AttributeError) as exc:
        raise InvalidToken from exc


def decrypt(token: str, *, what: str = "a value") -> str:
    """The plaintext of ``token``; ``what`` names the field in the error."""
    try:
        return cipher().decrypt(_token_bytes(token)).decode("utf-8")
    except InvalidToken as exc:
        raise FieldDecryptionError(
            f"Cannot decrypt {what}: no key in FIELD_ENCRYPTION_KEYS opens it (was a key removed "
            "before `manage.py pii_rotate_keys --commit` ran?)."
        ) from exc


def is_under_first_key(token: str) -> bool:
    """Whether ``token`` was made with the key that encrypts now."""
    try:
        _cipher(_configured_keys())[1].decrypt(_token_bytes(token))
    except InvalidToken:
        return False
    return True


def reencrypt(token: str, *, what: str = "a value") -> str:
    """``token`` re-encrypted under the first key (same plaintext)."""
    try:
        return cipher().rotate(_token_bytes(token)).decode("ascii")
    except InvalidToken as exc:
        raise FieldDecryptionError(
            f"Cannot re-encrypt {what}: no key in FIELD_ENCRYPTION_KEYS opens it."
        ) from exc


def _hash_key() -> bytes:
    key = getattr(settings, "FIELD_HASH_KEY", None)
    if not key:
        raise FieldKeysError(
            "FIELD_HASH_KEY is not set: the keyed hash of ID numbers needs a secret key."
        )
    return key.encode("utf-8") if isinstance(key, str) else bytes(key)


def blind_index(value: str) -> str:
    """The keyed hash stored beside an encrypted value for equality lookups; empty for an
    empty value, so that "no number" stays recognisable."""
    if not value:
        return ""
    return hmac.new(_hash_key(), value.encode("utf-8"), hashlib.sha256).hexdigest()
