"""Handing filing ids to the broker: in messages of at most BATCH_SIZE ids (one id a message when
the size is 1 or less); and a broker that is down loses
nothing: the sending stops, a warning says how many filings the sweep will send, the caller
goes on."""

from __future__ import annotations

import logging

import pytest
from kombu.exceptions import OperationalError

from carriers.models import CarrierFiling
from carriers.services import filing_submit, filings_poll, filings_sweep
from reviewportal.celery import app
from signatures.models import SignatureApplication

pytestmark = pytest.mark.django_db

SUBMIT_TASK = "carriers.tasks.filings_submit_task"


@pytest.fixture
def stale_ids(approve, carrier_policy, later):
    """The ids of six queued filings (two signatures) left long enough for the sweep."""
    items = [approve(content=c) for c in ("和讯华谷", "和讯")]
    later(seconds=carrier_policy["SWEEP_STALE_SECONDS"] + 1)
    return list(
        CarrierFiling.objects.of_items(SignatureApplication, [i.pk for i in items])
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@pytest.mark.parametrize(("size", "per_message"), [(4, 4), (2, 2), (1, 1), (0, 1)])
def test_ids_go_in_messages_of_at_most_the_batch_size(
    stale_ids, carrier_policy, sent_tasks, size, per_message
):
    carrier_policy["BATCH_SIZE"] = size
    sent_tasks.clear()
    assert filings_sweep() == 6
    assert [t.name for t in sent_tasks] == [SUBMIT_TASK] * len(sent_tasks)
    expected = [stale_ids[n : n + per_message] for n in range(0, 6, per_message)]
    assert [list(t.args[0]) for t in sent_tasks] == expected


def test_a_broker_that_is_down_leaves_the_filings_to_the_sweep(
    stale_ids, carrier_policy, monkeypatch, caplog
):
    carrier_policy["BATCH_SIZE"] = 1
    tried = []

    def down(name, args=None, kwargs=None, **options):
        tried.append(args)
        raise OperationalError("connection refused")

    monkeypatch.setattr(app, "send_task", down)
    with caplog.at_level(logging.WARNING, logger="carriers.services"):
        assert filings_sweep() == 6  # the caller goes on
    assert len(tried) == 1  # no use trying the other five messages
    assert caplog.messages == ["broker unavailable; 6 carrier filing(s) left to the sweep"]


def test_the_poll_sends_the_waiting_filings_in_batches_too(filings, carrier_policy, sent_tasks):
    for filing in filings.values():
        filing_submit(filing_id=filing.pk)
    carrier_policy["BATCH_SIZE"] = 2
    sent_tasks.clear()
    assert filings_poll() == 3
    pks = [f.pk for f in filings.values()]
    assert [list(t.args[0]) for t in sent_tasks] == [pks[:2], pks[2:]]
