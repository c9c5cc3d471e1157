"""A batch re-review flag announces each audit entry it writes with django-auditlog's ``post_log``
signal, as flagging the items one by one (each ``save()``) does: a receiver of that signal sees
the same sender, instances, action, changes, entry and flags either way."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from auditlog.models import LogEntry
from auditlog.signals import post_log
from django.db import transaction

from reviewportal.services import lifecycle as lc
from signatures.models import SignatureApplication
from tests.factories import SignatureApplicationFactory
from tests.states import walk_to

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
            "approved",
            **actors,
        )
        for content in ("华谷", "和讯华谷")
    ]


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
