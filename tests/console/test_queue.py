"""The queue: order, SLA badge, filters, claim next, claim expiry, bulk decisions, and a query
count that does not grow with its rows (issue 5)."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reviewportal.models import ReviewState
from reviewportal.services.claims import review_claim_next, review_claims_expire_run
from reviewportal.services.urgent import urgent_ticket_accept, urgent_ticket_file
from signatures.models import SignatureApplication
from tests.console.conftest import url

S = ReviewState
QUEUE = reverse("admin:signatures_signatureapplication_changelist")


def _queue_ids(response) -> list[int]:
    return [obj.pk for obj in response.context["cl"].result_list]


def test_queue_is_urgent_first_then_due_time(client, make_signature, customer, support, reviewer):
    first = make_signature()
    second = make_signature()
    ticket = urgent_ticket_file(item=second, user=customer, reason="上线")
    urgent_ticket_accept(ticket=ticket, user=support)
    client.force_login(reviewer)
    response = client.get(QUEUE)
    assert _queue_ids(response)[:2] == [second.pk, first.pk]
    page = response.content.decode()
    assert 'class="sla sla-on_track"' in page and "badge-urgent" in page


def test_queue_hides_decided_items_unless_asked(client, make_signature, reviewer):
    waiting = make_signature()
    decided = make_signature("approved")
    client.force_login(reviewer)
    assert _queue_ids(client.get(QUEUE)) == [waiting.pk]
    assert set(_queue_ids(client.get(QUEUE, {"status": "all"}))) == {waiting.pk, decided.pk}
    assert _queue_ids(client.get(QUEUE, {"status": "approved"})) == [decided.pk]


def test_queue_filters_claimed_by_me_and_unclaimed(client, make_signature, reviewer):
    mine = make_signature("under_review")
    free = make_signature()
    client.force_login(reviewer)
    assert _queue_ids(client.get(QUEUE, {"claim": "mine"})) == [mine.pk]
    assert _queue_ids(client.get(QUEUE, {"claim": "unclaimed"})) == [free.pk]


def test_queue_filters_by_sla_state(client, make_signature, reviewer):
    item = make_signature()
    client.force_login(reviewer)
    assert _queue_ids(client.get(QUEUE, {"sla": "on_track"})) == [item.pk]
    assert _queue_ids(client.get(QUEUE, {"sla": "breached"})) == []
    with time_machine.travel(item.due_at + timedelta(minutes=1), tick=False):
        assert _queue_ids(client.get(QUEUE, {"sla": "breached"})) == [item.pk]
        assert "sla-breached" in client.get(QUEUE).content.decode()


def test_queue_filters_by_type_and_account(
    client, make_signature, reviewer, approved_qualification
):
    item = make_signature()
    client.force_login(reviewer)
    assert _queue_ids(client.get(QUEUE, {"sig_type__exact": "company"})) == [item.pk]
    assert _queue_ids(client.get(QUEUE, {"sig_type__exact": "trademark"})) == []
    assert _queue_ids(client.get(QUEUE, {"account": approved_qualification.account_id})) == [
        item.pk
    ]


def test_queue_makes_the_same_number_of_queries_for_1_and_50_rows(
    client, make_signature, reviewer, approved_qualification
):
    make_signature()
    client.force_login(reviewer)
    client.get(QUEUE)  # warm caches (content types, calendar)
    with CaptureQueriesContext(connection) as one:
        assert len(_queue_ids(client.get(QUEUE))) == 1
    for _ in range(49):
        make_signature()
    with CaptureQueriesContext(connection) as fifty:
        assert len(_queue_ids(client.get(QUEUE))) == 50
    assert len(fifty) == len(one)


def test_queue_page_never_counts_the_whole_table(client, make_signature, reviewer):
    make_signature()
    client.force_login(reviewer)
    with CaptureQueriesContext(connection) as queries:
        client.get(QUEUE)
    counts = [
        q["sql"]
        for q in queries
        if "COUNT(" in q["sql"].upper() and "signatureapplication" in q["sql"]
    ]
    assert counts and all("LIMIT" in sql.upper() for sql in counts), counts


def test_claim_next_button_claims_the_head_of_the_queue(client, make_signature, reviewer2):
    first = make_signature()
    make_signature()
    client.force_login(reviewer2)
    response = client.post(reverse("admin:signatures_signatureapplication_claim_next"))
    assert response.status_code == 302 and response["Location"] == url(first)
    first.refresh_from_db()
    assert first.claimed_by == reviewer2


def test_claim_next_hands_two_reviewers_different_items(make_signature, reviewer, reviewer2):
    make_signature()
    make_signature()
    one = review_claim_next(user=reviewer)
    two = review_claim_next(user=reviewer2)
    assert one.pk != two.pk
    assert review_claim_next(user=reviewer) is None


def test_claim_next_on_an_empty_queue_says_so(client, reviewer):
    client.force_login(reviewer)
    response = client.post(reverse("admin:signatures_signatureapplication_claim_next"), follow=True)
    assert response.redirect_chain[-1][0] == QUEUE
    assert list(response.context["messages"])


def test_claim_next_refused_to_support(make_signature, support):
    from reviewportal.errors import PermissionRefused

    make_signature()
    with pytest.raises(PermissionRefused):
        review_claim_next(user=support)


def test_idle_claims_expire(make_signature, settings):
    item = make_signature("under_review")
    assert review_claims_expire_run() == 0
    later = timezone.now() + timedelta(minutes=settings.REVIEW_POLICY["CLAIM_IDLE_MINUTES"] + 1)
    with time_machine.travel(later, tick=False):
        assert review_claims_expire_run() == 1
        assert review_claims_expire_run() == 0
    item.refresh_from_db()
    assert item.state == S.PENDING_REVIEW and item.claimed_by is None
    from reviewportal.selectors import transition_log_for

    log = list(transition_log_for(item))[-1]
    assert log.by is None and "idle" in log.description


def test_claims_expire_task_is_scheduled(settings):
    entries = [e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "reviewportal.tasks.claims_expire" in entries


def _action(client, action, items, **data):
    return client.post(
        QUEUE,
        {"action": action, "_selected_action": [i.pk for i in items], **data},
        follow=True,
    )


def test_bulk_approve_reports_per_item(client, make_signature, reviewer, reviewer2):
    mine = make_signature("under_review")
    waiting = make_signature()
    client.force_login(reviewer)
    response = _action(client, "approve_selected", [mine, waiting], status="all")
    texts = [str(m) for m in response.context["messages"]]
    assert any(waiting.public_id in t for t in texts)
    mine.refresh_from_db()
    waiting.refresh_from_db()
    assert mine.state == S.APPROVED and waiting.state == S.PENDING_REVIEW


def test_bulk_reject_asks_for_reasons_then_rejects_each(client, make_signature, reviewer):
    items = [make_signature("under_review"), make_signature("under_review")]
    client.force_login(reviewer)
    form = _action(client, "reject_selected", items)
    assert b'name="reasons"' in form.content
    _action(client, "reject_selected", items, confirm="1", reasons=["other"], comment="请补充")
    assert set(
        SignatureApplication.objects.filter(pk__in=[i.pk for i in items]).values_list(
            "state", flat=True
        )
    ) == {S.REJECTED}


def test_bulk_reject_without_reason_rejects_nothing(client, make_signature, reviewer):
    items = [make_signature("under_review")]
    client.force_login(reviewer)
    _action(client, "reject_selected", items, confirm="1")
    items[0].refresh_from_db()
    assert items[0].state == S.UNDER_REVIEW


def test_bulk_approve_of_a_four_eyes_item_records_a_first_approval(
    client, approved_qualification, customer, reviewer
):
    import datetime as dt

    from reviewportal.models import DecisionOutcome
    from reviewportal.services import lifecycle as lc
    from signatures.services import signature_application_create
    from tests.factories import make_material

    item = signature_application_create(
        account=approved_qualification.account,
        user=customer,
        qualification=approved_qualification,
        sig_type="app",
        content="极光推送",
        materials=[make_material(approved_qualification.account, "icp_screenshot", user=customer)],
    )
    item = lc.review_submit(item=item, user=customer, checks_as_of=dt.date(2026, 4, 20))
    item = lc.review_claim(item=item, user=reviewer)
    client.force_login(reviewer)
    response = _action(client, "approve_selected", [item])
    texts = [str(m) for m in response.context["messages"]]
    assert len(texts) == 1 and item.public_id in texts[0]
    item.refresh_from_db()
    assert item.state == S.UNDER_REVIEW
    assert item.current_revision.decisions.get().outcome == DecisionOutcome.FIRST_APPROVAL
