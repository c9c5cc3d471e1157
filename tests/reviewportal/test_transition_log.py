"""The transition log's storage: one row per transition as it happens, or, inside
``transition_log_batch()``, the same rows written together when the batch ends."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_fsm_log.models import StateLog

from reviewportal.history_batch import transition_log_batch
from reviewportal.models import ReviewState
from reviewportal.services import lifecycle as lc
from signatures.models import SignatureApplication
from tests.factories import SignatureApplicationFactory

pytestmark = pytest.mark.django_db


def _rows(items):
    return list(
        StateLog.objects.filter(
            content_type=ContentType.objects.get_for_model(SignatureApplication),
            object_id__in=[i.pk for i in items],
        ).order_by("object_id", "pk")
    )


def _claim(items, user):
    # The model's transition and save, as a batch service makes them.
    for item in items:
        item.claim(reviewer=user, at=item.submitted_at, by=user, description="batch")
        item.save()


@pytest.fixture
def pending(approved_qualification, customer):
    def make(n):
        return [
            lc.review_submit(
                item=SignatureApplicationFactory(qualification=approved_qualification),
                user=customer,
            )
            for _ in range(n)
        ]

    return make


def test_transition_log_outside_a_batch_writes_each_row_at_once(pending, reviewer):
    (item,) = pending(1)
    before = len(_rows([item]))
    _claim([item], reviewer)
    rows = _rows([item])
    assert len(rows) == before + 1
    assert (rows[-1].transition, rows[-1].by, rows[-1].description) == ("claim", reviewer, "batch")


def test_transition_log_batch_writes_the_same_rows_in_one_insert(pending, reviewer):
    items = pending(3)
    before = len(_rows(items))
    with CaptureQueriesContext(connection) as queries, transition_log_batch():
        _claim(items, reviewer)
        assert len(_rows(items)) == before  # held back until the batch ends
    inserts = [q for q in queries if q["sql"].startswith('INSERT INTO "django_fsm_log_statelog"')]
    assert len(inserts) == 1
    claims = [row for row in _rows(items) if row.transition == "claim"]
    assert [(r.object_id, r.source_state, r.state, r.by) for r in claims] == [
        (i.pk, ReviewState.PENDING_REVIEW, ReviewState.UNDER_REVIEW, reviewer) for i in items
    ]


def test_transition_log_batch_that_raises_writes_nothing(pending, reviewer):
    items = pending(2)
    before = len(_rows(items))
    with pytest.raises(RuntimeError), transition_log_batch():
        _claim(items, reviewer)
        raise RuntimeError("the service gave up")
    assert len(_rows(items)) == before


def test_transition_log_batch_inside_another_adds_to_it(pending, reviewer):
    first, second = pending(2)
    before = len(_rows([first, second]))
    with transition_log_batch():
        _claim([first], reviewer)
        with transition_log_batch():
            _claim([second], reviewer)
        assert len(_rows([first, second])) == before
    assert len(_rows([first, second])) == before + 2
