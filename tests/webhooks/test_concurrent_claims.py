"""Two workers given the same deliveries at the same moment (PostgreSQL's row locks with
SKIP LOCKED): every delivery reaches the receiver once and is marked delivered once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from webhooks.models import DeliveryState, WebhookAttempt, WebhookDelivery, WebhookEvent
from webhooks.services import EventSpec, deliveries_send, endpoint_ping, events_write

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_two_workers_never_send_one_delivery_twice(endpoint_for, customer, receiver):
    assert connection.vendor == "postgresql"
    endpoint = endpoint_for(customer)
    ids = [endpoint_ping(user=customer, endpoint=endpoint).pk for _ in range(40)]
    start = threading.Barrier(4)
    errors = []

    def worker(order):
        try:
            start.wait()
            for _ in range(3):  # and again, as a redelivered message would
                deliveries_send(delivery_ids=order)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(order,))
        for order in (ids, ids[::-1], ids[::2] + ids[1::2], ids)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    sent = Counter(webhook_id for webhook_id, _status in receiver.seen)
    assert len(sent) == 40 and set(sent.values()) == {1}
    assert WebhookDelivery.objects.filter(state=DeliveryState.SUCCEEDED).count() == 40
    assert WebhookAttempt.objects.count() == 40


def test_concurrent_events_about_one_object_get_gap_free_unique_numbers(endpoint_for, customer):
    endpoint_for(customer)
    start = threading.Barrier(3)
    errors = []

    def writer():
        try:
            start.wait()
            for _ in range(15):
                events_write(
                    specs=[
                        EventSpec(
                            type="signature.submitted",
                            data={"object": "signature", "id": "SIGCONCURRENT"},
                            occurred_at=timezone.now(),
                            account_id=customer.account_id,
                            subject_id="SIGCONCURRENT",
                        )
                    ]
                )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(
        WebhookEvent.objects.filter(subject_id="SIGCONCURRENT").values_list("sequence", flat=True)
    )
    assert numbers == list(range(1, 46))
