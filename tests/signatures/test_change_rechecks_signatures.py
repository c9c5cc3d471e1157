"""Approving a change of a qualification re-checks its approved signatures against the new data:
each one that now has a blocking finding goes back for re-review, in order, its customer told in
these words that the qualification changed; signatures that still fit, and those not approved,
are left alone. The qualification in force takes the change's data, materials and findings."""

from __future__ import annotations

from reviewportal.models import Notification, ReviewState
from reviewportal.selectors import revisions_for
from reviewportal.services import lifecycle as lc
from signatures.services import qualification_change_start
from tests.factories import SignatureApplicationFactory
from tests.states import walk_to

S = ReviewState

NEW_NAME = "深圳市新途华谷信息技术有限公司"


def _signature(qualification, content, state, actors):
    item = SignatureApplicationFactory(qualification=qualification, content=content)
    return walk_to(item, state, **actors)


def _approve_change(qualification, customer, reviewer, **fields):
    change = qualification_change_start(qualification=qualification, user=customer, **fields)
    change = lc.review_claim(item=change, user=reviewer)
    lc.review_approve(item=change, user=reviewer)
    qualification.refresh_from_db()
    return change


def test_a_rename_puts_back_the_signatures_that_no_longer_fit_and_says_why(
    approved_qualification, customer, reviewer, senior, actors
):
    customer.language = "en"
    customer.save(update_fields=["language"])
    first = _signature(approved_qualification, "和讯华谷", S.APPROVED, actors)
    still_fits = _signature(approved_qualification, "华谷信息", S.APPROVED, actors)
    second = _signature(approved_qualification, "和讯信息", S.APPROVED, actors)
    pending = _signature(approved_qualification, "和讯技术", S.PENDING_REVIEW, actors)
    before = Notification.objects.count()

    _approve_change(approved_qualification, customer, reviewer, name=NEW_NAME)

    states = {
        item.content: type(item).objects.get(pk=item.pk).state
        for item in (first, still_fits, second, pending)
    }
    assert states == {
        "和讯华谷": S.REREVIEW,
        "华谷信息": S.APPROVED,
        "和讯信息": S.REREVIEW,
        "和讯技术": S.PENDING_REVIEW,
    }
    told = list(Notification.objects.order_by("pk")[before:])
    rereview = [n for n in told if n.kind == "rereview"]
    assert [n.object_id for n in rereview] == [first.pk, second.pk]
    assert {n.recipient for n in rereview} == {customer}
    expected = (
        f"signature application 【和讯华谷】 {first.public_id} is being reviewed again because "
        f"its qualification {NEW_NAME} ({approved_qualification.public_id}) was changed:"
    )
    assert rereview[0].texts["en"]["body"].splitlines()[0] == expected
    assert rereview[0].body.splitlines()[0] == expected


def test_the_findings_of_a_signature_put_back_are_stored_on_its_new_revision(
    approved_qualification, customer, reviewer, senior, actors
):
    signature = _signature(approved_qualification, "和讯华谷", S.APPROVED, actors)
    _approve_change(approved_qualification, customer, reviewer, name=NEW_NAME)
    signature.refresh_from_db()
    revision = signature.current_revision
    assert revision.number == 2
    assert revision.submitted_by == reviewer
    assert "SIG_NOT_ENTITY_NAME" in {
        f["code"] for f in revision.findings if f["severity"] == "block"
    }


def test_the_qualification_in_force_takes_the_changes_data_and_records_a_revision(
    approved_qualification, customer, reviewer
):
    numbers_before = list(revisions_for(approved_qualification).values_list("number", flat=True))
    change = _approve_change(
        approved_qualification,
        customer,
        reviewer,
        name=NEW_NAME,
        verified_domains=["xintu.cn"],
    )
    assert approved_qualification.name == NEW_NAME
    assert approved_qualification.verified_domains == ["xintu.cn"]
    assert approved_qualification.state == S.APPROVED
    revision = approved_qualification.current_revision
    assert revision.number == numbers_before[-1] + 1
    assert revision.submitted_by == reviewer
    assert revision.snapshot["name"] == NEW_NAME
    assert revision.findings == change.current_revision.findings
    assert set(approved_qualification.materials.all()) == set(change.materials.all())
