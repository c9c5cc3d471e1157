"""Shared helpers of the personal-information tests: field keys for the test run, raw reads of
what the database holds, and two ID numbers that mask alike."""

from __future__ import annotations

import json

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from stdnum.cn import ric

#: Generated per test run, never a fixed key.
RUN_KEY = Fernet.generate_key().decode()
RUN_HASH_KEY = Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def field_keys(settings):
    """The installation's keys when it has them; a key of this run otherwise."""
    if not getattr(settings, "FIELD_ENCRYPTION_KEYS", None):
        settings.FIELD_ENCRYPTION_KEYS = [RUN_KEY]
    if not getattr(settings, "FIELD_HASH_KEY", None):
        settings.FIELD_HASH_KEY = RUN_HASH_KEY
    return settings


def raw_row(table: str, pk: int, *columns: str) -> tuple:
    """The columns of one row exactly as stored, read past the ORM."""
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {names} FROM {connection.ops.quote_name(table)} WHERE id = %s", [pk]
        )
        return cursor.fetchone()


def raw_json(value) -> str:
    """A JSON column as stored, with non-ASCII text readable (SQLite keeps \\u escapes)."""
    if isinstance(value, str):
        value = json.loads(value)
    return json.dumps(value, ensure_ascii=False)


def decrypts_with(key: str, token: str) -> str:
    return Fernet(key.encode()).decrypt(token.encode()).decode()


def numbers_masking_alike(region: str = "110105", tail: str = "123") -> tuple[str, str]:
    """Two valid resident ID numbers that differ only in the birth date, so that their masks
    (first 6 + last 4) are the same."""
    by_mask: dict[str, str] = {}
    for day in range(1, 29):
        for month in range(1, 13):
            body = f"{region}1985{month:02d}{day:02d}{tail}"
            number = body + ric.calc_check_digit(body + "0")
            if number[-1] in by_mask:
                return by_mask[number[-1]], number
            by_mask[number[-1]] = number
    raise AssertionError("no pair found")
