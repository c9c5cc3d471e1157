"""The suite's faster restore of the migrations' data (``tests/fast_rollback.py``) puts back
exactly what Django's serialized rollback would: the same rows, many-to-many links included."""

from __future__ import annotations

import json
import time

import pytest
from django.core.management import call_command
from django.db import connection

from tests.fast_rollback import fast_deserialize_db_from_string


def _rows(serialized: str) -> dict:
    """Serialized objects by (model, pk): the order rows come back in is the database's."""
    return {(o["model"], o["pk"]): o["fields"] for o in json.loads(serialized)}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_restore_gives_back_every_row_the_migrations_made():
    data = connection._test_serialized_contents
    # As a transactional test's teardown does with serialized rollback: empty, no post_migrate.
    call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True)
    assert connection.creation.serialize_db_to_string() == "[]"

    started = time.perf_counter()
    fast_deserialize_db_from_string(connection.creation, data)
    took = time.perf_counter() - started

    restored = connection.creation.serialize_db_to_string()
    assert _rows(restored) == _rows(data)
    # Restoring into a database that still holds the rows keeps them as they are.
    fast_deserialize_db_from_string(connection.creation, data)
    assert _rows(connection.creation.serialize_db_to_string()) == _rows(data)
    print(f"restored {len(json.loads(data))} objects in {took:.2f} s")
