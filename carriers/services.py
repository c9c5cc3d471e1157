"""Writes for carrier filings (SPEC §5): the outbox, submissions, results, re-filing, usage.

Calls to a carrier's gateway are never made inside one of our transactions: what the carrier
recorded must not depend on whether our transaction commits, and a row lock must not be held
across a network call. Each submission is recorded before the call (a ``started`` attempt)
and completed after it, and carries the filing's idempotency key, so that a message delivered
twice or a worker killed between the call and our commit never files a revision twice."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from carriers.gateways import (
    FilingRequest,
    GatewayRefused,
    GatewayTransientError,
    NotQueryable,
    gateway_for,
)
from carriers.models import (
    AttemptOutcome,
    CallbackNonce,
    Carrier,
    CarrierFiling,
    FilingAttempt,
    FilingState,
    SignatureUsage,
)
from reviewportal.models import Revision, User
from reviewportal.services.notifications import notification_send, notification_send_to_account

logger = logging.getLogger(__name__)
F = FilingState


class FilingError(Exception):
    """A request about a filing that cannot be carried out; the message is for the user."""


class CallbackRefused(Exception):
    """A carrier callback that is not accepted; ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _policy() -> dict:
    return settings.CARRIER_POLICY


def _lock(filing_id: int) -> CarrierFiling:
    return (
        CarrierFiling.objects.select_for_update(of=("self",))
        .select_related("carrier", "revision", "signature__qualification", "template")
        .get(pk=filing_id)
    )


def _item(filing: CarrierFiling):
    return filing.signature if filing.signature_id else filing.template


# --- the outbox -------------------------------------------------------------------------------


def _enqueue(task, ids: list[int], **options) -> None:
    """Hand tasks to the broker after commit. A broker outage loses nothing: the filings are
    committed and the sweep sends them later."""
    for pk in ids:
        try:
            task.apply_async((pk,), **options)
        except Exception:  # kombu raises transport-specific errors; any of them means "later"
            logger.warning("broker unavailable; carrier filing %s is left to the sweep", pk)
            return


def _submit_on_commit(ids: list[int]) -> None:
    from carriers.tasks import filing_submit_task

    if ids:
        transaction.on_commit(lambda: _enqueue(filing_submit_task, ids))


@transaction.atomic
def filings_create_for_approval(*, item, revision: Revision) -> list[CarrierFiling]:
    """Create one queued filing per active carrier for an approved signature or template
    revision, in the approval's own transaction (the outbox), and send a submit task for each
    after commit. Idempotent: a filing that already exists for (carrier, revision) is kept,
    never duplicated, and only new filings are sent."""
    field = "signature" if type(item).__name__ == "SignatureApplication" else "template"
    filings, created = [], []
    for carrier in Carrier.objects.filter(is_active=True).order_by("sort_order", "code"):
        filing, was_created = CarrierFiling.objects.get_or_create(
            carrier=carrier, revision=revision, defaults={field: item}
        )
        filings.append(filing)
        if was_created:
            created.append(filing.pk)
    _submit_on_commit(created)
    return filings


def _request_for(filing: CarrierFiling) -> FilingRequest:
    item = _item(filing)
    snapshot = filing.revision.snapshot or {}
    if filing.signature_id:
        kind, content = "signature", snapshot.get("content", item.content)
        entity = item.qualification.name
    else:
        kind, content = "template", snapshot.get("content", item.content)
        entity = ""
    return FilingRequest(
        carrier=filing.carrier.code,
        idempotency_key=filing.idempotency_key,
        revision_id=filing.revision_id,
        generation=filing.generation,
        kind=kind,
        subject_public_id=item.public_id,
        content=content,
        entity_name=str(entity),
    )


class SubmitRetry(GatewayTransientError):
    """Raised by ``filing_submit`` when the attempt failed transiently and attempts remain: the
    task's decorator retries it with backoff and jitter."""


def filing_submit(*, filing_id: int) -> CarrierFiling | None:
    """Submit a queued filing to its carrier once.

    Effects, in order: (1) locked, the filing is checked — nothing happens unless it is queued
    and no other attempt of its generation is in flight (a re-delivered message), and a filing
    whose attempts are exhausted becomes ``failed``; a ``started`` FilingAttempt with the
    idempotency key is written and committed. (2) Outside our transaction, the gateway's
    ``submit``. (3) Locked again, the attempt gets its outcome; accepted: queued → submitted with
    the carrier's ticket and a result check is sent after commit; refused: → failed and staff
    are told; transient: ``SubmitRetry`` is raised while attempts remain, else → failed.
    Returns the filing, or None when there was nothing to do."""
    policy = _policy()
    now = timezone.now()
    with transaction.atomic():
        filing = _lock(filing_id)
        if filing.state != F.QUEUED:
            return None
        stale = now - timedelta(seconds=policy["SWEEP_STALE_SECONDS"])
        in_flight = FilingAttempt.objects.filter(
            filing=filing,
            generation=filing.generation,
            outcome=AttemptOutcome.STARTED,
            started_at__gt=stale,
        ).exists()
        if in_flight:
            return None
        if filing.attempts >= policy["MAX_ATTEMPTS"]:
            _fail(filing, error=filing.last_error or _("attempts exhausted"))
            return filing
        filing.attempts += 1
        filing.save(update_fields=["attempts", "updated_at"])
        attempt = FilingAttempt.objects.create(
            filing=filing,
            generation=filing.generation,
            number=filing.attempts,
            idempotency_key=filing.idempotency_key,
            started_at=now,
        )
        request = _request_for(filing)
    try:
        result = gateway_for(request.carrier).submit(request)
    except GatewayTransientError as exc:
        return _submit_failed(attempt, str(exc), transient=True)
    except GatewayRefused as exc:
        return _submit_failed(attempt, str(exc), transient=False)
    with transaction.atomic():
        filing = _lock(filing_id)
        FilingAttempt.objects.filter(pk=attempt.pk).update(
            outcome=AttemptOutcome.ACCEPTED, finished_at=timezone.now()
        )
        if filing.state == F.QUEUED and filing.generation == attempt.generation:
            filing.submit(
                at=timezone.now(),
                ticket_id=result.ticket_id,
                description=_("carrier ticket %(ticket)s") % {"ticket": result.ticket_id},
            )
            filing.save()
            _check_on_commit([filing.pk], countdown=policy["FIRST_CHECK_SECONDS"])
    return filing


def _submit_failed(attempt: FilingAttempt, error: str, *, transient: bool) -> CarrierFiling:
    with transaction.atomic():
        filing = _lock(attempt.filing_id)
        FilingAttempt.objects.filter(pk=attempt.pk).update(
            outcome=AttemptOutcome.TRANSIENT if transient else AttemptOutcome.REFUSED,
            error=error[:2000],
            finished_at=timezone.now(),
        )
        if filing.state != F.QUEUED or filing.generation != attempt.generation:
            return filing
        filing.last_error = error[:2000]
        if transient and filing.attempts < _policy()["MAX_ATTEMPTS"]:
            filing.save(update_fields=["last_error", "updated_at"])
        else:
            _fail(filing, error=error)
            return filing
    raise SubmitRetry(error)


def _staff_for_filings():
    perm = Permission.objects.get(
        codename="change_carrierfiling", content_type__app_label="carriers"
    )
    return (
        User.objects.filter(is_active=True, is_staff=True)
        .filter(Q(groups__permissions=perm) | Q(user_permissions=perm) | Q(is_superuser=True))
        .distinct()
        .order_by("pk")
    )


def _fail(filing: CarrierFiling, *, error: str) -> None:
    """queued/submitted → failed, staff told (inside the caller's transaction and lock)."""
    filing.fail(error=error[:2000], description=error[:200])
    filing.save()
    item = _item(filing)
    notification_send(
        recipients=_staff_for_filings(),
        kind="carrier",
        subject=item,
        render=lambda: (
            _("Carrier filing failed: %(item)s at %(carrier)s")
            % {"item": item.public_id, "carrier": filing.carrier.code},
            _(
                "Filing %(item)s with %(carrier)s failed after %(attempts)s attempts: "
                "%(error)s. Retry it from the carrier filings page."
            )
            % {
                "item": item.public_id,
                "carrier": filing.carrier.name_en,
                "attempts": filing.attempts,
                "error": error[:500],
            },
        ),
    )


def filings_sweep(*, now: datetime | None = None) -> int:
    """Re-send the filings left ``queued`` longer than ``SWEEP_STALE_SECONDS`` (their message was
    lost, the broker was down, or a worker died). Sending twice is harmless: the task does
    nothing for a filing that has moved on or whose attempt is in flight. Returns how many."""
    from carriers.tasks import filing_submit_task

    now = now or timezone.now()
    stale = now - timedelta(seconds=_policy()["SWEEP_STALE_SECONDS"])
    ids = list(
        CarrierFiling.objects.filter(state=F.QUEUED, updated_at__lt=stale)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    _enqueue(filing_submit_task, ids)
    return len(ids)


# --- results ----------------------------------------------------------------------------------


def _check_on_commit(ids: list[int], *, countdown: float = 0) -> None:
    from carriers.tasks import filing_check_task

    transaction.on_commit(lambda: _enqueue(filing_check_task, ids, countdown=countdown))


_OUTCOME_TEXT = {
    "registered": lambda item, carrier, reason: (
        _("Filed with %(carrier)s: %(item)s") % {"carrier": carrier, "item": item.public_id},
        _("%(item)s is registered with %(carrier)s and can be used there.")
        % {"item": str(item), "carrier": carrier},
    ),
    "rejected": lambda item, carrier, reason: (
        _("Rejected by %(carrier)s: %(item)s") % {"carrier": carrier, "item": item.public_id},
        _("%(carrier)s did not accept %(item)s (carrier reason %(reason)s).")
        % {"carrier": carrier, "item": str(item), "reason": reason or "-"},
    ),
    "cleared": lambda item, carrier, reason: (
        _("Cleared by %(carrier)s: %(item)s") % {"carrier": carrier, "item": item.public_id},
        _(
            "%(carrier)s has cleared %(item)s (carrier reason %(reason)s). It can no longer be "
            "used there until it is filed again."
        )
        % {"carrier": carrier, "item": str(item), "reason": reason or "-"},
    ),
}


@transaction.atomic
def filing_result_record(
    *,
    filing: CarrierFiling,
    status: str,
    reason: str = "",
    source: str,
    user: User | None = None,
    generation: int | None = None,
) -> bool:
    """Record what a carrier said about a filing: ``registered``, ``rejected`` or ``cleared``
    (``pending`` changes nothing). ``source`` says how we learnt it (poll, callback, test send,
    staff). Effects: the filing is locked; a result for another generation, or one the filing
    already has, changes nothing; otherwise the transition (logged with the source) and the
    customer is told. Returns whether the state changed. Raises FilingError when the result
    does not fit the filing's state (only for staff entry; automatic sources are ignored)."""
    filing = _lock(filing.pk)
    if status == "pending" or (generation is not None and generation != filing.generation):
        return False
    now = timezone.now()
    description = f"{source}: {reason}" if reason else source
    moves = {
        ("registered", F.SUBMITTED): lambda: filing.register(
            at=now, by=user, description=description
        ),
        ("rejected", F.SUBMITTED): lambda: filing.reject(
            at=now, reason=reason, by=user, description=description
        ),
        ("cleared", F.REGISTERED): lambda: filing.clear(
            at=now, reason=reason, by=user, description=description
        ),
    }
    already = {"registered": F.REGISTERED, "rejected": F.REJECTED, "cleared": F.CLEARED}
    if already.get(status) == filing.state:
        return False
    move = moves.get((status, filing.state))
    if move is None:
        if source == "staff":
            raise FilingError(
                _("A %(status)s result cannot be recorded for a filing that is %(state)s.")
                % {"status": status, "state": filing.get_state_display()}
            )
        return False
    move()
    filing.save()
    item = _item(filing)
    render = _OUTCOME_TEXT[status]
    notification_send_to_account(
        account=item.account,
        kind="carrier",
        subject=item,
        render=lambda: render(item, filing.carrier.name_zh, filing.carrier_reason),
    )
    return True


def probe_allowed(carrier_code: str, at: datetime | None = None) -> bool:
    """Whether a test send to this carrier may go out now: never inside its quiet hours
    (China Telecom 23:00–07:00 Asia/Shanghai, seed 004 2025.5.20)."""
    from reviewportal.services.sla import business_tz

    window = _policy()["TEST_SEND_QUIET_HOURS"].get(carrier_code)
    if not window:
        return True
    local = (at or timezone.now()).astimezone(business_tz()).time()
    start, end = (time.fromisoformat(t) for t in window)
    quiet = (local >= start or local < end) if start > end else (start <= local < end)
    return not quiet


def filing_probe(*, filing: CarrierFiling, now: datetime | None = None) -> bool | None:
    """Send a test message with the filing's signature/template and record what it shows
    (delivered → registered; refused with a carrier reason → rejected or cleared). Returns None
    when the carrier's quiet hours forbid a test send now (nothing is sent), else whether the
    state changed. Transient gateway errors propagate."""
    if not probe_allowed(filing.carrier.code, now):
        return None
    if not filing.carrier_ticket_id:
        return False
    result = gateway_for(filing.carrier.code).test_send(filing.carrier_ticket_id)
    return filing_result_record(
        filing=filing,
        status=result.status,
        reason=result.reason,
        source="test_send",
        generation=filing.generation,
    )


def filing_check(*, filing_id: int, now: datetime | None = None) -> bool | None:
    """Ask the carrier about a submitted filing (or a registered signature, to notice a
    clearance): a query where the carrier answers queries, else a test send (outside its quiet
    hours). Returns whether the state changed, None when nothing could be asked."""
    filing = CarrierFiling.objects.select_related("carrier").get(pk=filing_id)
    if filing.state not in (F.SUBMITTED, F.REGISTERED) or not filing.carrier_ticket_id:
        return None
    gateway = gateway_for(filing.carrier.code)
    try:
        result = gateway.query(filing.carrier_ticket_id)
    except NotQueryable:
        if filing.state == F.REGISTERED and filing.signature_id is None:
            return None  # templates are not cleared for idleness; no probe needed
        return filing_probe(filing=filing, now=now)
    return filing_result_record(
        filing=filing,
        status=result.status,
        reason=result.reason,
        source="query",
        generation=filing.generation,
    )


def filings_poll(*, now: datetime | None = None) -> int:
    """Send a result check for every submitted filing. Returns how many."""
    from carriers.tasks import filing_check_task

    ids = list(
        CarrierFiling.objects.filter(state=F.SUBMITTED).order_by("pk").values_list("pk", flat=True)
    )
    _enqueue(filing_check_task, ids)
    return len(ids)


def filings_clearance_check(*, now: datetime | None = None) -> int:
    """Send a check for every registered signature filing, to notice a carrier's clearance of
    an unused signature (daily: clearance follows months of idleness). Returns how many."""
    from carriers.tasks import filing_check_task

    ids = list(
        CarrierFiling.objects.filter(state=F.REGISTERED, signature__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    _enqueue(filing_check_task, ids)
    return len(ids)


# --- signed callbacks -------------------------------------------------------------------------


def callback_signature(*, secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    """HMAC-SHA256 (hex) of ``timestamp.nonce.body`` — what a carrier sends in X-Signature."""
    message = timestamp.encode() + b"." + nonce.encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class CallbackResult:
    filing: CarrierFiling
    changed: bool


def callback_handle(
    *, carrier_code: str, timestamp: str, nonce: str, signature: str, body: bytes
) -> CallbackResult:
    """Verify and apply a carrier's callback. Refused (CallbackRefused): unknown carrier (404),
    wrong HMAC (403), timestamp further than CALLBACK_MAX_SKEW_SECONDS from now (403), a nonce
    seen before (409, a replay), a body naming no filing of ours (400). Effects when accepted:
    the nonce is stored and the result recorded in one transaction."""
    policy = _policy()
    secret = policy["CALLBACK_SECRETS"].get(carrier_code)
    carrier = Carrier.objects.filter(code=carrier_code).first()
    if not secret or carrier is None:
        raise CallbackRefused(404, "unknown carrier")
    expected = callback_signature(secret=secret, timestamp=timestamp, nonce=nonce, body=body)
    if not signature or not hmac.compare_digest(expected, signature):
        raise CallbackRefused(403, "bad signature")
    try:
        sent = int(timestamp)
    except ValueError:
        raise CallbackRefused(403, "bad timestamp") from None
    if abs(timezone.now().timestamp() - sent) > policy["CALLBACK_MAX_SKEW_SECONDS"]:
        raise CallbackRefused(403, "stale timestamp")
    if not nonce or len(nonce) > 64:
        raise CallbackRefused(400, "bad nonce")
    try:
        data = json.loads(body)
        ticket, status = str(data["ticket_id"]), str(data["status"])
    except (ValueError, KeyError, TypeError):
        raise CallbackRefused(400, "malformed body") from None
    if status not in ("pending", "registered", "rejected", "cleared"):
        raise CallbackRefused(400, "unknown status")
    filing = CarrierFiling.objects.filter(carrier=carrier, carrier_ticket_id=ticket).first()
    if filing is None:
        raise CallbackRefused(400, "unknown ticket")
    with transaction.atomic():
        try:
            with transaction.atomic():
                CallbackNonce.objects.create(
                    carrier=carrier, nonce=nonce, received_at=timezone.now()
                )
        except IntegrityError:
            raise CallbackRefused(409, "replayed") from None
        changed = filing_result_record(
            filing=filing,
            status=status,
            reason=str(data.get("reason", ""))[:200],
            source="callback",
            generation=filing.generation,
        )
    return CallbackResult(filing=filing, changed=changed)


def callback_nonces_prune(*, now: datetime | None = None) -> int:
    """Forget nonces older than twice the accepted skew: their timestamps are refused anyway."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=2 * _policy()["CALLBACK_MAX_SKEW_SECONDS"])
    deleted, _rows = CallbackNonce.objects.filter(received_at__lt=cutoff).delete()
    return deleted


# --- staff ------------------------------------------------------------------------------------


def _require_staff(user: User) -> None:
    if not user.has_perm("carriers.change_carrierfiling"):
        raise FilingError(_("You may not change carrier filings."))


@transaction.atomic
def filing_refile(*, filing: CarrierFiling, user: User | None) -> CarrierFiling:
    """File a rejected, cleared or failed filing again (staff retry, or the customer's one-click
    re-file of a cleared signature). Effects: locked; → queued with the next generation (a new
    idempotency key) and attempts reset; a submit task after commit. ``user`` None means the
    system (a command). A customer may re-file only a cleared filing of their own account."""
    if user is not None and user.is_staff:
        _require_staff(user)
    filing = _lock(filing.pk)
    customer = user is not None and not user.is_staff
    if customer and (_item(filing).account_id != user.account_id or filing.state != F.CLEARED):
        raise FilingError(_("You may re-file only your own cleared filings."))
    if filing.state not in (F.REJECTED, F.CLEARED, F.FAILED):
        raise FilingError(
            _("Only rejected, cleared or failed filings can be filed again; this one is %(state)s.")
            % {"state": filing.get_state_display()}
        )
    filing.refile(by=user, description=_("filed again"))
    filing.save()
    _submit_on_commit([filing.pk])
    return filing


def filing_result_enter(
    *, filing: CarrierFiling, user: User, status: str, reason: str = ""
) -> bool:
    """Staff enter a carrier's result by hand (a carrier told them by phone or e-mail)."""
    _require_staff(user)
    if status == "rejected" and not reason.strip():
        raise FilingError(_("Give the carrier's reason for a rejection."))
    return filing_result_record(
        filing=filing, status=status, reason=reason.strip(), source="staff", user=user
    )


@transaction.atomic
def filing_availability_set(*, filing: CarrierFiling, user: User, active: bool) -> CarrierFiling:
    """Mark a filing active or inactive on its carrier (availability is separate from
    registration; an item is ready only when registered and active)."""
    _require_staff(user)
    filing = _lock(filing.pk)
    filing.availability = "active" if active else "inactive"
    filing.save(update_fields=["availability", "updated_at"])
    return filing


# --- signature use and clearance --------------------------------------------------------------


@transaction.atomic
def signature_usage_record(*, signature, used_at: datetime | None = None) -> SignatureUsage:
    """Record that a signature was used for sending at ``used_at`` (default now). Keeps the
    latest time: reports may arrive out of order."""
    used_at = used_at or timezone.now()
    usage, created = SignatureUsage.objects.select_for_update().get_or_create(
        signature=signature, defaults={"last_used_at": used_at}
    )
    if not created and used_at > usage.last_used_at:
        usage.last_used_at = used_at
        usage.save(update_fields=["last_used_at"])
    return usage


def inactivity_warn(*, now: datetime | None = None) -> int:
    """Warn the customer of every signature registered with a carrier and unused for longer
    than INACTIVITY_CLEAR_DAYS − INACTIVITY_WARN_DAYS_BEFORE, once per idle spell (a later use
    starts a new spell). Returns how many signatures were warned."""
    from signatures.models import SignatureApplication

    policy = _policy()
    now = now or timezone.now()
    clear_days = policy["INACTIVITY_CLEAR_DAYS"]
    threshold = now - timedelta(days=clear_days - policy["INACTIVITY_WARN_DAYS_BEFORE"])
    candidates = (
        SignatureApplication.objects.filter(filings__state=F.REGISTERED)
        .distinct()
        .select_related("usage")
        .order_by("pk")
    )
    warned = 0
    for signature in candidates.iterator(chunk_size=500):
        with transaction.atomic():
            first = (
                signature.filings.filter(state=F.REGISTERED, result_at__isnull=False)
                .order_by("result_at")
                .values_list("result_at", flat=True)
                .first()
            )
            usage = SignatureUsage.objects.select_for_update().filter(signature=signature).first()
            last = usage.last_used_at if usage else first
            if last is None or last > threshold:
                continue
            if usage and usage.warned_at and usage.warned_at >= usage.last_used_at:
                continue
            if usage is None:
                usage = SignatureUsage.objects.create(signature=signature, last_used_at=last)
            usage.warned_at = now
            usage.save(update_fields=["warned_at"])
            clears_on = last + timedelta(days=clear_days)
            notification_send_to_account(
                account=signature.account,
                kind="carrier",
                subject=signature,
                render=lambda s=signature, c=clears_on: (
                    _("Signature unused: %(item)s") % {"item": s.public_id},
                    _(
                        "%(item)s has not been used for a long time. Carriers may clear it "
                        "from about %(date)s; send with it before then to keep it filed."
                    )
                    % {"item": str(s), "date": c.date().isoformat()},
                ),
            )
            warned += 1
    return warned
