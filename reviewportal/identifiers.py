"""Public identifiers shown to people instead of database ids (``SIG…``, ``TPL…``)."""

from __future__ import annotations

import secrets

# Crockford's base32 without I, L, O, U: unambiguous when read out over the phone to support.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PUBLIC_ID_RANDOM_LENGTH = 10


def new_public_id(prefix: str) -> str:
    """Return ``prefix`` followed by 10 random characters (50 bits: collisions are negligible,
    and the unique constraint on the column catches the impossible case)."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(PUBLIC_ID_RANDOM_LENGTH))
