"""The transition log's storage (django-fsm-log, ``DJANGO_FSM_LOG_STORAGE_METHOD``): every
transition writes its StateLog row as it happens, as django-fsm-log's simple backend does,
except inside ``transition_log_batch()``, where a service that moves many rows at once collects
their log rows and writes them with one INSERT before its transaction commits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django_fsm_log.backends import SimpleBackend, _pre_transition_callback

# The rows collected by the innermost open batch of this thread or task; None outside one.
_collected: ContextVar[list | None] = ContextVar("transition_log_collected", default=None)


class _Collector:
    """Stands in for the StateLog manager that django-fsm-log writes through: ``create``
    keeps the row instead of inserting it, so the library still decides what a row holds
    (who, why, from, to, which transition, ignored models)."""

    def __init__(self, rows: list) -> None:
        self.rows = rows

    def create(self, **values) -> None:
        from django_fsm_log.models import StateLog

        self.rows.append(StateLog(**values))


class BatchingBackend(SimpleBackend):
    """django-fsm-log's simple backend (one row per transition, written at once), whose rows a
    ``transition_log_batch()`` may hold back and write together."""

    @staticmethod
    def post_transition_callback(sender, instance, name, source, target, **kwargs):
        rows = _collected.get()
        if rows is None:
            return SimpleBackend.post_transition_callback(
                sender, instance, name, source, target, **kwargs
            )
        return _pre_transition_callback(
            sender, instance, name, source, target, _Collector(rows), **kwargs
        )


@contextmanager
def transition_log_batch() -> Iterator[None]:
    """Collect the log rows of the transitions made inside, and write them with one INSERT on
    leaving (nothing is written when the block raises). Use it inside the transaction that saves
    the transitioned rows, so that the log and the states commit together. A batch opened
    inside another one adds to it."""
    if _collected.get() is not None:
        yield
        return
    rows: list = []
    token = _collected.set(rows)
    try:
        yield
    finally:
        _collected.reset(token)
    if rows:
        from django_fsm_log.models import StateLog

        StateLog.objects.bulk_create(rows)
