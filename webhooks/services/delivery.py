"""Sending deliveries (SPEC §9): claimed under a lock, sent signed, recorded in the database.

A batch (one task message, ``deliveries_send``) goes through three steps:

1. **claim**, one short transaction: the deliveries of the batch that are due (pending and
   their time has come, or being sent by a worker whose lease ran out), whose endpoint is
   active and that no earlier delivery of the same endpoint and object is still waiting for,
   are locked (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL: a row another worker is
   claiming is left to it) — with, up to BATCH_SIZE, other deliveries due by the same rules —
   and marked ``sending`` with this batch's claim token and a lease;
2. **send**, outside any transaction, in parallel threads (no database access): each body is
   signed with the endpoint's secrets and POSTed to an address checked just now (once per
   endpoint of the batch, as the step begins);
3. **record**, one transaction: only rows still holding this batch's token are written (a row
   whose lease ran out and that another worker took is not written twice): success (2xx), or
   the next attempt from the retry schedule (``Retry-After`` of a 429 or 503 honoured, capped),
   or given up; an attempt row each; the endpoints' failing clocks; a 410 or five days of
   failures disable the endpoint and tell the account's owners and admins; the next
   deliveries of the objects whose delivery finished are sent at once.

A delivery is therefore sent by one worker at a time and marked delivered once. What is left
is the receiver's side of "exactly once": a worker that dies after the receiver answered but
before step 3 committed sends that delivery again after its lease; receivers deduplicate by
``webhook-id`` (the event's id, the same on every attempt)."""

from __future__ import annotations

import email.utils
import json
import logging
import os
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef, Q
from django.utils import timezone, translation

from reviewportal.bulk import rows_update
from reviewportal.services.dispatch import task_named
from webhooks.addresses import AddressRefused, Target, target_check
from webhooks.http import Answer, post
from webhooks.models import (
    DeliveryState,
    WebhookAttempt,
    WebhookDelivery,
)
from webhooks.services.health import endpoints_record
from webhooks.signing import signed_headers

logger = logging.getLogger("webhooks.delivery")

#: The registered name of the task that sends a batch of deliveries (``webhooks.tasks``).
SEND_TASK = "webhooks.tasks.deliveries_send_task"

S = DeliveryState
OPEN_STATES = (S.PENDING, S.SENDING)


def policy() -> dict:
    return settings.WEBHOOK_POLICY


def deliveries_enqueue(ids: Sequence[int], *, countdown: float | None = None) -> None:
    """Hand delivery ids to the broker in messages of at most BATCH_SIZE. A broker outage
    loses nothing: the deliveries are committed and the sweep sends them."""
    ids = list(ids)
    size = max(policy()["BATCH_SIZE"], 1)
    options = {"countdown": countdown} if countdown else {}
    sender = task_named(SEND_TASK)
    for start in range(0, len(ids), size):
        try:
            sender.apply_async((ids[start : start + size],), **options)
        except Exception:  # kombu raises transport-specific errors; any of them means "later"
            logger.warning(
                "broker unavailable; %s webhook deliveries left to the sweep", len(ids) - start
            )
            return


def _due(now) -> Q:
    return Q(state=S.PENDING, next_attempt_at__lte=now) | Q(
        state=S.SENDING, lease_expires_at__lt=now
    )


def _waiting_for_earlier() -> Exists:
    """An earlier delivery of the same endpoint and object is still pending or being sent."""
    return Exists(
        WebhookDelivery.objects.filter(
            endpoint_id=OuterRef("endpoint_id"),
            subject_id=OuterRef("subject_id"),
            sequence__lt=OuterRef("sequence"),
            state__in=OPEN_STATES,
        )
    )


def deliveries_due(*, limit: int, now=None) -> list[int]:
    """Ids of deliveries that may be sent now, longest waiting first."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(_due(now), endpoint__is_active=True)
        .filter(~_waiting_for_earlier())
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def deliveries_sweep() -> int:
    """Send what is due (beat, ``webhook-deliveries-sweep``): retries whose time has come,
    deliveries whose message was lost, those of a re-enabled endpoint. Returns how many."""
    ids = deliveries_due(limit=policy()["SWEEP_LIMIT"])
    deliveries_enqueue(ids)
    return len(ids)


@dataclass
class SendBatch:
    """What ``deliveries_send`` did with the ids it was given."""

    succeeded: list[int] = field(default_factory=list)
    #: Failed with attempts left (pending again) or given up.
    retrying: list[int] = field(default_factory=list)
    given_up: list[int] = field(default_factory=list)
    #: Not due, already done, waiting for an earlier one, or claimed by another worker.
    skipped: list[int] = field(default_factory=list)


def _claim(ids: Sequence[int], now) -> tuple[str, list[WebhookDelivery]]:
    token = uuid.uuid4().hex
    with transaction.atomic():
        claimable = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(_due(now), endpoint__is_active=True)
            .filter(~_waiting_for_earlier())
        )
        pks = list(claimable.filter(pk__in=list(ids)).order_by("pk").values_list("pk", flat=True))
        # A batch with room takes other due deliveries too, longest waiting first (as the sweep
        # would send them): under load, messages of one or a few deliveries each are sent in
        # full batches, and the messages whose deliveries were taken find nothing to do.
        room = policy()["BATCH_SIZE"] - len(pks)
        if pks and room > 0:
            pks += list(
                claimable.exclude(pk__in=pks)
                .order_by("next_attempt_at", "pk")
                .values_list("pk", flat=True)[:room]
            )
        if not pks:
            return token, []
        WebhookDelivery.objects.filter(pk__in=pks).update(
            state=S.SENDING,
            claim_token=token,
            lease_expires_at=now + timedelta(seconds=policy()["LEASE_SECONDS"]),
            attempts=F("attempts") + 1,
            last_attempt_at=now,
        )
    rows = list(
        WebhookDelivery.objects.filter(pk__in=pks, claim_token=token)
        .select_related("event", "endpoint")
        .order_by("pk")
    )
    return token, rows


def body_of(delivery: WebhookDelivery) -> bytes:
    """The bytes sent for a delivery's event: the same on every attempt."""
    return json.dumps(delivery.event.payload, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class _Route:
    """Where and how one endpoint's deliveries of a batch are sent: the addresses its URL
    resolved to and was checked on just before the batch (or why it may not be sent to), and
    its secrets, decrypted once."""

    target: Target | None
    refused: str
    secrets: list


def _route(endpoint) -> _Route:
    with translation.override("en"):
        try:
            target, refused = target_check(endpoint.url), ""
        except AddressRefused as exc:
            target, refused = None, str(exc)[:500]
    return _Route(target, refused, endpoint.signing_secrets())


def _routes(rows: list[WebhookDelivery]) -> dict[int, _Route]:
    """Each endpoint's route, the names resolved in the sending threads (a slow resolver does
    not hold up the others)."""
    endpoints = list({row.endpoint_id: row.endpoint for row in rows}.values())
    if len(endpoints) == 1:
        return {endpoints[0].pk: _route(endpoints[0])}
    return {
        e.pk: route for e, route in zip(endpoints, _senders().map(_route, endpoints), strict=True)
    }


def _attempt(delivery: WebhookDelivery, route: _Route) -> Answer:
    """One request (no database access: it runs in a thread of the batch)."""
    if route.target is None:
        return Answer(status=None, duration_ms=0, error=route.refused)
    body = body_of(delivery)
    headers = signed_headers(
        route.secrets, msg_id=delivery.event.public_id, timestamp=int(time.time()), body=body
    )
    return post(url=delivery.endpoint.url, target=route.target, headers=headers, body=body)


def retry_after_seconds(value: str | None, *, now) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP date); None if
    there is none or it cannot be read."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        at = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if at.tzinfo is None:
        return None
    return max((at - now).total_seconds(), 0.0)


def next_delay(*, attempts_made: int, answer: Answer, now) -> float | None:
    """Seconds until the next attempt after ``attempts_made`` failed ones, or None when the
    retry schedule is over. A 429 or 503 with ``Retry-After`` waits at least that long (at
    most RETRY_AFTER_MAX_SECONDS)."""
    schedule = policy()["RETRY_SCHEDULE_SECONDS"]
    if attempts_made >= len(schedule):
        return None
    delay = float(schedule[attempts_made])
    if answer.status in (429, 503):
        asked = retry_after_seconds(answer.retry_after, now=now)
        if asked is not None:
            delay = max(delay, min(asked, float(policy()["RETRY_AFTER_MAX_SECONDS"])))
    return delay


def _error_text(answer: Answer, success: bool) -> str:
    if answer.error:
        return answer.error[:500]
    if success:
        return ""
    excerpt = " ".join(answer.excerpt.split())[:300]
    return f"HTTP {answer.status}" + (f": {excerpt}" if excerpt else "")


_RECORDED = (
    "state",
    "next_attempt_at",
    "claim_token",
    "lease_expires_at",
    "last_status_code",
    "last_error",
    "last_duration_ms",
    "delivered_at",
)


def _record(token: str, rows: list[WebhookDelivery], answers: list[Answer], batch: SendBatch):
    with transaction.atomic():
        now = timezone.now()
        # The rows still held by this batch, locked; the claim's own copies are written.
        held = set(
            WebhookDelivery.objects.select_for_update(of=("self",))
            .filter(pk__in=[r.pk for r in rows], state=S.SENDING, claim_token=token)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        locked = {r.pk: r for r in rows if r.pk in held}
        numbers = dict(
            WebhookAttempt.objects.filter(delivery_id__in=list(locked))
            .order_by()
            .values("delivery_id")
            .annotate(n=Max("number"))
            .values_list("delivery_id", "n")
        )
        attempts, changed, finished = [], [], []
        worked, failed, gone = set(), set(), set()
        soon: dict[float, list[int]] = defaultdict(list)
        for row, answer in zip(rows, answers, strict=True):
            delivery = locked.get(row.pk)
            if delivery is None:  # the lease ran out and another worker took it over
                batch.skipped.append(row.pk)
                continue
            success = answer.status is not None and 200 <= answer.status < 300
            attempts.append(
                WebhookAttempt(
                    delivery=delivery,
                    number=numbers.get(delivery.pk, 0) + 1,
                    started_at=delivery.last_attempt_at or now,
                    duration_ms=answer.duration_ms,
                    status_code=answer.status,
                    succeeded=success,
                    error=_error_text(answer, success),
                )
            )
            delivery.last_status_code = answer.status
            delivery.last_error = _error_text(answer, success)
            delivery.last_duration_ms = answer.duration_ms
            delivery.claim_token, delivery.lease_expires_at = "", None
            delivery.next_attempt_at = None
            if success:
                delivery.state, delivery.delivered_at = S.SUCCEEDED, now
                worked.add(delivery.endpoint_id)
                batch.succeeded.append(delivery.pk)
                finished.append(delivery)
            elif answer.status == 410:
                delivery.state = S.FAILED
                gone.add(delivery.endpoint_id)
                batch.given_up.append(delivery.pk)
                finished.append(delivery)
            else:
                failed.add(delivery.endpoint_id)
                delay = next_delay(attempts_made=delivery.attempts, answer=answer, now=now)
                if delay is None:
                    delivery.state = S.FAILED
                    batch.given_up.append(delivery.pk)
                    finished.append(delivery)
                else:
                    delivery.state = S.PENDING
                    delivery.next_attempt_at = now + timedelta(seconds=delay)
                    batch.retrying.append(delivery.pk)
                    if delay <= policy()["COUNTDOWN_MAX_SECONDS"]:
                        soon[delay].append(delivery.pk)
                logger.info(
                    "webhook delivery %s to endpoint %s failed (attempt %s): %s",
                    delivery.public_id,
                    row.endpoint.public_id,
                    delivery.attempts,
                    answer.status or answer.error.split(":", 1)[0],
                )
            changed.append(delivery)
        if changed:
            rows_update(
                WebhookDelivery,
                [(d.pk, {name: getattr(d, name) for name in _RECORDED}) for d in changed],
                _RECORDED,
            )
            WebhookAttempt.objects.bulk_create(attempts)
        endpoints_record(worked=worked, failed=failed - worked, gone=gone, now=now)
        following = _following(finished, now)
        if following:
            transaction.on_commit(lambda: deliveries_enqueue(following))
        for delay, ids in soon.items():
            transaction.on_commit(
                lambda ids=ids, delay=delay: deliveries_enqueue(ids, countdown=delay)
            )


def _following(finished: list[WebhookDelivery], now) -> list[int]:
    """The deliveries that waited for the finished ones and are due now."""
    if not finished:
        return []
    pairs = {(d.endpoint_id, d.subject_id) for d in finished}
    # The endpoints' and objects' rows (a superset, read by the index on endpoint and object),
    # then the pairs themselves: an OR of one condition per pair costs more to build than this.
    candidates = (
        WebhookDelivery.objects.filter(
            endpoint_id__in={e for e, _s in pairs},
            subject_id__in={s for _e, s in pairs},
            state=S.PENDING,
            next_attempt_at__lte=now,
        )
        .filter(endpoint__is_active=True)
        .filter(~_waiting_for_earlier())
        .values_list("pk", "endpoint_id", "subject_id")
    )
    return [pk for pk, endpoint_id, subject_id in candidates if (endpoint_id, subject_id) in pairs]


_senders_local = threading.local()


def _senders() -> ThreadPoolExecutor:
    """The SEND_THREADS threads that make the requests of the batches this thread sends (one
    set per worker thread, so that a batch waiting on a slow receiver never holds up another
    worker thread's batch; kept between batches; a forked worker child makes its own)."""
    key = (os.getpid(), policy()["SEND_THREADS"])
    held = getattr(_senders_local, "held", None)
    if held is None or held[0] != key:
        if held is not None and held[0][0] == os.getpid():
            held[1].shutdown(wait=False)
        held = (key, ThreadPoolExecutor(max_workers=key[1], thread_name_prefix="webhook-send"))
        _senders_local.held = held
    return held[1]


def deliveries_send(*, delivery_ids: Sequence[int]) -> SendBatch:
    """Send the deliveries of ``delivery_ids`` that are due (see the module's docstring for
    the three steps and what each guarantees). Returns what happened to each id."""
    batch = SendBatch()
    token, rows = _claim(delivery_ids, timezone.now())
    claimed = {r.pk for r in rows}
    batch.skipped += [pk for pk in delivery_ids if pk not in claimed]
    if not rows:
        return batch
    routes = _routes(rows)
    if len(rows) == 1:
        answers = [_attempt(rows[0], routes[rows[0].endpoint_id])]
    else:
        answers = list(_senders().map(lambda row: _attempt(row, routes[row.endpoint_id]), rows))
    _record(token, rows, answers, batch)
    return batch
