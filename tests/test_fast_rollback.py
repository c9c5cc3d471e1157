"""The suite's faster restore of the migrations' data (``tests/fast_rollback.py``) puts back
exactly what Django's serialized rollback would: the same rows, many-to-many links included;
it adds only what is missing, costs no write when nothing is, and runs after every
transactional test's flush."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from auditlog.context import disable_auditlog
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test import TransactionTestCase
from django.utils.dateparse import parse_datetime

from reviewportal.models import WorkingDay
from tests.factories import CustomerFactory
from tests.fast_rollback import _serialized_counts, fast_deserialize_db_from_string

User = get_user_model()


def _value(value):
    """A field's serialized value as a restore reads it back: Django's serializer writes times to
    the millisecond, as ``…:55Z`` when it has none and ``…:55.000Z`` for a time 456 µs past the
    second; both are the same time once read back."""
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value)
        except ValueError:
            return value
        return value if parsed is None else parsed
    return value


def _rows(serialized: str) -> dict:
    """Serialized objects by (model, pk): the order rows come back in is the database's."""
    return {
        (o["model"], o["pk"]): {name: _value(value) for name, value in o["fields"].items()}
        for o in json.loads(serialized)
    }


def _differences(got: dict, want: dict) -> list:
    """Each row missing, extra or changed, with the fields that differ (a few, to read)."""
    found = [("missing", key) for key in want.keys() - got.keys()]
    found += [("extra", key) for key in got.keys() - want.keys()]
    for key in want.keys() & got.keys():
        changed = {
            name: (got[key].get(name), value)
            for name, value in want[key].items()
            if got[key].get(name) != value
        }
        if changed:
            found.append(("changed", key, changed))
    return sorted(found, key=str)[:10]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_restore_gives_back_every_row_the_migrations_made():
    data = connection._test_serialized_contents
    # As a transactional test's teardown does with serialized rollback: empty, no post_migrate.
    call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True)
    assert connection.creation.serialize_db_to_string() == "[]"

    started = time.perf_counter()
    fast_deserialize_db_from_string(connection.creation, data)
    took = time.perf_counter() - started

    want = _rows(data)
    assert _differences(_rows(connection.creation.serialize_db_to_string()), want) == []
    # The flush set the id sequences back to 1: new rows still get ids of their own.
    Permission.objects.create(
        name="new", codename="new", content_type=ContentType.objects.get_for_model(Group)
    )
    Group.objects.create(name="new")
    print(f"restored {len(json.loads(data))} objects in {took:.2f} s")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_time_less_than_a_millisecond_past_the_second_compares_as_restored():
    """The serialized form keeps milliseconds: a row stamped 456 µs past a second reads back on
    the second, as Django's own restore would put it, and that is no difference."""
    day = WorkingDay.objects.order_by("date")[0]
    stamp = datetime(2026, 12, 7, 20, 56, 55, 456, tzinfo=UTC)
    with disable_auditlog():
        WorkingDay.objects.filter(pk=day.pk).update(updated_at=stamp)
    try:
        data = connection.creation.serialize_db_to_string()
        assert '"2026-12-07T20:56:55.000Z"' in data
        call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True)

        fast_deserialize_db_from_string(connection.creation, data)

        assert WorkingDay.objects.get(pk=day.pk).updated_at == stamp.replace(microsecond=0)
        assert _differences(_rows(connection.creation.serialize_db_to_string()), _rows(data)) == []
    finally:
        # The test database outlives the run (--reuse-db): leave the row as the migrations made it.
        with disable_auditlog():
            WorkingDay.objects.filter(pk=day.pk).update(updated_at=day.updated_at)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_database_missing_some_rows_gets_them_back_and_keeps_the_others():
    data = connection._test_serialized_contents
    want = _rows(data)
    kept = WorkingDay.objects.order_by("date")[0]
    with disable_auditlog():  # only the rows the migrations made, no history of the deletes
        WorkingDay.objects.filter(date__month=3).delete()
        Group.objects.filter(name="Auditor").delete()
        WorkingDay.objects.filter(pk=kept.pk).update(note="kept as it is")

    fast_deserialize_db_from_string(connection.creation, data)

    assert _differences(_rows(connection.creation.serialize_db_to_string()), want) == [
        ("changed", ("reviewportal.workingday", kept.pk), {"note": ("kept as it is", kept.note)})
    ]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_missing_many_to_many_links_alone_are_put_back():
    data = connection._test_serialized_contents
    Group.objects.get(name="Reviewer").permissions.clear()

    fast_deserialize_db_from_string(connection.creation, data)

    assert _differences(_rows(connection.creation.serialize_db_to_string()), _rows(data)) == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_full_database_is_left_as_it_is(django_assert_max_num_queries):
    data = connection._test_serialized_contents
    tables = len(_serialized_counts(data))
    # One COUNT per table that has rows, and no write.
    with django_assert_max_num_queries(tables) as captured:
        fast_deserialize_db_from_string(connection.creation, data)
    assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in captured.captured_queries)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_transactional_test_leaves_the_migrations_data_behind_its_flush():
    """Whatever runs after a transactional test — a rolled-back one included — finds the
    migrations' data: the teardown restores it right after the flush."""
    data = connection._test_serialized_contents
    WorkingDay.objects.all().delete()
    CustomerFactory()

    class Finished(TransactionTestCase):
        serialized_rollback = True
        databases = {"default"}

    Finished(methodName="__init__")._fixture_teardown()

    assert not User.objects.filter(is_staff=False).exists()
    assert _differences(_rows(connection.creation.serialize_db_to_string()), _rows(data)) == []
