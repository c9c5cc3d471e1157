"""Revision numbers count the revisions of one item: every item's first submission is revision 1,
whatever other items (of its kind, or another kind whose row has the same primary key) have been
through; each resubmission of the item takes the next number."""

from __future__ import annotations

import pytest

from reviewportal.models import ReviewState
from reviewportal.selectors import revisions_for
from reviewportal.services import lifecycle as lc
from signatures.services import qualification_update, signature_application_update
from tests.factories import QualificationFactory, SignatureApplicationFactory
from tests.states import walk_to

pytestmark = pytest.mark.django_db

S = ReviewState


def test_each_signature_counts_its_own_revisions(approved_qualification, customer):
    first = lc.review_submit(
        item=SignatureApplicationFactory(qualification=approved_qualification), user=customer
    )
    for use_case in ("第二版", "第三版"):
        first = signature_application_update(application=first, user=customer, use_case=use_case)
    assert first.current_revision.number == 3

    second = lc.review_submit(
        item=SignatureApplicationFactory(qualification=approved_qualification, content="和讯"),
        user=customer,
    )

    assert second.current_revision.number == 1
    assert second.current_revision.submitted_by == customer
    assert second.current_revision.snapshot["content"] == "和讯"
    assert [r.number for r in revisions_for(first).order_by("number")] == [1, 2, 3]


def test_items_of_two_kinds_with_the_same_key_count_apart(
    approved_qualification, account, customer, reviewer
):
    qualification = walk_to(
        QualificationFactory(account=account, name="深圳市星河远航科技有限公司"),
        S.REJECTED,
        customer=customer,
        reviewer=reviewer,
        senior=None,
    )
    qualification = qualification_update(
        qualification=qualification, user=customer, legal_rep_name="王五"
    )
    assert qualification.current_revision.number == 2
    # A signature whose row has the qualification's primary key.
    signature = SignatureApplicationFactory(
        id=qualification.pk, qualification=approved_qualification
    )

    signature = lc.review_submit(item=signature, user=customer)

    assert signature.current_revision.number == 1
    assert signature.current_revision.snapshot["content"] == signature.content
    qualification = lc.review_claim(item=qualification, user=reviewer)
    lc.review_reject(item=qualification, user=reviewer, reasons=["other"])
    qualification = qualification_update(
        qualification=type(qualification).objects.get(pk=qualification.pk),
        user=customer,
        legal_rep_name="赵六",
    )
    assert qualification.current_revision.number == 3
