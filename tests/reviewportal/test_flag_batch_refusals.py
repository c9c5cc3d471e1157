"""The re-review batch's refusals and skips, in their words, and what it writes that the
equivalence with the single-item service does not show on its own: the logged codes when no note
is given, revision numbers counted per kind of item, an item that no longer exists, and a row
changed behind the batch's lock."""

from __future__ import annotations

import pytest
from django_fsm_log.models import StateLog

from reviewportal.errors import ConcurrentChange, ReviewError
from reviewportal.models import Revision
from reviewportal.services import lifecycle as lc
from reviewportal.signals import revisions_created
from signatures.models import SignatureApplication
from tests.factories import QualificationFactory, SignatureApplicationFactory
from tests.states import walk_to

BLOCK = {
    "code": "SIG_TYPE_NOT_ACCEPTED",
    "severity": "block",
    "field": "sig_type",
    "message": "App names are not accepted for filing from 2026-05-01.",
    "params": {"type": "app"},
}
TAKEN = {
    "code": "SIG_TAKEN",
    "severity": "block",
    "field": "content",
    "message": "This signature is held by another account.",
    "params": {},
}
WARN = {
    "code": "SIG_ABBREV_SKIPS",
    "severity": "warn",
    "field": "content",
    "message": "The abbreviation skips characters.",
    "params": {},
}


@pytest.fixture
def approved_pair(approved_qualification, actors):
    return [
        walk_to(
            SignatureApplicationFactory(qualification=approved_qualification, content=content),
            "approved",
            **actors,
        )
        for content in ("和讯华谷", "华谷")
    ]


def test_without_a_note_the_log_names_every_blocking_code(approved_pair, senior):
    item = approved_pair[0]
    result = lc.review_flag_for_rereview_batch(
        items=[item], user=senior, findings_by_item={item.pk: [BLOCK, WARN, TAKEN]}
    )
    assert [i.pk for i in result.flagged] == [item.pk]
    log = StateLog.objects.for_(item).latest("pk")
    assert (log.transition, log.by) == ("flag_for_rereview", senior)
    assert log.description == "SIG_TYPE_NOT_ACCEPTED, SIG_TAKEN"


def test_a_batch_of_two_kinds_of_item_is_refused(approved_pair, approved_qualification, senior):
    items = [approved_pair[0], approved_qualification]
    with pytest.raises(TypeError) as refused:
        lc.review_flag_for_rereview_batch(
            items=items, user=senior, findings_by_item={i.pk: [BLOCK] for i in items}
        )
    assert str(refused.value) == "A batch holds items of one model."


def test_an_item_without_a_blocking_finding_refuses_the_batch_in_those_words(approved_pair, senior):
    findings = {approved_pair[0].pk: [BLOCK], approved_pair[1].pk: [WARN]}
    with pytest.raises(ReviewError) as refused:
        lc.review_flag_for_rereview_batch(
            items=approved_pair, user=senior, findings_by_item=findings
        )
    assert str(refused.value) == "Only an item with a blocking finding is put back for re-review."


def test_an_item_that_no_longer_exists_is_skipped_and_the_next_one_flagged(approved_pair, senior):
    gone = SignatureApplication(pk=approved_pair[-1].pk + 1000)
    items = [gone, *approved_pair]
    result = lc.review_flag_for_rereview_batch(
        items=items, user=senior, findings_by_item={i.pk: [BLOCK] for i in items}
    )
    assert result.skipped == {
        gone.pk: "Another change was holding this item (or it no longer exists); "
        "it was not flagged."
    }
    assert [i.pk for i in result.flagged] == [i.pk for i in approved_pair]
    assert {SignatureApplication.objects.get(pk=i.pk).state for i in approved_pair} == {"rereview"}


def test_the_new_revision_is_numbered_after_the_items_own_revisions_only(
    account, customer, reviewer, senior, actors
):
    # A qualification and a signature application with the same primary key: the
    # qualification's revisions are not the signature's.
    qualification = walk_to(QualificationFactory(pk=9001, account=account), "approved", **actors)
    signature = walk_to(
        SignatureApplicationFactory(pk=9001, qualification=qualification, content="和讯华谷"),
        "approved",
        **actors,
    )
    lc.review_flag_for_rereview(item=qualification, user=senior, findings=[BLOCK])
    lc.review_confirm(item=qualification, user=senior)
    flagged = lc.review_flag_for_rereview(item=qualification, user=senior, findings=[BLOCK])
    assert flagged.current_revision.number == 3

    lc.review_flag_for_rereview_batch(
        items=[signature], user=senior, findings_by_item={signature.pk: [BLOCK]}
    )
    signature = SignatureApplication.objects.get(pk=signature.pk)
    assert signature.current_revision.number == 2
    assert sorted(
        Revision.objects.filter(
            content_type__model="signatureapplication", object_id=signature.pk
        ).values_list("number", flat=True)
    ) == [1, 2]


def test_a_row_changed_behind_the_lock_fails_the_whole_batch(approved_pair, senior):
    # Another writer moving one item between the lock and the write (as a database without
    # row locks would allow): the batch writes nothing and says why.
    revisions = Revision.objects.count()
    logs = StateLog.objects.count()

    def change_behind_the_lock(sender, revisions, **kwargs):
        SignatureApplication.objects.filter(pk=approved_pair[1].pk).update(state="revoked")

    revisions_created.connect(change_behind_the_lock, weak=False)
    try:
        with pytest.raises(ConcurrentChange) as refused:
            lc.review_flag_for_rereview_batch(
                items=approved_pair,
                user=senior,
                findings_by_item={i.pk: [BLOCK] for i in approved_pair},
            )
    finally:
        revisions_created.disconnect(change_behind_the_lock)
    assert str(refused.value) == (
        "Someone else changed this item at the same moment; reload it and try again."
    )
    assert (Revision.objects.count(), StateLog.objects.count()) == (revisions, logs)
    assert {SignatureApplication.objects.get(pk=i.pk).state for i in approved_pair} == {"approved"}
