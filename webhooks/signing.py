"""Signing per Standard Webhooks 1.0: ``webhook-id``, ``webhook-timestamp`` and
``webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>``, where the key is
the base64-decoded part of the secret after ``whsec_``. Several signatures (a rotation's old and
new secret) are sent space-separated; a receiver accepts the message if one of them verifies."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets as random

SECRET_PREFIX = "whsec_"
#: Random bytes of a new secret (the specification asks for 24 to 64).
SECRET_BYTES = 32


def secret_new() -> str:
    return SECRET_PREFIX + base64.b64encode(random.token_bytes(SECRET_BYTES)).decode("ascii")


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(secret: str, *, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 signature>`` of one message under one secret."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signed_headers(
    secrets: list[str], *, msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The three headers of a message, signed with every secret given."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            signature(s, msg_id=msg_id, timestamp=timestamp, body=body) for s in secrets
        ),
    }
