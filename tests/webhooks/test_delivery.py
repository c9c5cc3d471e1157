"""Deliveries to a real receiver on 127.0.0.1 that verifies every request with the
``standardwebhooks`` package: signed, retried on the SPEC's schedule, in order per object,
once per endpoint; timeouts, 410, Retry-After and five days of failures; secret rotation; one
pooled connection."""

from __future__ import annotations

import email.utils
import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from reviewportal.models import AccountRole, Notification
from reviewportal.services import lifecycle as lc
from tests.factories import CustomerFactory, SignatureApplicationFactory
from tests.webhooks.conftest import receiver_serving
from webhooks.addresses import Target
from webhooks.http import pool_close, post
from webhooks.models import (
    DeliveryState,
    DisabledReason,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from webhooks.services import (
    deliveries_send,
    deliveries_sweep,
    endpoint_ping,
    endpoint_secret_rotate,
)

pytestmark = pytest.mark.django_db

S = DeliveryState


@pytest.fixture
def items(approved_qualification):
    return [
        SignatureApplicationFactory(qualification=approved_qualification, content=c)
        for c in ("和讯华谷", "华谷信息")
    ]


def _review(item, customer, reviewer):
    item = lc.review_submit(item=item, user=customer)
    item = lc.review_claim(item=item, user=reviewer)
    lc.review_reject(item=item, user=reviewer, reasons=["other"])


@pytest.fixture
def read_timeout(settings):
    """``read_timeout(seconds)``: the pooled client waits that long for an answer (it is made
    again with the new setting)."""

    def set_to(seconds: float) -> None:
        settings.WEBHOOK_POLICY = {**settings.WEBHOOK_POLICY, "READ_TIMEOUT_SECONDS": seconds}
        pool_close()

    return set_to


def test_a_delivery_reaches_the_receiver_signed_and_is_marked_delivered(
    endpoint_for, receiver, customer, deliver
):
    endpoint = endpoint_for(customer)
    delivery = endpoint_ping(user=customer, endpoint=endpoint)
    deliver()
    assert [p["type"] for p in receiver.accepted] == ["ping"]
    assert receiver.accepted[0]["data"]["id"] == endpoint.public_id
    assert receiver.refused == []
    headers = receiver.headers[0]
    assert headers["webhook-id"] == delivery.event.public_id
    assert headers["host"] == receiver.url.split("/")[2]
    delivery.refresh_from_db()
    assert delivery.state == S.SUCCEEDED and delivery.delivered_at is not None
    assert delivery.last_status_code == 204 and delivery.last_duration_ms is not None
    (attempt,) = delivery.attempt_rows.all()
    assert attempt.succeeded and attempt.status_code == 204 and attempt.number == 1


def test_a_receiver_that_fails_for_a_while_gets_every_event_once_in_order(
    endpoint_for, receiver, customer, reviewer, items, deliver
):
    endpoint = endpoint_for(customer)
    # Down for its first five requests (500), then well.
    receiver.answer = lambda n: (500, {}) if n <= 5 else (200, {})
    for item in items:
        _review(item, customer, reviewer)
    deliver()
    ids = [p["id"] for p in receiver.accepted]
    assert len(ids) == len(set(ids))  # once each
    expected = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert set(ids) == set(expected.values_list("event__public_id", flat=True))
    assert expected.filter(state=S.SUCCEEDED).count() == expected.count()
    for item in items:
        mine = [p["sequence"] for p in receiver.accepted if p["data"]["id"] == item.public_id]
        assert mine == [1, 2]
        assert [p["type"] for p in receiver.accepted if p["data"]["id"] == item.public_id] == [
            "signature.submitted",
            "signature.rejected",
        ]
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).failing_since is None


def test_two_endpoints_failing_each_their_own_way_get_every_event_once_in_order(
    endpoint_for, receiver, customer, reviewer, approved_qualification, deliver, read_timeout
):
    read_timeout(1.0)
    items = [
        SignatureApplicationFactory(qualification=approved_qualification, content=c)
        for c in ("和讯华谷", "和讯", "华谷信息")
    ]
    decisions = ["signature.rejected", "signature.approved"]
    with receiver_serving() as other:
        everything = endpoint_for(customer)
        decided = endpoint_for(customer, event_types=decisions, at=other)
        # One is down (500) for its first four requests; the other hangs on its first three
        # (the read timeout ends them), then is busy twice (503, Retry-After an hour: longer
        # than the schedule's wait).
        receiver.answer = lambda n: (500, {}) if n <= 4 else (200, {})
        other.hang = lambda n: n <= 3
        other.answer = lambda n: (503, {"Retry-After": "3600"}) if n <= 5 else (204, {})
        for item in items:
            _review(item, customer, reviewer)  # submitted, rejected
        deliveries_send(delivery_ids=list(WebhookDelivery.objects.values_list("pk", flat=True)))
        # More events while the first ones wait for their retries.
        for item in items:
            item = lc.review_resubmit(item=type(item).objects.get(pk=item.pk), user=customer)
            item = lc.review_claim(item=item, user=reviewer)
            lc.review_approve(item=item, user=reviewer)  # submitted, approved
        deliver()

    subjects = [item.public_id for item in items]
    for endpoint, at, types in ((everything, receiver, None), (decided, other, decisions)):
        events = WebhookEvent.objects.filter(subject_id__in=subjects).order_by("sequence")
        if types:
            events = events.filter(type__in=types)
        assert at.refused == []  # every request verified with standardwebhooks
        ids = [p["id"] for p in at.accepted]
        assert len(ids) == len(set(ids))  # once each
        assert set(ids) == set(events.values_list("public_id", flat=True))
        deliveries = WebhookDelivery.objects.filter(endpoint=endpoint)
        assert set(deliveries.values_list("state", flat=True)) == {S.SUCCEEDED}
        for subject in subjects:
            got = [(p["sequence"], p["type"]) for p in at.accepted if p["data"]["id"] == subject]
            assert got == list(events.filter(subject_id=subject).values_list("sequence", "type"))
        assert WebhookEndpoint.objects.get(pk=endpoint.pk).failing_since is None
    # Each failed as it was told to, and was retried until it recovered.
    tried = WebhookAttempt.objects.filter(succeeded=False)
    assert tried.filter(delivery__endpoint=everything, status_code=500).count() == 4
    assert tried.filter(delivery__endpoint=decided, error="timed out").count() == 3
    assert tried.filter(delivery__endpoint=decided, status_code=503).count() == 2
    for failed in tried.filter(status_code=503):
        retried = failed.delivery.attempt_rows.get(number=failed.number + 1)
        assert (retried.started_at - failed.started_at).total_seconds() >= 3600
    assert len(receiver.accepted) == 4 * len(items)  # submitted, rejected, submitted, approved
    assert len(other.accepted) == 2 * len(items)


def test_a_receiver_that_does_not_answer_in_time_is_a_failed_attempt_retried_later(
    endpoint_for, receiver, customer, read_timeout, deliver, settings, _fixed_clock
):
    _fixed_clock.move_to(timezone.now(), tick=False)  # the wait is the schedule's exactly
    read_timeout(0.5)
    endpoint = endpoint_for(customer)
    receiver.hang = lambda n: n == 1
    delivery = endpoint_ping(user=customer, endpoint=endpoint)
    batch = deliveries_send(delivery_ids=[delivery.pk])
    assert batch.retrying == [delivery.pk] and batch.succeeded == []
    assert receiver.requests == 1 and receiver.accepted == []  # it was reached, then hung
    delivery.refresh_from_db()
    assert delivery.state == S.PENDING and delivery.delivered_at is None
    assert delivery.last_status_code is None and delivery.last_error == "timed out"
    (attempt,) = delivery.attempt_rows.all()
    assert not attempt.succeeded and attempt.status_code is None
    assert attempt.error == "timed out"
    # Ended by the read timeout, not by the receiver giving up after 10 s.
    assert 500 <= attempt.duration_ms < 5000
    wait = (delivery.next_attempt_at - attempt.started_at).total_seconds()
    assert wait == 5 == settings.WEBHOOK_POLICY["RETRY_SCHEDULE_SECONDS"][1]  # SPEC §9
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).failing_since is not None
    deliver()
    delivery.refresh_from_db()
    assert delivery.state == S.SUCCEEDED and delivery.attempts == 2
    assert [p["id"] for p in receiver.accepted] == [delivery.event.public_id]


@pytest.fixture
def attempt_deadline(settings):
    """``attempt_deadline(seconds)``: a whole attempt is given up after that long."""

    def set_to(seconds: float) -> None:
        settings.WEBHOOK_POLICY = {**settings.WEBHOOK_POLICY, "ATTEMPT_DEADLINE_SECONDS": seconds}

    return set_to


def test_an_answer_dripped_within_each_read_timeout_is_cut_at_the_attempts_deadline(
    endpoint_for, receiver, customer, read_timeout, attempt_deadline
):
    """Each byte of the answer comes within the read timeout, so only a limit on the whole
    attempt ends it: else the attempt could outlast the claim's lease (and the delivery be sent
    twice) or hold a worker's thread for as long as the receiver likes."""
    read_timeout(1.0)
    attempt_deadline(2.0)
    endpoint = endpoint_for(customer)
    receiver.answer = lambda n: (200, {})
    receiver.drip = lambda n: ("head", 0.3) if n == 1 else None
    delivery = endpoint_ping(user=customer, endpoint=endpoint)
    batch = deliveries_send(delivery_ids=[delivery.pk])
    assert batch.retrying == [delivery.pk]
    (attempt,) = delivery.attempt_rows.all()
    assert attempt.error == "timed out" and attempt.status_code is None
    # The deadline, not the receiver (about 80 bytes, 0.3 s apart: 24 s) ended it.
    assert 2000 <= attempt.duration_ms < 3500


def test_a_body_dripped_past_the_deadline_keeps_the_status_already_answered(
    endpoint_for, receiver, customer, read_timeout, attempt_deadline
):
    """The status is the receiver's answer; the body is read only to show it."""
    read_timeout(1.0)
    attempt_deadline(1.5)
    endpoint = endpoint_for(customer)
    receiver.answer = lambda n: (200, {})
    receiver.drip = lambda n: ("body", 0.3)
    delivery = endpoint_ping(user=customer, endpoint=endpoint)
    assert deliveries_send(delivery_ids=[delivery.pk]).succeeded == [delivery.pk]
    (attempt,) = delivery.attempt_rows.all()
    assert attempt.succeeded and attempt.status_code == 200
    assert 1500 <= attempt.duration_ms < 3000


def test_deliveries_to_one_receiver_reuse_the_pooled_connection(endpoint_for, receiver, customer):
    endpoint = endpoint_for(customer)
    for _ in range(3):
        delivery = endpoint_ping(user=customer, endpoint=endpoint)
        assert deliveries_send(delivery_ids=[delivery.pk]).succeeded == [delivery.pk]
    assert receiver.requests == 3
    # One TCP connection for all three: a client made per delivery would open one each.
    assert len(set(receiver.peers)) == 1


def test_a_later_delivery_of_an_object_waits_for_the_earlier_one(
    endpoint_for, receiver, customer, reviewer, items
):
    endpoint_for(customer)
    receiver.answer = lambda n: (500, {})
    _review(items[0], customer, reviewer)
    first, second = WebhookDelivery.objects.order_by("sequence")
    batch = deliveries_send(delivery_ids=[first.pk, second.pk])
    assert batch.retrying == [first.pk] and batch.skipped == [second.pk]
    assert WebhookDelivery.objects.get(pk=second.pk).attempts == 0


def test_the_retry_schedule_is_the_spec_one_and_then_the_delivery_is_given_up(
    endpoint_for, receiver, customer, deliver, settings, _fixed_clock
):
    # The clock stands still, so each wait is the scheduled delay exactly: on a ticking clock
    # the time a request takes (more on a loaded CI machine) lands in the wait and a rounding
    # turned 36000 into 36001.
    _fixed_clock.move_to(timezone.now(), tick=False)
    endpoint = endpoint_for(customer)
    receiver.answer = lambda n: (500, {})
    delivery = endpoint_ping(user=customer, endpoint=endpoint)
    deliver()
    delivery.refresh_from_db()
    assert delivery.state == S.FAILED and delivery.attempts == 8
    starts = list(delivery.attempt_rows.order_by("number").values_list("started_at", flat=True))
    waits = [(b - a).total_seconds() for a, b in itertools.pairwise(starts)]
    assert waits == [5, 300, 1800, 7200, 18000, 36000, 36000]
    assert settings.WEBHOOK_POLICY["RETRY_SCHEDULE_SECONDS"][1:] == tuple(waits)
    assert delivery.last_status_code == 500 and delivery.last_error.startswith("HTTP 500")


def test_410_disables_the_endpoint_at_once_and_tells_the_managers(
    endpoint_for, receiver, customer, deliver
):
    endpoint = endpoint_for(customer)
    receiver.answer = lambda n: (410, {})
    delivery = endpoint_ping(user=customer, endpoint=endpoint)
    deliver()
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_reason == DisabledReason.GONE
    assert WebhookDelivery.objects.get(pk=delivery.pk).state == S.FAILED
    assert receiver.requests == 1
    assert Notification.objects.filter(recipient=customer, kind="account").count() == 1


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_in_seconds_is_honoured(endpoint_for, receiver, customer, status):
    endpoint = endpoint_for(customer)
    receiver.answer = lambda n: (status, {"Retry-After": "120"})
    delivery = endpoint_ping(user=customer, endpoint=endpoint)
    before = timezone.now()
    deliveries_send(delivery_ids=[delivery.pk])
    delivery.refresh_from_db()
    wait = (delivery.next_attempt_at - before).total_seconds()
    assert 119 <= wait <= 125  # not the schedule's 5 s


def test_retry_after_as_an_http_date_is_honoured_and_capped(
    endpoint_for, receiver, customer, settings
):
    endpoint = endpoint_for(customer)
    in_an_hour = email.utils.format_datetime(timezone.now() + timedelta(hours=1), usegmt=True)
    receiver.answer = lambda n: (
        (429, {"Retry-After": in_an_hour}) if n == 1 else (503, {"Retry-After": "999999"})
    )
    delivery = endpoint_ping(user=customer, endpoint=endpoint)
    start = timezone.now()
    deliveries_send(delivery_ids=[delivery.pk])
    delivery.refresh_from_db()
    assert 3590 <= (delivery.next_attempt_at - start).total_seconds() <= 3610
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    start = timezone.now()
    deliveries_send(delivery_ids=[delivery.pk])
    delivery.refresh_from_db()
    cap = settings.WEBHOOK_POLICY["RETRY_AFTER_MAX_SECONDS"]
    assert cap - 5 <= (delivery.next_attempt_at - start).total_seconds() <= cap + 5


def test_five_days_of_failures_disable_the_endpoint_and_tell_owners_and_admins(
    endpoint_for, receiver, customer, account, _fixed_clock
):
    admin = CustomerFactory(account=account, account_role=AccountRole.ADMIN)
    member = CustomerFactory(account=account, account_role=AccountRole.MEMBER)
    endpoint = endpoint_for(customer)
    receiver.answer = lambda n: (500, {})
    endpoint_ping(user=customer, endpoint=endpoint)
    deliveries_send(delivery_ids=list(WebhookDelivery.objects.values_list("pk", flat=True)))
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.failing_since is not None
    _fixed_clock.move_to(timezone.now() + timedelta(days=4, hours=23))
    second = endpoint_ping(user=customer, endpoint=endpoint)
    deliveries_send(delivery_ids=[second.pk])
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).is_active  # not five days yet
    _fixed_clock.move_to(timezone.now() + timedelta(hours=2))
    third = endpoint_ping(user=customer, endpoint=endpoint)
    deliveries_send(delivery_ids=[third.pk])
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_reason == DisabledReason.FAILING
    told = set(Notification.objects.filter(kind="account").values_list("recipient", flat=True))
    assert told == {customer.pk, admin.pk}
    assert member.pk not in told
    # Disabled: nothing more is sent to it, not even by the sweep.
    requests = receiver.requests
    _fixed_clock.move_to(timezone.now() + timedelta(days=1))
    assert deliveries_sweep() == 0
    assert receiver.requests == requests


def test_a_success_stops_the_failing_clock(endpoint_for, receiver, customer):
    endpoint = endpoint_for(customer)
    receiver.answer = lambda n: (500, {}) if n == 1 else (200, {})
    delivery = endpoint_ping(user=customer, endpoint=endpoint)
    deliveries_send(delivery_ids=[delivery.pk])
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).failing_since is not None
    second = endpoint_ping(user=customer, endpoint=endpoint)
    deliveries_send(delivery_ids=[second.pk])
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).failing_since is None


def test_rotation_signs_with_both_secrets_for_24_hours_then_only_the_new_one(
    endpoint_for, receiver, customer, _fixed_clock
):
    endpoint = endpoint_for(customer)
    old = receiver.secrets[0]
    new = endpoint_secret_rotate(user=customer, endpoint=endpoint)
    assert new != old and new.startswith("whsec_")
    for secrets in ([old], [new]):
        receiver.secrets = secrets
        delivery = endpoint_ping(user=customer, endpoint=endpoint)
        deliveries_send(delivery_ids=[delivery.pk])
        assert WebhookDelivery.objects.get(pk=delivery.pk).state == S.SUCCEEDED
    assert len(receiver.headers[-1]["webhook-signature"].split(" ")) == 2
    _fixed_clock.move_to(timezone.now() + timedelta(hours=24, minutes=1))
    receiver.secrets = [old]
    delivery = endpoint_ping(user=customer, endpoint=endpoint)
    deliveries_send(delivery_ids=[delivery.pk])
    assert WebhookDelivery.objects.get(pk=delivery.pk).state == S.PENDING  # refused: 400
    assert receiver.refused == [delivery.event.public_id]
    receiver.secrets = [new]
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    deliveries_send(delivery_ids=[delivery.pk])
    assert WebhookDelivery.objects.get(pk=delivery.pk).state == S.SUCCEEDED
    assert len(receiver.headers[-1]["webhook-signature"].split(" ")) == 1


def test_the_webhook_id_is_the_same_on_every_attempt(endpoint_for, receiver, customer, deliver):
    endpoint = endpoint_for(customer)
    receiver.answer = lambda n: (500, {}) if n <= 2 else (200, {})
    delivery = endpoint_ping(user=customer, endpoint=endpoint)
    deliver()
    assert {h["webhook-id"] for h in receiver.headers} == {delivery.event.public_id}
    assert len(receiver.headers) == 3


def test_the_sweep_sends_what_is_due_and_a_done_delivery_is_not_sent_again(
    endpoint_for, receiver, customer, sent_tasks
):
    endpoint = endpoint_for(customer)
    delivery = endpoint_ping(user=customer, endpoint=endpoint)
    assert deliveries_sweep() == 1
    assert sent_tasks[-1].name == "webhooks.tasks.deliveries_send_task"
    assert sent_tasks[-1].args == ([delivery.pk],)
    deliveries_send(delivery_ids=[delivery.pk])
    batch = deliveries_send(delivery_ids=[delivery.pk])
    assert batch.skipped == [delivery.pk] and receiver.requests == 1
    assert deliveries_sweep() == 0


def test_redirects_are_not_followed(endpoint_for, receiver, customer):
    endpoint = endpoint_for(customer)
    receiver.answer = lambda n: (302, {"Location": "http://169.254.169.254/latest/meta-data/"})
    delivery = endpoint_ping(user=customer, endpoint=endpoint)
    deliveries_send(delivery_ids=[delivery.pk])
    delivery.refresh_from_db()
    assert receiver.requests == 1
    assert delivery.state == S.PENDING and delivery.last_status_code == 302


def test_nothing_secret_is_kept_in_errors_or_logs(endpoint_for, receiver, customer, caplog):
    endpoint = endpoint_for(customer)
    receiver.answer = lambda n: (500, {})
    delivery = endpoint_ping(user=customer, endpoint=endpoint)
    with caplog.at_level("INFO"):
        deliveries_send(delivery_ids=[delivery.pk])
    delivery.refresh_from_db()
    secret = receiver.secrets[0]
    key = secret.removeprefix("whsec_")
    assert key not in delivery.last_error and key not in caplog.text
    assert "t=1" not in caplog.text  # the URL's query (a receiver's token) is not logged
    assert endpoint.public_id in caplog.text


def test_a_batch_with_room_takes_other_due_deliveries_but_keeps_each_objects_order(
    endpoint_for, receiver, customer, reviewer, items, settings, _fixed_clock
):
    settings.WEBHOOK_POLICY = {**settings.WEBHOOK_POLICY, "BATCH_SIZE": 3}
    endpoint = endpoint_for(customer)
    pings = [endpoint_ping(user=customer, endpoint=endpoint) for _ in range(3)]
    _review(items[0], customer, reviewer)  # submitted (1), then rejected (2)
    first, second = WebhookDelivery.objects.exclude(pk__in=[p.pk for p in pings]).order_by(
        "sequence"
    )
    later = endpoint_ping(user=customer, endpoint=endpoint)
    WebhookDelivery.objects.filter(pk=later.pk).update(
        next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    # A message with one delivery: the batch fills up to 3 with the longest waiting ones due.
    batch = deliveries_send(delivery_ids=[pings[0].pk])
    assert batch.succeeded == sorted([pings[0].pk, pings[1].pk, pings[2].pk])
    # The messages of those find nothing to do, and take nothing else.
    assert deliveries_send(delivery_ids=[pings[1].pk]).succeeded == []
    # The next one takes the object's first event; its second waits for it (the same batch
    # never holds both), and one not yet due stays.
    batch = deliveries_send(delivery_ids=[first.pk])
    assert batch.succeeded == [first.pk]
    assert WebhookDelivery.objects.get(pk=second.pk).state == S.PENDING
    assert deliveries_send(delivery_ids=[second.pk]).succeeded == [second.pk]
    assert WebhookDelivery.objects.get(pk=later.pk).state == S.PENDING
    assert [p["sequence"] for p in receiver.accepted if p["type"] != "ping"] == [1, 2]


def test_an_internationalised_host_is_sent_in_its_ascii_form(receiver, allow_private):
    """A name like 例子.测试 goes in the Host header (and the TLS server name) as IDNA, as
    httpx writes it in a URL; HTTP headers carry ASCII only."""
    port = int(receiver.url.split(":")[2].split("/")[0])
    target = Target(scheme="http", host="例子.测试", port=port, addresses=("127.0.0.1",))
    answer = post(url=f"http://例子.测试:{port}/hooks", target=target, headers={}, body=b"{}")
    assert answer.status == 400  # unsigned: the receiver refuses it, after reading its headers
    assert receiver.headers[0]["host"] == f"xn--fsqu00a.xn--0zwm56d:{port}"
