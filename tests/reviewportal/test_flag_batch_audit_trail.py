"""The audit trail (django-auditlog) of a batch re-review flag is the one flagging the items one by
one would leave: the request's correlation id, actor and address on every entry, no entry for an
item a ``pre_log`` receiver vetoes (the others still get theirs), none at all while auditing is
disabled; the flagged items the batch returns carry what was written, as ``save()`` leaves an
instance; and a ``post_log`` receiver hears each entry as it hears single saves."""

from __future__ import annotations

import datetime as dt
from contextlib import nullcontext

import pytest
import time_machine
from auditlog.cid import correlation_id
from auditlog.context import disable_auditlog, set_actor
from auditlog.models import LogEntry
from auditlog.signals import post_log, pre_log
from django.db import transaction
from django.forms.models import model_to_dict

from reviewportal.models import ReviewState, Revision
from reviewportal.services import lifecycle as lc
from signatures.models import SignatureApplication
from tests.factories import SignatureApplicationFactory
from tests.states import walk_to

pytestmark = pytest.mark.django_db

S = ReviewState
FROZEN = dt.datetime.fromisoformat("2026-11-24T16:30:00+08:00")
FINDING = {
    "code": "SIG_TYPE_NOT_ACCEPTED",
    "severity": "block",
    "field": "sig_type",
    "message": "App names are not accepted for filing from 2026-05-01.",
    "params": {"type": "app"},
}


@pytest.fixture
def approved_signatures(approved_qualification, actors):
    return [
        walk_to(
            SignatureApplicationFactory(qualification=approved_qualification, content=content),
            S.APPROVED,
            **actors,
        )
        for content in ("华谷", "和讯华谷", "和讯")
    ]


def _revision_ref(value):
    if value in (None, "None"):
        return value
    number = Revision.objects.get(pk=int(value)).number
    return f"{type(value).__name__} revision {number}"


def _update_entries(items) -> dict:
    """The audit "update" entries written at FROZEN about ``items``, field by field."""
    entries = LogEntry.objects.filter(
        object_id__in=[item.pk for item in items],
        action=LogEntry.Action.UPDATE,
        timestamp=FROZEN,
    ).order_by("object_id", "pk")
    rows = {}
    for entry in entries:
        row = model_to_dict(entry, exclude=["id", "content_type"])
        changes = dict(entry.changes)
        # Revisions are told apart by number (the two paths cannot share primary keys); how the
        # value is stored (text or JSON number) is kept.
        changes["current_revision"] = [_revision_ref(v) for v in changes["current_revision"]]
        row["changes"] = changes
        rows.setdefault(entry.object_id, []).append(row)
    return rows


def _both_paths(items, user, *, context=nullcontext):
    """The audit entries after flagging ``items`` one by one, and after one batch from the same
    starting point, each inside ``context()``."""
    findings = {item.pk: [FINDING] for item in items}
    with time_machine.travel(FROZEN, tick=False):
        savepoint = transaction.savepoint()
        with context():
            for item in items:
                lc.review_flag_for_rereview(
                    item=item, user=user, findings=findings[item.pk], notify=False
                )
        single = _update_entries(items)
        transaction.savepoint_rollback(savepoint)
        assert _update_entries(items) == {}
        with context():
            result = lc.review_flag_for_rereview_batch(
                items=items, user=user, findings_by_item=findings
            )
        batched = _update_entries(items)
    assert len(result.flagged) == len(items)
    return single, batched, result


@pytest.fixture
def request_cid():
    token = correlation_id.set("req-7f3a")
    yield "req-7f3a"
    correlation_id.reset(token)


def test_every_entry_carries_the_requests_correlation_id_actor_and_address(
    request_cid, approved_signatures, senior
):
    def context():
        return set_actor(senior, remote_addr="203.0.113.7")

    single, batched, _result = _both_paths(approved_signatures, senior, context=context)

    assert batched == single
    assert set(batched) == {item.pk for item in approved_signatures}
    for (entry,) in batched.values():
        assert (entry["cid"], entry["actor"], entry["remote_addr"]) == (
            request_cid,
            senior.pk,
            "203.0.113.7",
        )
        assert entry["changes"]["state"] == ["approved", "rereview"]


def test_an_item_whose_entry_is_vetoed_gets_none_and_the_others_theirs(approved_signatures, senior):
    vetoed = approved_signatures[0].pk

    def veto(sender, instance, action, **kwargs):
        return not (action == LogEntry.Action.UPDATE and instance.pk == vetoed)

    pre_log.connect(veto, sender=SignatureApplication, dispatch_uid="veto-first-update")
    try:
        single, batched, _result = _both_paths(approved_signatures, senior)
    finally:
        pre_log.disconnect(sender=SignatureApplication, dispatch_uid="veto-first-update")

    assert batched == single
    assert set(batched) == {item.pk for item in approved_signatures[1:]}


def test_no_entry_is_written_while_auditing_is_disabled(approved_signatures, senior):
    single, batched, result = _both_paths(approved_signatures, senior, context=disable_auditlog)

    assert batched == single == {}
    assert {SignatureApplication.objects.get(pk=i.pk).state for i in result.flagged} == {S.REREVIEW}


def test_the_flagged_items_returned_are_what_was_written(approved_signatures, senior):
    with time_machine.travel(FROZEN, tick=False):
        result = lc.review_flag_for_rereview_batch(
            items=approved_signatures,
            user=senior,
            findings_by_item={item.pk: [FINDING] for item in approved_signatures},
        )

    for item in result.flagged:
        fresh = SignatureApplication.objects.get(pk=item.pk)
        assert model_to_dict(item) == model_to_dict(fresh)
        assert (item.updated_at, item.created_at) == (fresh.updated_at, fresh.created_at)
        assert item.updated_at == FROZEN


def test_entries_store_json_changes_when_so_configured(settings, approved_signatures, senior):
    settings.AUDITLOG_STORE_JSON_CHANGES = True

    single, batched, _result = _both_paths(approved_signatures, senior)

    assert batched == single
    for (entry,) in batched.values():
        assert entry["changes"]["current_revision"] == ["int revision 1", "int revision 2"]


# --- post_log ----------------------------------------------------------------------------------


@pytest.fixture
def heard():
    """What every ``post_log`` receiver is told about signature applications, in order."""
    calls = []

    def receiver(sender, **kwargs):
        if sender is SignatureApplication:
            calls.append(kwargs)

    post_log.connect(receiver, weak=False)
    yield calls
    post_log.disconnect(receiver)


def _seen(kwargs) -> dict:
    """What a receiver can read, in terms both paths share (entries and revisions have
    different primary keys)."""
    entry = kwargs.get("log_entry", "missing")
    return {
        "keys": sorted(kwargs),
        "instance": (kwargs["instance"].pk, kwargs["instance"].state)
        if kwargs.get("instance") is not None
        else None,
        "instance_old": (kwargs["instance_old"].pk, kwargs["instance_old"].state)
        if kwargs.get("instance_old") is not None
        else None,
        "action": kwargs.get("action", "missing"),
        "error": kwargs.get("error", "missing"),
        "pre_log_results": kwargs.get("pre_log_results", "missing"),
        "changed": sorted(kwargs["changes"]) if kwargs.get("changes") else None,
        "state": kwargs["changes"]["state"] if kwargs.get("changes") else None,
        "entry": (
            isinstance(entry, LogEntry) and entry.pk is not None,
            isinstance(entry, LogEntry) and entry.changes == kwargs.get("changes"),
            isinstance(entry, LogEntry) and entry.object_id == kwargs["instance"].pk,
        ),
        "log_created": kwargs.get("log_created", "missing"),
        "use_json_for_changes": kwargs.get("use_json_for_changes", "missing"),
    }


def test_a_post_log_receiver_hears_the_batch_as_it_hears_single_saves(
    approved_signatures, senior, heard, settings
):
    findings = {item.pk: [FINDING] for item in approved_signatures}
    with time_machine.travel(FROZEN, tick=False):
        savepoint = transaction.savepoint()
        for item in approved_signatures:
            lc.review_flag_for_rereview(
                item=item, user=senior, findings=findings[item.pk], notify=False
            )
        single = [_seen(kwargs) for kwargs in heard]
        transaction.savepoint_rollback(savepoint)
        heard.clear()
        lc.review_flag_for_rereview_batch(
            items=approved_signatures, user=senior, findings_by_item=findings
        )
        batched = [_seen(kwargs) for kwargs in heard]

    assert batched == single
    pks = [item.pk for item in approved_signatures]
    assert [s["instance"] for s in batched] == [(pk, "rereview") for pk in pks]
    assert [s["instance_old"] for s in batched] == [(pk, "approved") for pk in pks]
    assert {s["action"] for s in batched} == {LogEntry.Action.UPDATE}
    assert {s["error"] for s in batched} == {None}
    assert {s["log_created"] for s in batched} == {True}
    assert {s["entry"] for s in batched} == {(True, True, True)}
    assert all("state" in s["changed"] and s["state"][0] != s["state"][1] for s in batched)
    assert {s["use_json_for_changes"] for s in batched} == {settings.AUDITLOG_STORE_JSON_CHANGES}
