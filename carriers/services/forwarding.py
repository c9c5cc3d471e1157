"""The outbox and the submissions to carriers (SPEC §5).

Calls to a carrier's gateway are never made inside one of our transactions: what the carrier
recorded must not depend on whether our transaction commits, and a row lock must not be held
across a network call. Each submission is recorded before the call (a ``started`` attempt,
committed) and completed after it, and carries the filing's idempotency key, so that a message
delivered twice or a worker killed between the call and our commit never files a revision
twice. Work is done in batches (one message, two short transactions and one gateway call per
carrier for up to ``BATCH_SIZE`` filings); every rule above holds per filing inside a batch."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from carriers.gateways import FilingRequest, GatewayRefused, GatewayTransientError, gateway_for
from carriers.models import AttemptOutcome, Carrier, CarrierFiling, FilingAttempt, FilingState
from carriers.services.common import (
    CHECK_TASK,
    FOR_REQUEST,
    SUBMIT_TASK,
    enqueue,
    fail,
    item_of,
    lock_many,
    policy,
)
from carriers.services.pauses import filing_clock_values, paused_carriers
from reviewportal.history_batch import transition_log_batch
from reviewportal.kinds import kind_of
from reviewportal.models import Revision
from reviewportal.services.sla import business_tz


def submit_on_commit(ids: list[int]) -> None:
    if ids:
        transaction.on_commit(lambda: enqueue(SUBMIT_TASK, ids))


def filings_create_for_approval(*, item, revision: Revision) -> list[CarrierFiling]:
    """Create one queued filing per active carrier for an approved signature or template
    revision, in the approval's own transaction (the outbox), and send one submit message for
    the new ones after commit. Idempotent: a filing that already exists for (carrier,
    revision) is kept, never duplicated, and only new filings are sent."""
    with transaction.atomic():
        content_type = ContentType.objects.get_for_model(item)
        carriers = list(Carrier.objects.filter(is_active=True).order_by("sort_order", "code"))
        existing = {
            f.carrier_id: f
            for f in CarrierFiling.objects.filter(revision=revision, carrier__in=carriers)
        }
        missing = [
            CarrierFiling(
                carrier=c, revision=revision, content_type=content_type, object_id=item.pk
            )
            for c in carriers
            if c.pk not in existing
        ]
        if missing:
            # One statement; a concurrent approval of the same revision is impossible (the item is
            # locked), and the unique constraint would refuse it anyway.
            CarrierFiling.objects.bulk_create(missing)
            if missing[0].pk is None:  # a database that does not return keys from bulk inserts
                missing = list(
                    CarrierFiling.objects.filter(
                        revision=revision, carrier__in=[f.carrier for f in missing]
                    )
                )
            existing.update({f.carrier_id: f for f in missing})
        submit_on_commit([f.pk for f in missing])
        return [existing[c.pk] for c in carriers]


def request_for(filing: CarrierFiling) -> FilingRequest:
    item = item_of(filing)
    snapshot = filing.revision.snapshot or {}
    # The entity an item is filed under is the qualification it names itself (a signature's);
    # a template names none: its signature's filing carries the entity.
    qualification = getattr(item, "qualification", None)
    return FilingRequest(
        carrier=filing.carrier.code,
        idempotency_key=filing.idempotency_key,
        revision_id=filing.revision_id,
        generation=filing.generation,
        kind=kind_of(item).event_name,
        subject_public_id=item.public_id,
        content=snapshot.get("content", item.content),
        entity_name=str(qualification.name) if qualification is not None else "",
    )


class SubmitRetry(GatewayTransientError):
    """Raised by ``filing_submit`` when the attempt failed transiently and attempts remain."""


@dataclass
class SubmitBatch:
    """What ``filings_submit`` did with each filing id it was given."""

    submitted: list[int] = field(default_factory=list)
    #: Failed transiently with attempts left: to be sent again after a back-off.
    retry: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    #: Nothing to do: not queued, or an attempt of its generation is in flight.
    skipped: list[int] = field(default_factory=list)
    #: Left queued: their carrier's filing is paused today (the sweep sends them afterwards).
    paused: list[int] = field(default_factory=list)
    errors: dict[int, str] = field(default_factory=dict)


def _claim_fresh(
    room: int, *, besides: Sequence[int], paused: Sequence[int] = ()
) -> list[CarrierFiling]:
    """Lock up to ``room`` more queued filings that have never been tried in their generation
    (``attempts`` is raised in the transaction that records an attempt, so none of them is
    waiting out a back-off or has an attempt in flight), skipping rows another worker has
    locked. Their own messages, still on the way, then find nothing to do: under a backlog,
    each message submits a full batch instead of its own three filings."""
    if room <= 0:
        return []
    pks = list(
        CarrierFiling.objects.select_for_update(skip_locked=True)
        .filter(state=FilingState.QUEUED, attempts=0)
        .exclude(pk__in=list(besides))
        .exclude(carrier_id__in=list(paused))
        .order_by("pk")
        .values_list("pk", flat=True)[:room]
    )
    return lock_many(pks, related=FOR_REQUEST) if pks else []


def _start_attempts(filing_ids: list[int], batch: SubmitBatch, *, top_up: bool):
    """Transaction 1: lock, pick the filings to submit, record a started attempt for each."""
    limits = policy()
    now = timezone.now()
    # The usual fate of a message under a backlog: a fuller batch took its filings. One read
    # without a lock settles it, as a filing that is not queued is queued again only by a
    # re-file, which sends a message of its own.
    queued_ids = list(
        CarrierFiling.objects.filter(pk__in=filing_ids, state=FilingState.QUEUED)
        .order_by()
        .values_list("pk", flat=True)
    )
    batch.skipped += [pk for pk in filing_ids if pk not in set(queued_ids)]
    if not queued_ids:
        return [], []
    with transaction.atomic():
        filings = lock_many(queued_ids, related=FOR_REQUEST)
        queued = [f for f in filings if f.state == FilingState.QUEUED]
        batch.skipped += [pk for pk in queued_ids if pk not in {f.pk for f in queued}]
        stale = now - timedelta(seconds=limits["SWEEP_STALE_SECONDS"])
        in_flight = set(
            FilingAttempt.objects.filter(
                filing__in=queued, outcome=AttemptOutcome.STARTED, started_at__gt=stale
            )
            .order_by()
            .values_list("filing_id", "generation")
        ) if queued else set()  # fmt: skip
        todo = []
        paused = paused_carriers(on=timezone.localdate(now, timezone=business_tz()))
        for filing in queued:
            if filing.carrier_id in paused:
                batch.paused.append(filing.pk)  # stays queued; sent when the pause is over
            elif (filing.pk, filing.generation) in in_flight:
                batch.skipped.append(filing.pk)  # a re-delivered message: the other one has it
            elif filing.attempts >= limits["MAX_ATTEMPTS"]:
                fail(filing, error=filing.last_error or _("attempts exhausted"))
                batch.failed.append(filing.pk)
            else:
                todo.append(filing)
        if top_up and todo:
            todo += _claim_fresh(
                limits["BATCH_SIZE"] - len(todo), besides=filing_ids, paused=list(paused)
            )
        if not todo:
            return [], []
        CarrierFiling.objects.filter(pk__in=[f.pk for f in todo]).update(
            attempts=F("attempts") + 1, updated_at=now
        )
        attempts = []
        for filing in todo:
            filing.attempts += 1
            attempts.append(
                FilingAttempt(
                    filing=filing,
                    generation=filing.generation,
                    number=filing.attempts,
                    idempotency_key=filing.idempotency_key,
                    started_at=now,
                )
            )
        FilingAttempt.objects.bulk_create(attempts)
        if attempts[0].pk is None:  # a database that does not return keys from bulk inserts
            keyed = {
                (a.filing_id, a.number): a
                for a in FilingAttempt.objects.filter(filing__in=todo, started_at=now)
            }
            attempts = [keyed[(a.filing_id, a.number)] for a in attempts]
        return todo, attempts


def _call_carriers(todo: list[CarrierFiling]) -> dict[int, object]:
    """Outside any transaction of ours: one batch call per carrier. Answers by filing id: a
    SubmitResult, or the item's GatewayTransientError / GatewayRefused."""
    groups: dict[str, list[CarrierFiling]] = defaultdict(list)
    for filing in todo:
        groups[filing.carrier.code].append(filing)
    answers: dict[int, object] = {}
    for code, filings in groups.items():
        requests = [request_for(f) for f in filings]
        try:
            got = gateway_for(code).submit_many(requests)
        except (GatewayTransientError, GatewayRefused) as exc:  # the whole call failed
            got = [exc] * len(requests)
        answers.update(zip((f.pk for f in filings), got, strict=True))
    return answers


def _finish_attempts(
    todo: list[CarrierFiling], attempts: list[FilingAttempt], answers, batch: SubmitBatch
) -> None:
    """Transaction 2: lock again, give every attempt its outcome, move the filings. Accepted
    attempts and submitted filings are written with one UPDATE each for the batch; the rarer
    transient or refused ones with one per row (their errors differ)."""
    limits = policy()
    with transaction.atomic(), transition_log_batch():
        now = timezone.now()
        filings = {f.pk: f for f in lock_many([f.pk for f in todo])}
        accepted, tickets = [], []
        for attempt in attempts:
            answer = answers[attempt.filing_id]
            if isinstance(answer, GatewayTransientError | GatewayRefused):
                outcome = (
                    AttemptOutcome.TRANSIENT
                    if isinstance(answer, GatewayTransientError)
                    else AttemptOutcome.REFUSED
                )
                error = str(answer)[:2000]
                FilingAttempt.objects.filter(pk=attempt.pk).update(
                    outcome=outcome, error=error, finished_at=now
                )
            else:
                outcome, error = AttemptOutcome.ACCEPTED, ""
                accepted.append(attempt.pk)
            filing = filings.get(attempt.filing_id)
            if (
                filing is None
                or filing.state != FilingState.QUEUED
                or filing.generation != attempt.generation
            ):
                batch.skipped.append(attempt.filing_id)  # moved on meanwhile (staff, a re-file)
                continue
            if outcome == AttemptOutcome.ACCEPTED:
                filing.submit(
                    at=now,
                    ticket_id=answer.ticket_id,
                    description=_("carrier ticket %(ticket)s") % {"ticket": answer.ticket_id},
                )
                tickets.append((filing.pk, filing.carrier_ticket_id))
                batch.submitted.append(filing.pk)
            elif outcome == AttemptOutcome.TRANSIENT and filing.attempts < limits["MAX_ATTEMPTS"]:
                CarrierFiling.objects.filter(pk=filing.pk).update(last_error=error, updated_at=now)
                batch.errors[filing.pk] = error
                batch.retry.append(filing.pk)
            else:
                filing.last_error = error
                batch.errors[filing.pk] = error
                fail(filing, error=error)
                batch.failed.append(filing.pk)
        if accepted:
            FilingAttempt.objects.filter(pk__in=accepted).update(
                outcome=AttemptOutcome.ACCEPTED, finished_at=now
            )
        _mark_submitted(tickets, at=now)
        _start_clocks([filings[pk] for pk, _ticket in tickets], at=now)
        check_on_commit(batch.submitted, countdown=limits["FIRST_CHECK_SECONDS"])


def _mark_submitted(tickets: list[tuple[int, str]], *, at) -> None:
    """Write the ``submit`` transitions of a batch — state, time and each filing's own carrier
    ticket — in one ``UPDATE … FROM (VALUES …)`` (PostgreSQL, SQLite ≥ 3.33): per-row UPDATEs
    cost a round trip each, and ``bulk_update``'s CASE expressions cost more than that."""
    if not tickets:
        return
    table = connection.ops.quote_name(CarrierFiling._meta.db_table)
    values = ", ".join(["(%s, %s)"] * len(tickets))
    sql = (
        f"UPDATE {table} SET state = %s, submitted_at = %s, updated_at = %s, "
        f"carrier_ticket_id = v.column2 FROM (VALUES {values}) AS v "
        f"WHERE {table}.id = v.column1"
    )
    params = [FilingState.SUBMITTED, at, at, *(x for row in tickets for x in row)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _start_clocks(submitted: list[CarrierFiling], *, at) -> None:
    """Start the filing clock of every filing just submitted: one UPDATE per carrier, as every
    filing of one carrier submitted at one instant has the same due time."""
    by_carrier: dict[int, list[int]] = defaultdict(list)
    for filing in submitted:
        by_carrier[filing.carrier_id].append(filing.pk)
    cache: dict = {}
    for carrier_id, pks in by_carrier.items():
        values = filing_clock_values(carrier_id=carrier_id, start=at, cache=cache)
        CarrierFiling.objects.filter(pk__in=pks).update(**values)


def filings_submit(*, filing_ids: Sequence[int], top_up: bool = False) -> SubmitBatch:
    """Submit queued filings to their carriers, each once per generation.

    Effects, in order: (1) in one transaction, the filings are locked; one that is not queued,
    or has an attempt of its generation in flight (a re-delivered message), is skipped; one
    whose carrier's filing is paused today (``CarrierPause``) stays queued, untried; one
    whose attempts are exhausted becomes ``failed`` and staff are told; with ``top_up`` (the
    task), the batch is filled up to BATCH_SIZE with other queued filings never tried in their
    generation (``_claim_fresh``), and the returned lists name them too;
    every filing to submit gets ``attempts`` + 1 and a ``started`` FilingAttempt with its
    idempotency key, committed.
    (2) Outside our transactions, one ``submit_many`` per carrier. (3) In one transaction,
    locked again, every attempt gets its outcome; accepted: queued → submitted with the
    carrier's ticket, its filing clock starts (the ``filing`` policy, without the carrier's
    pause days; pending when the year is missing), and one result check for the batch is sent
    after commit; refused, or
    transient with no attempts left: → failed and staff are told; transient otherwise: the id
    is returned in ``retry`` (the caller sends it again after a back-off). A filing that moved
    on between (1) and (3) is left as it is. Per filing, beyond a fixed number of queries per
    batch: one audit row and one UPDATE per transition (and one per failed attempt)."""
    batch = SubmitBatch()
    todo, attempts = _start_attempts(list(filing_ids), batch, top_up=top_up)
    if todo:
        _finish_attempts(todo, attempts, _call_carriers(todo), batch)
    return batch


def filing_submit(*, filing_id: int) -> CarrierFiling | None:
    """Submit one queued filing (``filings_submit`` of one). Returns the filing when it was
    submitted or failed, None when there was nothing to do; raises ``SubmitRetry`` when the
    attempt failed transiently and attempts remain."""
    batch = filings_submit(filing_ids=[filing_id])
    if batch.retry:
        raise SubmitRetry(batch.errors[filing_id])
    if batch.submitted or batch.failed:
        return CarrierFiling.objects.get(pk=filing_id)
    return None


def filings_sweep(*, now=None) -> int:
    """Re-send the filings left ``queued`` longer than ``SWEEP_STALE_SECONDS`` (their message was
    lost, the broker was down, a worker died, or their carrier's filing pause is over; those of
    a carrier paused today wait). Sending twice is harmless: the task does
    nothing for a filing that has moved on or whose attempt is in flight. Returns how many."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=policy()["SWEEP_STALE_SECONDS"])
    paused = paused_carriers(on=timezone.localdate(now, timezone=business_tz()))
    ids = list(
        CarrierFiling.objects.filter(state=FilingState.QUEUED, updated_at__lt=stale)
        .exclude(carrier_id__in=list(paused))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    enqueue(SUBMIT_TASK, ids)
    return len(ids)


def check_on_commit(ids: list[int], *, countdown: float = 0) -> None:
    if ids:
        ids = list(ids)
        transaction.on_commit(lambda: enqueue(CHECK_TASK, ids, countdown=countdown))
