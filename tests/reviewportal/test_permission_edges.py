"""Edges of the permission rules the tables do not reach: users who are not logged in or no
longer active, a reviewer who is not senior at the second approval, and the words of a
refused internal note."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from reviewportal.errors import PermissionRefused, ReviewError
from reviewportal.permissions import (
    Action,
    ApprovalStep,
    available_actions,
    four_eyes_step,
    require_action,
    require_internal_note,
)
from reviewportal.services import lifecycle as lc
from tests.factories import CustomerFactory, SignatureApplicationFactory


@pytest.fixture
def draft(approved_qualification):
    return SignatureApplicationFactory(qualification=approved_qualification)


def test_a_deactivated_customer_of_the_account_may_do_nothing(draft, account):
    former = CustomerFactory(account=account, is_active=False)
    assert available_actions(draft, former) == []
    with pytest.raises(PermissionRefused):
        require_action(draft, former, Action.SUBMIT)
    with pytest.raises(ReviewError):
        lc.review_submit(item=draft, user=former)
    draft.refresh_from_db()
    assert draft.state == "draft"


def test_someone_not_logged_in_may_do_nothing(draft):
    assert available_actions(draft, AnonymousUser()) == []
    assert available_actions(draft, None) == []


def test_a_reviewer_who_is_not_senior_gives_a_first_approval_only(reviewer, reviewer2):
    step = four_eyes_step(user=reviewer, first_approver_ids={reviewer2.pk}, claimer_id=None)
    assert step == ApprovalStep.FIRST


def test_a_refused_internal_note_says_so_in_those_words(draft, auditor):
    with pytest.raises(PermissionRefused) as refused:
        require_internal_note(draft, auditor)
    assert str(refused.value) == f"You may not write internal notes on {draft}."
