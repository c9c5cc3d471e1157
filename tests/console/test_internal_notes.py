"""Internal notes (SPEC §1: support "writes internal notes"; the ``write_internal_notes``
permission of reviewers, senior reviewers and support): written on an item's review page
through ``internal_note_add``, which checks the permission and writes an audit row; shown in
the item's timeline to staff; never shown to the customer, e-mailed or notified."""

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from console.review import timeline_for
from reviewportal.errors import PermissionRefused, ReviewError
from reviewportal.models import InternalNote, Notification
from reviewportal.permissions import may_write_internal_note
from reviewportal.selectors import internal_notes_for
from reviewportal.services import lifecycle as lc
from reviewportal.services.notes import internal_note_add
from tests.console.conftest import url
from tests.factories import (
    QualificationFactory,
    SignatureApplicationFactory,
    StaffFactory,
    TemplateApplicationFactory,
)
from tests.states import walk_to

NOTE = "客户来电：执照正在换发，新执照下周上传"
WRITERS = ("Reviewer", "Senior reviewer", "Support")


@pytest.fixture
def item(make_signature):
    return make_signature("under_review")


def _notes(item) -> list[InternalNote]:
    return list(internal_notes_for(item))


# --- The service and the permission --------------------------------------------------------------


@pytest.mark.parametrize("role", WRITERS)
def test_internal_note_add_by_writing_roles(item, role):
    user = StaffFactory(role=role)
    assert may_write_internal_note(item, user)
    note = internal_note_add(item=item, user=user, text=f"  {NOTE}\n")
    assert _notes(item) == [note]
    assert note.author == user and note.text == NOTE and note.subject == item
    entry = LogEntry.objects.get_for_object(note).get()
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor == user
    assert entry.additional_data["item"] == item.public_id


def test_internal_note_add_by_the_admin(item):
    admin = StaffFactory(is_superuser=True)
    assert internal_note_add(item=item, user=admin, text=NOTE).author == admin


@pytest.mark.parametrize(
    "who",
    ["auditor", "customer", "other_customer", "no_role", "inactive_support", "staff_customer"],
)
def test_internal_note_add_refused(item, request, who):
    if who == "no_role":
        user = StaffFactory()
    elif who == "inactive_support":
        user = StaffFactory(role="Support", is_active=False)
    elif who == "staff_customer":
        # A customer user given the permission by mistake is still not staff.
        from django.contrib.auth.models import Permission

        user = request.getfixturevalue("customer")
        user.user_permissions.add(Permission.objects.get(codename="write_internal_notes"))
        user = type(user).objects.get(pk=user.pk)
    else:
        user = request.getfixturevalue(who)
    assert not may_write_internal_note(item, user)
    with pytest.raises(PermissionRefused):
        internal_note_add(item=item, user=user, text=NOTE)
    assert _notes(item) == []
    assert not LogEntry.objects.filter(content_type__model="internalnote").exists()


@pytest.mark.parametrize("text", ["", "   \n "])
def test_internal_note_add_refuses_an_empty_note(item, support, text):
    with pytest.raises(ReviewError):
        internal_note_add(item=item, user=support, text=text)
    assert _notes(item) == []


def test_internal_note_add_refuses_a_note_over_the_limit(item, support, settings):
    limit = settings.REVIEW_POLICY["COMMENT_MAX_LENGTH"]
    with pytest.raises(ReviewError):
        internal_note_add(item=item, user=support, text="注" * (limit + 1))
    assert _notes(item) == []
    assert internal_note_add(item=item, user=support, text="注" * limit)


@pytest.mark.parametrize(
    "state", ["pending_review", "under_review", "approved", "rejected", "withdrawn", "rereview"]
)
def test_internal_note_add_in_every_state_changes_nothing_else(make_signature, support, state):
    item = make_signature(state)
    before = (item.state, item.claimed_by_id, item.due_at, item.current_revision_id)
    internal_note_add(item=item, user=support, text=NOTE)
    item.refresh_from_db()
    assert (item.state, item.claimed_by_id, item.due_at, item.current_revision_id) == before
    assert len(_notes(item)) == 1


def test_internal_note_add_on_every_kind(
    approved_qualification, customer, reviewer, senior, support
):
    qualification = walk_to(
        QualificationFactory(account=customer.account),
        "pending_review",
        customer=customer,
        reviewer=reviewer,
        senior=senior,
    )
    signature = walk_to(
        SignatureApplicationFactory(qualification=approved_qualification),
        "approved",
        customer=customer,
        reviewer=reviewer,
        senior=senior,
    )
    template = walk_to(
        TemplateApplicationFactory(signature=signature),
        "pending_review",
        customer=customer,
        reviewer=reviewer,
        senior=senior,
    )
    for item in (qualification, signature, template):
        note = internal_note_add(item=item, user=support, text=f"{NOTE} {item.public_id}")
        assert _notes(item) == [note]


def test_internal_note_sends_nothing_to_anyone(
    item, support, customer, django_capture_on_commit_callbacks
):
    notifications = Notification.objects.count()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        internal_note_add(item=item, user=support, text=NOTE)
    assert callbacks == []
    assert Notification.objects.count() == notifications
    assert mail.outbox == []


# --- The timeline -------------------------------------------------------------------------------


def test_internal_notes_appear_in_the_timeline_newest_first(item, reviewer, support):
    internal_note_add(item=item, user=reviewer, text="第一条")
    internal_note_add(item=item, user=support, text="第二条")
    notes = [e for e in timeline_for(item, []) if "note" in e.kind.split()]
    assert [e.text for e in notes] == ["第二条", "第一条"]
    assert notes[0].who == support.display_name()


# --- The review page -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", WRITERS)
def test_review_page_offers_the_note_form_to_writers(client, item, role):
    client.force_login(StaffFactory(role=role))
    page = client.get(url(item)).content.decode()
    assert 'id="note-form"' in page and url(item, "note") in page


def test_review_page_offers_no_note_form_to_auditors(client, item, auditor):
    client.force_login(auditor)
    page = client.get(url(item)).content.decode()
    assert 'id="note-form"' not in page and url(item, "note") not in page


def test_support_writes_a_note_on_the_review_page(client, item, support):
    client.force_login(support)
    response = client.post(url(item, "note"), {"text": NOTE})
    assert response.status_code == 302 and response["Location"] == url(item)
    note = InternalNote.objects.get()
    assert note.author == support and note.subject == item
    page = client.get(url(item)).content.decode()
    assert NOTE in page
    assert LogEntry.objects.get_for_object(note).get().actor == support


@pytest.mark.parametrize("kind", ["qualification", "template"])
def test_note_form_works_on_qualifications_and_templates(
    client, approved_qualification, customer, reviewer, senior, support, kind
):
    if kind == "qualification":
        item = approved_qualification
    else:
        signature = walk_to(
            SignatureApplicationFactory(qualification=approved_qualification),
            "approved",
            customer=customer,
            reviewer=reviewer,
            senior=senior,
        )
        item = walk_to(
            TemplateApplicationFactory(signature=signature),
            "pending_review",
            customer=customer,
            reviewer=reviewer,
            senior=senior,
        )
    client.force_login(support)
    assert client.post(url(item, "note"), {"text": NOTE}).status_code == 302
    assert [n.text for n in _notes(item)] == [NOTE]
    assert NOTE in client.get(url(item)).content.decode()


def test_auditor_reads_notes_but_cannot_post_one(client, item, support, auditor):
    internal_note_add(item=item, user=support, text=NOTE)
    client.force_login(auditor)
    response = client.post(url(item, "note"), {"text": "审计员的备注"}, follow=True)
    assert [n.text for n in _notes(item)] == [NOTE]
    page = response.content.decode()
    assert NOTE in page and "审计员的备注" not in page
    assert response.context["messages"] and any(
        m.level_tag == "error" for m in response.context["messages"]
    )


def test_empty_note_from_the_page_is_refused_with_a_message(client, item, support):
    client.force_login(support)
    response = client.post(url(item, "note"), {"text": "  "}, follow=True)
    assert _notes(item) == []
    assert any(m.level_tag == "error" for m in response.context["messages"])


def test_get_on_the_note_url_is_refused(client, item, support):
    client.force_login(support)
    assert client.get(url(item, "note")).status_code == 405
    assert _notes(item) == []


def test_customer_cannot_post_a_note_through_the_console(client, item, customer):
    client.force_login(customer)
    response = client.post(url(item, "note"), {"text": NOTE})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert _notes(item) == []


def test_review_page_queries_do_not_grow_with_notes(client, item, support, reviewer):
    internal_note_add(item=item, user=support, text="一")
    client.force_login(support)
    client.get(url(item))
    with CaptureQueriesContext(connection) as one:
        client.get(url(item))
    internal_note_add(item=item, user=reviewer, text="二")
    internal_note_add(item=item, user=StaffFactory(role="Senior reviewer"), text="三")
    with CaptureQueriesContext(connection) as three:
        client.get(url(item))
    assert len(three) == len(one)


# --- Customers never see a note ------------------------------------------------------------------


def test_customer_pages_never_show_internal_notes(
    client, approved_qualification, customer, reviewer, senior, support
):
    signature = walk_to(
        SignatureApplicationFactory(qualification=approved_qualification),
        "under_review",
        customer=customer,
        reviewer=reviewer,
        senior=senior,
    )
    internal_note_add(item=signature, user=support, text="签名备注：疑似冒用")
    internal_note_add(item=approved_qualification, user=support, text="资质备注：法人电话未接通")
    # A decision's internal note is just as internal.
    lc.review_reject(
        item=signature,
        user=reviewer,
        reasons=["other"],
        comment="请补充材料",
        internal_note="决定备注：与客服沟通过",
    )
    signature = type(signature).objects.get(pk=signature.pk)
    template = walk_to(
        TemplateApplicationFactory(
            signature=walk_to(
                SignatureApplicationFactory(qualification=approved_qualification, content="华谷"),
                "approved",
                customer=customer,
                reviewer=reviewer,
                senior=senior,
            )
        ),
        "pending_review",
        customer=customer,
        reviewer=reviewer,
        senior=senior,
    )
    internal_note_add(item=template, user=support, text="模板备注：营销内容待核实")
    secrets = ("签名备注", "资质备注", "决定备注", "模板备注", "疑似冒用")

    client.force_login(customer)
    pages = [
        reverse("portal:dashboard"),
        reverse("portal:notifications"),
        reverse("signatures:signature_list"),
        reverse("signatures:signature_detail", args=[signature.public_id]),
        reverse("signatures:qualification_list"),
        reverse("signatures:qualification_detail", args=[approved_qualification.public_id]),
        reverse("templates:template_list"),
        reverse("templates:template_detail", args=[template.public_id]),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        body = response.content.decode()
        for secret in secrets:
            assert secret not in body, (page, secret)
    for notification in Notification.objects.all():
        for secret in secrets:
            assert secret not in notification.title + notification.body
    for message in mail.outbox:
        for secret in secrets:
            assert secret not in message.subject + message.body


def test_auditor_reads_the_notes_audit_row_in_the_console(client, item, support, auditor):
    note = internal_note_add(item=item, user=support, text=NOTE)
    entry = LogEntry.objects.get_for_object(note).get()
    client.force_login(auditor)
    assert client.get(reverse("admin:auditlog_logentry_changelist")).status_code == 200
    response = client.get(reverse("admin:auditlog_logentry_change", args=[entry.pk]))
    assert response.status_code == 200
    assert NOTE in response.content.decode()
