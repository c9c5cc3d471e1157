"""Edges of the permission rules the tables do not reach: users who are not logged in or no
longer active, a reviewer who is not senior at the second approval, and the words of a
refused internal note; who counts as read-only in an account, and what a user of another
account is told when managing it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from reviewportal.errors import NotFoundForUser, PermissionRefused, ReviewError
from reviewportal.models import AccountRole
from reviewportal.permissions import (
    Action,
    ApprovalStep,
    available_actions,
    four_eyes_step,
    is_read_only_in,
    require_account_manager,
    require_action,
    require_internal_note,
)
from reviewportal.services import lifecycle as lc
from tests.factories import AccountFactory, CustomerFactory, SignatureApplicationFactory


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


@pytest.mark.parametrize(
    ("role", "read_only"),
    [
        (AccountRole.OWNER, False),
        (AccountRole.ADMIN, False),
        (AccountRole.MEMBER, False),
        (AccountRole.VIEWER, True),
    ],
)
def test_only_the_read_only_role_reads_only_in_its_own_account(account, role, read_only):
    user = CustomerFactory(account=account, account_role=role)
    assert is_read_only_in(user, account.pk) is read_only
    # In another account nobody is "read-only": they are not of it at all.
    assert is_read_only_in(user, AccountFactory().pk) is False


@pytest.mark.parametrize(("language", "words"), [("en", "Not found."), ("zh-hans", "未找到。")])
def test_a_user_of_another_account_is_told_the_account_is_not_there(account, language, words):
    stranger = CustomerFactory(account=AccountFactory())
    with translation.override(language), pytest.raises(NotFoundForUser) as refused:
        require_account_manager(stranger, account.pk)
    assert str(refused.value) == words
    with pytest.raises(NotFoundForUser):
        require_account_manager(AnonymousUser(), account.pk)
    member = CustomerFactory(account=account, account_role=AccountRole.MEMBER)
    with pytest.raises(PermissionRefused):
        require_account_manager(member, account.pk)
    require_account_manager(
        CustomerFactory(account=account, account_role=AccountRole.ADMIN), account.pk
    )
