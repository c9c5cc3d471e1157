"""Writing events into the outbox, in the transaction of the change they announce.

An event is recorded (``event_record``) by the receivers of the changes (``webhooks.receivers``)
while the change is being made; it is written at once, or, inside a batch of transitions
(``reviewportal.history_batch.transition_log_batch``: bulk re-review, carrier batches), with the
batch's others in a fixed number of statements when the batch ends (``events_batch``). Either
way it is in the change's transaction: a change rolled back leaves no event.

Writing events: the active endpoints of the accounts concerned are read (one query); an event
no endpoint wants is not written at all (most accounts have no webhooks, and a transition costs
them this one query). For the others: each object's sequence counter is locked and moved on
(gap-free and unique, also under concurrency), the events are inserted, one delivery per event
and endpoint that wants it, and after commit the deliveries are handed to the workers."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone, translation

from carriers.models import Carrier
from carriers.selectors import carrier_reason_catalogue, carrier_reason_text
from webhooks.models import (
    PING_EVENT,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookSubjectCounter,
)
from webhooks.services.delivery import deliveries_enqueue

#: The languages a carrier reason's explanation is given in.
LANGUAGES = ("zh-hans", "en")


def iso(at: dt.datetime | None) -> str | None:
    """ISO 8601 with the offset, in the product's time zone (``2026-06-17T15:00:00+08:00``)."""
    return timezone.localtime(at).isoformat(timespec="seconds") if at else None


@dataclass
class EventSpec:
    """An event to write. ``account_id`` and ``subject_id`` may be left for the flush to find
    from ``item`` (model, pk) — a filing's signature or template, read once per batch."""

    type: str
    data: dict
    occurred_at: dt.datetime
    account_id: int | None = None
    subject_id: str | None = None
    item: tuple[type, int] | None = None
    #: A carrier pk whose code goes into ``data["carrier"]`` and a raw carrier reason to
    #: explain into ``data["carrier_reason"]`` (filings).
    carrier_id: int | None = None
    carrier_reason: str | None = None
    #: Only these endpoints (a ping), whatever they subscribe to.
    endpoint_ids: Sequence[int] | None = None


_pending: ContextVar[list[EventSpec] | None] = ContextVar("webhook_events_pending", default=None)


@contextmanager
def events_batch() -> Iterator[None]:
    """Collect the events recorded inside and write them together on leaving (nothing when
    the block raises). Registered as a hook of ``transition_log_batch``."""
    if _pending.get() is not None:
        yield
        return
    specs: list[EventSpec] = []
    token = _pending.set(specs)
    try:
        yield
    finally:
        _pending.reset(token)
    events_write(specs=specs)


def event_record(spec: EventSpec) -> None:
    """Write ``spec`` now, or with its batch when one is open."""
    pending = _pending.get()
    if pending is not None:
        pending.append(spec)
    else:
        events_write(specs=[spec])


def _reason_texts(recorded: str, catalogue) -> dict | None:
    texts = {}
    for language in LANGUAGES:
        with translation.override(language):
            text = carrier_reason_text(recorded, catalogue=catalogue)
        if text is None:
            return None
        texts[language] = text
    first = texts[LANGUAGES[0]]
    return {
        "code": first.code,
        "known": first.known,
        "explanation": {lang: t.explanation for lang, t in texts.items()},
        "next_step": {lang: t.next_step for lang, t in texts.items()},
    }


def _complete(specs: list[EventSpec]) -> None:
    """Fill in what the receivers left for the flush: the item's public id and account, the
    carrier's code, the carrier reason's explanation (one query per kind of thing)."""
    by_model: dict[type, set[int]] = defaultdict(set)
    for spec in specs:
        if spec.item is not None:
            by_model[spec.item[0]].add(spec.item[1])
    items = {}
    for model, pks in by_model.items():
        for pk, public_id, account_id in model._default_manager.filter(pk__in=pks).values_list(
            "pk", "public_id", "account_id"
        ):
            items[(model, pk)] = (public_id, account_id)
    carrier_ids = {s.carrier_id for s in specs if s.carrier_id is not None}
    codes = (
        dict(Carrier.objects.filter(pk__in=carrier_ids).values_list("pk", "code"))
        if carrier_ids
        else {}
    )
    catalogue = carrier_reason_catalogue() if any(s.carrier_reason for s in specs) else None
    for spec in specs:
        if spec.item is not None:
            public_id, spec.account_id = items[spec.item]
            spec.subject_id = public_id
            spec.data["item"]["id"] = public_id
        if spec.carrier_id is not None:
            spec.data["carrier"] = codes.get(spec.carrier_id, "")
        if spec.carrier_reason is not None:
            spec.data["carrier_reason"] = (
                _reason_texts(spec.carrier_reason, catalogue) if spec.carrier_reason else None
            )


def _targets(specs: list[EventSpec]) -> list[tuple[EventSpec, list[int]]]:
    """Each event with the endpoints that want it; events nobody wants are left out."""
    accounts = {s.account_id for s in specs if s.endpoint_ids is None}
    endpoints: dict[int, list[WebhookEndpoint]] = defaultdict(list)
    if accounts:
        for endpoint in WebhookEndpoint.objects.filter(
            account_id__in=accounts, is_active=True
        ).only("pk", "account_id", "event_types"):
            endpoints[endpoint.account_id].append(endpoint)
    found = []
    for spec in specs:
        if spec.endpoint_ids is not None:
            wanted = list(spec.endpoint_ids)
        else:
            wanted = [e.pk for e in endpoints[spec.account_id] if e.wants(spec.type)]
        if wanted:
            found.append((spec, wanted))
    return found


def sequences_take(subject_ids: Sequence[str]) -> list[int]:
    """The next sequence number of each object named (an object named twice gets two
    consecutive numbers, in order), taken under a lock on its counter row: two transactions
    adding events about one object wait for each other, so numbers are never repeated, and a
    rolled-back transaction gives its numbers back. Three statements however many objects."""
    counts = Counter(subject_ids)
    keys = sorted(counts)
    WebhookSubjectCounter.objects.bulk_create(
        [WebhookSubjectCounter(subject_id=key) for key in keys], ignore_conflicts=True
    )
    rows = list(
        WebhookSubjectCounter.objects.select_for_update()
        .filter(subject_id__in=keys)
        .order_by("subject_id")
    )
    last = {row.subject_id: row.last_sequence for row in rows}
    for row in rows:
        row.last_sequence += counts[row.subject_id]
    if len(rows) == 1:
        WebhookSubjectCounter.objects.filter(pk=rows[0].pk).update(
            last_sequence=rows[0].last_sequence
        )
    else:
        WebhookSubjectCounter.objects.bulk_update(rows, ["last_sequence"])
    numbers = []
    for subject_id in subject_ids:
        last[subject_id] += 1
        numbers.append(last[subject_id])
    return numbers


def events_write(*, specs: list[EventSpec]) -> list[WebhookEvent]:
    """Write the events of ``specs`` that an endpoint wants, with their deliveries, in the
    caller's transaction (see the module's docstring); the deliveries are sent after commit.
    Returns the events written."""
    if not specs:
        return []
    _complete(specs)
    targets = _targets(specs)
    if not targets:
        return []
    # In the caller's transaction (a savepoint would cost two statements per transition).
    with transaction.atomic(savepoint=False):
        # A ping stands alone: it is its own object (never waits for, nor holds up, another).
        sequenced = [spec.subject_id for spec, _endpoints in targets if spec.type != PING_EVENT]
        numbers = iter(sequences_take(sequenced) if sequenced else ())
        events = []
        for spec, _endpoints in targets:
            event = WebhookEvent(
                account_id=spec.account_id, type=spec.type, created_at=spec.occurred_at
            )
            if spec.type == PING_EVENT:
                event.subject_id, event.sequence = event.public_id, 1
            else:
                event.subject_id, event.sequence = spec.subject_id, next(numbers)
            event.payload = {
                "id": event.public_id,
                "type": spec.type,
                "timestamp": iso(spec.occurred_at),
                "sequence": event.sequence,
                "data": spec.data,
            }
            events.append(event)
        WebhookEvent.objects.bulk_create(events)
        deliveries = WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(
                    event=event,
                    endpoint_id=endpoint_id,
                    subject_id=event.subject_id,
                    sequence=event.sequence,
                    next_attempt_at=spec.occurred_at,
                    created_at=spec.occurred_at,
                )
                for event, (spec, endpoint_ids) in zip(events, targets, strict=True)
                for endpoint_id in endpoint_ids
            ]
        )
        ids = [d.pk for d in deliveries]
        transaction.on_commit(lambda: deliveries_enqueue(ids))
        return events
