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


#: Digits of the largest row id a query string may name (a 64-bit key has 19; 18 always fit).
ROW_ID_MAX_DIGITS = 18


def parse_row_id(text: str | None) -> int | None:
    """The database id a query string names, or None when ``text`` is not one: ASCII digits
    only (``str.isdigit`` also accepts ``²``, ``١`` and ``１``, which ``int`` then refuses or
    reads as other numbers), at most ``ROW_ID_MAX_DIGITS`` of them, not zero."""
    if not text or not (text.isascii() and text.isdigit()) or len(text) > ROW_ID_MAX_DIGITS:
        return None
    return int(text) or None
