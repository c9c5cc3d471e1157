"""A filing that fails and who hears of it: the error kept (2,000 characters), the history's
description (200), the staff's notification in each language with the error's first 500
characters, and who counts as staff handling filings (active staff with the permission to change
filings, by group, by their own permission or as superusers)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import translation
from django_fsm_log.models import StateLog

from carriers.services.common import fail, lock, staff_for_filings
from reviewportal.models import Notification
from reviewportal.services.notification_links import item_label
from tests.carriers.conftest import fresh
from tests.factories import CustomerFactory, StaffFactory

pytestmark = pytest.mark.django_db

#: An error long enough to be cut at each of its three lengths, each cut visible.
ERROR = "gateway said: " + "".join(str(n % 10) for n in range(2600))


def _change_filings() -> Permission:
    return Permission.objects.get(
        codename="change_carrierfiling", content_type__app_label="carriers"
    )


def test_a_failed_filing_keeps_its_error_and_the_history_its_first_200_characters(filings):
    with transaction.atomic():
        filing = lock(filings["cmcc"].pk)
        fail(filing, error=ERROR)
    filing = fresh(filing)
    assert filing.state == "failed"
    assert filing.last_error == ERROR[:2000]
    log = StateLog.objects.for_(filing).get(state="failed")
    assert log.description == ERROR[:200]


def test_staff_are_told_of_a_failure_in_their_language_with_the_error_s_start(filings):
    english = StaffFactory(role="Support", language="en")
    with transaction.atomic():
        filing = lock(filings["cmcc"].pk)
        fail(filing, error=ERROR)
    notice = Notification.objects.get(recipient=english, kind="carrier")
    item = filing.subject
    with translation.override("en"):
        label = item_label(item)
    assert notice.text_in("en") == (
        f"Carrier filing failed: {label} at cmcc",
        f"Filing {label} with China Mobile failed after 0 attempts: {ERROR[:500]}. "
        "Retry it from the carrier filings page.",
    )
    with translation.override("zh-hans"):
        label_zh = item_label(item)
    title, body = notice.text_in("zh-hans")
    assert title == f"运营商报备失败：{label_zh}（cmcc）"
    assert body.startswith(f"{label_zh} 向中国移动报备在尝试 0 次后失败：{ERROR[:500]}。")


def test_staff_for_filings_are_the_active_staff_who_may_change_filings(filings, senior):
    """``senior`` (the fixture that approved the signature) is one of them."""
    support = StaffFactory(role="Support")
    other_senior = StaffFactory(role="Senior reviewer")
    direct = StaffFactory()
    direct.user_permissions.add(_change_filings())
    superuser = StaffFactory(is_superuser=True)
    # Not them: reviewers and auditors (no such permission), staff without a group, staff who
    # left, and users who are not staff, whatever their permissions.
    StaffFactory(role="Reviewer")
    StaffFactory(role="Auditor")
    StaffFactory()
    StaffFactory(role="Senior reviewer", is_active=False)
    outsider = CustomerFactory()
    outsider.user_permissions.add(_change_filings())
    StaffFactory(is_staff=False, is_superuser=True)  # no account, not staff
    expected = [senior, support, other_senior, direct, superuser]
    # Only those, each once (a superuser in a group with the permission too), in primary-key
    # order.
    superuser.groups.add(support.groups.get())
    assert list(staff_for_filings()) == expected
