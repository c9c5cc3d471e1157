"""Writing the history of many items at once, exactly as the per-item path would: the one
module that reaches into django-fsm-log's and django-auditlog's internals
(``tests/reviewportal/test_flag_batch_audit_trail.py`` compares the rows field by field).

The transition log's storage (django-fsm-log, ``DJANGO_FSM_LOG_STORAGE_METHOD``): every
transition writes its StateLog row as it happens, as django-fsm-log's simple backend does,
except inside ``transition_log_batch()``, where a service that moves many rows at once collects
their log rows and writes them with one INSERT before its transaction commits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from contextvars import ContextVar

from auditlog.cid import get_cid
from auditlog.context import auditlog_disabled
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from auditlog.signals import post_log, pre_log
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import router
from django.db.models.signals import pre_save
from django_fsm_log.backends import SimpleBackend, _pre_transition_callback
from django_fsm_log.models import StateLog

# The rows collected by the innermost open batch of this thread or task; None outside one.
_collected: ContextVar[list | None] = ContextVar("transition_log_collected", default=None)


#: Context managers entered around every outermost ``transition_log_batch()``, registered by the
#: apps (``transition_batch_hook_register`` in their ``ready()``): an app that writes rows of its
#: own for each transition (the webhooks' events) collects them inside and writes them together
#: on leaving, as the transition log does. A hook leaves with the batch's exception, if any.
_batch_hooks: list[Callable[[], AbstractContextManager]] = []


def transition_batch_hook_register(hook: Callable[[], AbstractContextManager]) -> None:
    if hook not in _batch_hooks:
        _batch_hooks.append(hook)


class _Collector:
    """Stands in for the StateLog manager that django-fsm-log writes through: ``create``
    keeps the row instead of inserting it, so the library still decides what a row holds
    (who, why, from, to, which transition, ignored models)."""

    def __init__(self, rows: list) -> None:
        self.rows = rows

    def create(self, **values) -> None:

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
    inside another one adds to it. The registered hooks (``transition_batch_hook_register``)
    are entered around the block."""
    if _collected.get() is not None:
        yield
        return
    rows: list = []
    token = _collected.set(rows)
    try:
        with ExitStack() as hooks:
            for hook in _batch_hooks:
                hooks.enter_context(hook())
            yield
    finally:
        _collected.reset(token)
    if rows:
        StateLog.objects.bulk_create(rows)


def audit_update_rows(model, pairs, changed) -> list:
    """The django-auditlog "update" entries its ``pre_save`` receiver would write when each new
    instance of ``pairs`` (old, new) is saved over the old one, unsaved, each as (entry, old,
    new, the ``pre_log`` answers) for the ``post_log`` signal sent once they are in: the same diff
    (``model_instance_diff``), representation, correlation id and veto (``pre_log``); actor and
    remote address come from the receivers auditlog connects to the entries' ``pre_save`` within
    ``set_actor`` (the middleware), which are sent here for each entry as a save would. The diff
    looks only at the ``changed`` fields: a field whose value is the same in old and new is
    never part of a diff, so the entries are the same as over every field, for less work."""
    if not auditlog.contains(model) or auditlog_disabled.get():
        return []
    content_type = ContentType.objects.get_for_model(model)
    cid = get_cid()
    names = {f.name for f in changed}
    entries = []
    for old, new in pairs:
        vetoes = pre_log.send(model, instance=new, action=LogEntry.Action.UPDATE)
        if any(answer is False for _receiver, answer in vetoes):
            continue
        changes = model_instance_diff(
            old,
            new,
            fields_to_check=names,
            use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES,
        )
        if not changes:
            continue
        additional = getattr(new, "get_additional_data", None)
        entry = LogEntry(
            content_type=content_type,
            object_pk=new.pk,
            object_id=new.pk,
            object_repr=str(new),
            serialized_data=LogEntry.objects._get_serialized_data_or_none(new),
            action=LogEntry.Action.UPDATE,
            changes=changes,
            cid=cid,
            additional_data=additional() if callable(additional) else None,
        )
        pre_save.send(
            sender=LogEntry,
            instance=entry,
            raw=False,
            using=router.db_for_write(LogEntry),
            update_fields=None,
        )
        entries.append((entry, old, new, vetoes))
    return entries


def audit_rows_write(model, rows: list) -> None:
    """Insert the entries ``audit_update_rows`` built, with one INSERT, once the items are
    written, and send auditlog's ``post_log`` for each as its ``save()`` path would."""
    if not rows:
        return
    LogEntry.objects.bulk_create([entry for entry, *_rest in rows])
    for entry, old, new, pre_log_results in rows:
        post_log.send(
            model,
            instance=new,
            instance_old=old,
            action=entry.action,
            error=None,
            pre_log_results=pre_log_results,
            changes=entry.changes,
            log_entry=entry,
            log_created=True,
            use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES,
        )
