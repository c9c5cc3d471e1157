"""One mask (first 6 + last 4) on every surface that shows a resident ID number: the review page,
its diff, the revisions admin, the qualification admin, the audit log, the portal; full numbers
only through the logged unmask act of a "view sensitive" role (SPEC §10)."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.urls import reverse

from console.diff import snapshot_diff
from reviewportal.models import AccessLog, Notification, Revision
from reviewportal.sample_ids import sample_resident_id, sample_uscc
from reviewportal.services import lifecycle as lc
from reviewportal.validators import mask_id_number
from signatures.services import (
    authorization_create,
    qualification_change_start,
    qualification_create,
    qualification_update,
)
from tests.console.conftest import url
from tests.factories import enterprise_materials
from tests.security.pii_support import field_keys, numbers_masking_alike  # noqa: F401

pytestmark = pytest.mark.django_db


def assert_only_masked(page: str, *numbers: str) -> None:
    for number in numbers:
        assert number not in page
        assert mask_id_number(number) in page
        # No other cut of the number either (a different half would rebuild it with the mask).
        assert number[:10] not in page and number[-8:] not in page


@pytest.fixture
def resubmitted(account, customer):
    """A qualification submitted, then resubmitted with another legal representative's number."""
    old, new = sample_resident_id(5101), sample_resident_id(5102)
    item = qualification_create(
        account=account,
        user=customer,
        submit=True,
        materials=enterprise_materials(account, customer),
        name="深圳市和讯华谷信息技术有限公司",
        uscc=sample_uscc(5101),
        legal_rep_name="张三",
        legal_rep_id_number=old,
    )
    item = qualification_update(qualification=item, user=customer, legal_rep_id_number=new)
    return item, old, new


def test_review_page_diff_shows_masked_old_and_new_and_marks_the_change(
    client, reviewer, resubmitted
):
    item, old, new = resubmitted
    client.force_login(reviewer)
    page = client.get(url(item)).content.decode()
    diff = page[page.index('id="diff"') :]
    diff = diff[: diff.index("</section>")]
    assert "法定代表人身份证号" in diff and 'class="masked-change"' in diff
    assert_only_masked(diff, old, new)
    assert_only_masked(page, old, new)


def test_diff_of_numbers_that_mask_alike_still_says_changed():
    old, new = numbers_masking_alike()
    assert mask_id_number(old) == mask_id_number(new)
    (change,) = snapshot_diff({"legal_rep_id_number": old}, {"legal_rep_id_number": new})
    assert change.masked and change.before == change.after == mask_id_number(old)
    (nested,) = snapshot_diff(
        {"authorization": {"partner_legal_rep_id_number": old}},
        {"authorization": {"partner_legal_rep_id_number": new}},
    )
    assert nested.field == "authorization.partner_legal_rep_id_number" and nested.masked
    assert snapshot_diff({"legal_rep_id_number": old}, {"legal_rep_id_number": old}) == []
    (plain,) = snapshot_diff({"use_case": "a"}, {"use_case": "b"})
    assert not plain.masked and (plain.before, plain.after) == ("a", "b")


@pytest.mark.parametrize("role", ["reviewer", "senior", "support", "auditor"])
def test_revisions_admin_shows_the_snapshot_masked_to_every_role(
    request, client, resubmitted, role
):
    item, old, new = resubmitted
    user = request.getfixturevalue(role)
    client.force_login(user)
    revision = Revision.objects.filter(object_id=item.pk, number=1).get()
    response = client.get(reverse("admin:reviewportal_revision_change", args=[revision.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert_only_masked(page, old)
    assert item.name in page  # the rest of the snapshot is still there
    listing = client.get(reverse("admin:reviewportal_revision_changelist")).content.decode()
    assert old not in listing and new not in listing
    assert not AccessLog.objects.exists()


def test_audit_log_holds_the_same_mask_as_the_console(approved_qualification, customer, client):
    old = approved_qualification.legal_rep_id_number
    new = sample_resident_id(5103)
    change = qualification_change_start(
        qualification=approved_qualification, user=customer, legal_rep_id_number=new
    )
    created = LogEntry.objects.get_for_object(change).get(action=LogEntry.Action.CREATE)
    assert created.changes_dict["legal_rep_id_number"][1] == mask_id_number(new)
    first = LogEntry.objects.get_for_object(approved_qualification).get(
        action=LogEntry.Action.CREATE
    )
    assert first.changes_dict["legal_rep_id_number"][1] == mask_id_number(old)
    for entry in LogEntry.objects.all():
        stored = str(entry.changes)
        assert old not in stored and new not in stored
        assert "_hash" not in stored  # the keyed hash stays out of the history too


def test_audit_log_masks_the_partner_number(approved_qualification, customer):
    number = sample_resident_id(5104)
    authorization = authorization_create(
        qualification=approved_qualification,
        user=customer,
        partner_name="深圳市伙伴科技有限公司",
        partner_uscc=sample_uscc(5104),
        partner_legal_rep_name="李四",
        partner_legal_rep_id_number=number,
        valid_from=dt.date(2026, 1, 1),
        valid_until=dt.date(2027, 1, 1),
    )
    entry = LogEntry.objects.get_for_object(authorization).get()
    assert entry.changes_dict["partner_legal_rep_id_number"][1] == mask_id_number(number)


def test_every_staff_surface_shows_one_mask(client, admin_user, resubmitted):
    """The review page, the qualification admin, the revisions admin and the audit-log admin
    together never show more than first 6 + last 4, even to a superuser."""
    item, old, new = resubmitted
    client.force_login(admin_user)
    revision = Revision.objects.filter(object_id=item.pk, number=2).get()
    pages = [
        client.get(url(item)).content.decode(),
        client.get(reverse("admin:signatures_qualification_changelist")).content.decode(),
        client.get(
            reverse("admin:reviewportal_revision_change", args=[revision.pk])
        ).content.decode(),
        client.get(reverse("admin:auditlog_logentry_changelist")).content.decode(),
    ]
    entry = LogEntry.objects.get_for_object(item).filter(action=LogEntry.Action.UPDATE).first()
    pages.append(
        client.get(reverse("admin:auditlog_logentry_change", args=[entry.pk])).content.decode()
    )
    everything = "\n".join(pages)
    assert old not in everything and new not in everything
    for number in (old, new):
        assert number[6:14] not in everything.replace(mask_id_number(number), "")
    assert mask_id_number(new) in pages[0]


def test_unmask_needs_view_sensitive_and_logs_each_view(client, reviewer, senior, resubmitted):
    item, _old, new = resubmitted
    client.force_login(reviewer)
    assert new not in client.post(url(item, "unmask"), follow=True).content.decode()
    assert not AccessLog.objects.exists()
    client.force_login(senior)
    for _ in range(2):
        assert new in client.post(url(item, "unmask")).content.decode()
    logs = AccessLog.objects.filter(action=AccessLog.Action.UNMASK_ID, user=senior)
    assert logs.count() == 2 and {log.detail for log in logs} == {"legal_rep_id_number"}


def test_portal_detail_shows_the_customer_the_same_mask(portal_client_for, resubmitted):
    item, _old, new = resubmitted
    page = (
        portal_client_for(item)
        .get(reverse("signatures:qualification_detail", args=[item.public_id]))
        .content.decode()
    )
    assert_only_masked(page, new)


@pytest.fixture
def portal_client_for(client, customer):
    def make(item):
        client.force_login(customer)
        return client

    return make


def test_lifecycle_mails_notifications_and_logs_carry_no_id_number(
    account, customer, reviewer, caplog, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    caplog.set_level(logging.DEBUG)
    number = sample_resident_id(5105)
    item = qualification_create(
        account=account,
        user=customer,
        submit=True,
        materials=enterprise_materials(account, customer),
        name="深圳市和讯华谷信息技术有限公司",
        uscc=sample_uscc(5105),
        legal_rep_name="张三",
        legal_rep_id_number=number,
    )
    item = lc.review_claim(item=item, user=reviewer)
    lc.review_reject(item=item, user=reviewer, reasons=["other"], comment="请补充材料")
    texts = [caplog.text]
    texts += [f"{m.subject}\n{m.body}" for m in mail.outbox]
    texts += [f"{n.title}\n{n.body}" for n in Notification.objects.all()]
    assert Notification.objects.exists()
    for text in texts:
        assert number not in text and number[6:14] not in text
