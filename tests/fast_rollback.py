"""A faster restore of the data the migrations made, for transactional tests.

A transactional test (``transaction=True``, and every browser test: the live server needs real
commits) empties the database when it ends; with serialized rollback Django puts back what the
migrations wrote (roles, reason codes, carriers, and above all the working-day calendar: about
8,400 rows) by saving each object one by one, which fires every signal (django-auditlog writes a
history row per calendar day) and costs seconds per test. This restores the same objects with
one ``bulk_create`` per model and one per many-to-many table, in the serialized order (Django
serializes models in dependency order), inside one transaction with constraint checks deferred:
the same rows, without signals, in a fraction of the time.

Django restores before each such test. Here a transactional test also puts the rows back right
after its own flush (``restore_after_flush``), so that whatever runs next — rolled back,
transactional, in any order — finds the migrations' data in place; the restore before a test
then finds every row there (the same number of rows per table: one ``COUNT`` each) and is
skipped. A database that lacks some (a run stopped in the middle of a teardown) is restored:
rows already there are kept (``ignore_conflicts``), as Django's own restore, which saves over
them, would."""

from __future__ import annotations

import json
from collections import Counter
from contextlib import contextmanager

from django.apps import apps
from django.core import serializers
from django.core.management.color import no_style
from django.db import connections, transaction
from django.db.backends.base.creation import BaseDatabaseCreation
from django.test import TransactionTestCase

#: Rows per model of a serialized string (the one Django made when it created the test
#: database), many-to-many tables included, by the string's identity: counted once per process.
_COUNTS: dict[int, tuple[str, dict[type, int]]] = {}


def _serialized_counts(data: str) -> dict[type, int]:
    cached = _COUNTS.get(id(data))
    if cached is None or cached[0] is not data:
        counts: Counter = Counter()
        for row in json.loads(data):
            model = apps.get_model(row["model"])
            counts[model] += 1
            for field in model._meta.many_to_many:
                counts[field.remote_field.through] += len(row["fields"].get(field.name, ()))
        cached = (data, {model: count for model, count in counts.items() if count})
        _COUNTS[id(data)] = cached
    return cached[1]


def _rows_in_place(self: BaseDatabaseCreation, data: str) -> bool:
    """Whether every table of ``data`` has as many rows in the database as ``data`` holds."""
    alias = self.connection.alias
    return all(
        model._base_manager.using(alias).count() == count
        for model, count in _serialized_counts(data).items()
    )


@contextmanager
def _stored_times_kept(model):
    """``bulk_create`` stamps ``auto_now``/``auto_now_add`` fields with the current time, where
    a restore (Django's is a raw save) keeps the serialized ones."""
    stamped = [f for f in model._meta.concrete_fields if getattr(f, "auto_now", False)
               or getattr(f, "auto_now_add", False)]  # fmt: skip
    flags = [(f, f.auto_now, f.auto_now_add) for f in stamped]
    for field in stamped:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in flags:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def fast_deserialize_db_from_string(self: BaseDatabaseCreation, data: str) -> None:
    alias = self.connection.alias
    if _rows_in_place(self, data):
        return
    rows: dict[type, list] = {}
    links: dict[object, list] = {}
    for deserialized in serializers.deserialize("json", data, using=alias):
        instance = deserialized.object
        model = type(instance)
        rows.setdefault(model, []).append(instance)
        for name, values in (deserialized.m2m_data or {}).items():
            field = model._meta.get_field(name)
            through = field.remote_field.through
            source = field.m2m_field_name()
            target = field.m2m_reverse_field_name()
            links.setdefault(through, []).extend(
                through(**{f"{source}_id": instance.pk, f"{target}_id": value}) for value in values
            )
    with transaction.atomic(using=alias), self.connection.constraint_checks_disabled():
        for model, objects in rows.items():
            with _stored_times_kept(model):
                model._base_manager.using(alias).bulk_create(
                    objects, batch_size=1000, ignore_conflicts=True
                )
        for through, objects in links.items():
            through._base_manager.using(alias).bulk_create(
                objects, batch_size=1000, ignore_conflicts=True
            )
        self.connection.check_constraints(table_names=[m._meta.db_table for m in rows])
        # The rows keep their ids: the tables' id sequences must be past them (a flush that
        # reset them to 1 would make the next insert collide), as loaddata does.
        with self.connection.cursor() as cursor:
            for sql in self.connection.ops.sequence_reset_sql(no_style(), list(rows)):
                cursor.execute(sql)


#: Django's own teardown of a transactional test (the flush), before ``restore_after_flush``
#: takes its place.
_flush_only = TransactionTestCase._fixture_teardown


def restore_after_flush(self: TransactionTestCase) -> None:
    """``TransactionTestCase._fixture_teardown`` followed, for a test with serialized rollback,
    by the restore of the migrations' data into the database its flush has just emptied."""
    _flush_only(self)
    if not self.serialized_rollback:
        return
    for alias in self._databases_names(include_mirrors=False):
        connection = connections[alias]
        if hasattr(connection, "_test_serialized_contents"):
            connection.creation.deserialize_db_from_string(connection._test_serialized_contents)
