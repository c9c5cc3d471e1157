"""What carriers say about filings (SPEC §5): queries, test-send probes, the periodic poll and
clearance check, and the one function that records a result."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from functools import partial

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from carriers.gateways import GatewayRefused, GatewayTransientError, NotQueryable, gateway_for
from carriers.models import CarrierFiling, FilingState
from carriers.selectors import carrier_reason_catalogue, carrier_reason_text
from carriers.services.common import (
    CHECK_TASK,
    FOR_NOTICE,
    FilingError,
    enqueue,
    item_of,
    lock_many,
    policy,
)
from reviewportal.history_batch import transition_log_batch
from reviewportal.models import User
from reviewportal.services.notification_links import item_label
from reviewportal.services.notifications import Message, notifications_send
from reviewportal.services.sla import business_tz
from signatures.models import SignatureApplication

logger = logging.getLogger("carriers.services")


def _registered_text(item, carrier: str, reason: str, *, usable: bool) -> tuple[str, str]:
    """The customer is told the item can be used there only when the filing ``is_usable``: a
    filing staff marked inactive is registered but not usable."""
    title = _("Filed with %(carrier)s: %(item)s") % {"carrier": carrier, "item": item_label(item)}
    if usable:
        body = _("%(item)s is registered with %(carrier)s and can be used there.")
    else:
        body = _(
            "%(item)s is registered with %(carrier)s but marked inactive there: it cannot be "
            "used there until it is marked active."
        )
    return title, body % {"item": str(item), "carrier": carrier}


def _carrier_name(carrier) -> str:
    return carrier.name_zh if get_language().startswith("zh") else carrier.name_en


def _reason_sentences(reason: str, catalogue) -> str:
    """What the carrier's reason means and what to do next (the catalogue, in the active
    language), with the carrier's own code; a filing with no reason gets the generic advice."""
    text = carrier_reason_text(reason, catalogue=catalogue)
    if text is None:
        return _(
            "The carrier gave no reason. Contact support: they will find out from the carrier "
            "what to change."
        )
    return _("%(explanation)s Next step: %(next_step)s (carrier reason %(code)s)") % {
        "explanation": text.explanation,
        "next_step": text.next_step,
        "code": text.code,
    }


def _join(happened: str, reason: str) -> str:
    # Two sentences: a space between them in English, none in Chinese.
    return _("%(happened)s %(reason)s") % {"happened": happened, "reason": reason}


def _rejected_text(item, carrier: str, reason: str, *, catalogue) -> tuple[str, str]:
    title = _("Rejected by %(carrier)s: %(item)s") % {"carrier": carrier, "item": item_label(item)}
    body = _("%(carrier)s did not accept %(item)s.") % {"carrier": carrier, "item": str(item)}
    return title, _join(body, _reason_sentences(reason, catalogue))


def _cleared_text(item, carrier: str, reason: str, *, catalogue) -> tuple[str, str]:
    title = _("Cleared by %(carrier)s: %(item)s") % {"carrier": carrier, "item": item_label(item)}
    body = _(
        "%(carrier)s has cleared %(item)s: it can no longer be used there until it is filed again."
    ) % {"carrier": carrier, "item": str(item)}
    return title, _join(body, _reason_sentences(reason, catalogue))


_OUTCOME_TEXT = {"rejected": _rejected_text, "cleared": _cleared_text}

_ALREADY = {
    "registered": FilingState.REGISTERED,
    "rejected": FilingState.REJECTED,
    "cleared": FilingState.CLEARED,
}
_MOVES = {
    ("registered", FilingState.SUBMITTED): "register",
    ("rejected", FilingState.SUBMITTED): "reject",
    ("cleared", FilingState.REGISTERED): "clear",
}


@dataclass(frozen=True)
class Result:
    """One carrier answer about one filing; ``generation`` None means "whatever is current"."""

    filing_id: int
    status: str
    reason: str = ""
    source: str = "query"
    generation: int | None = None


def filings_results_record(*, results: Sequence[Result], user: User | None = None) -> set[int]:
    """Record carriers' answers about filings: ``registered``, ``rejected`` or ``cleared``
    (``pending`` changes nothing). Effects: the filings are locked together; an answer for
    another generation, or one the filing already has, or one that does not fit its state,
    changes nothing; otherwise the transition (its audit row names the source; a batch's rows
    are one INSERT) and the customer's account is told, one notification per result (one
    INSERT for the batch). Returns the ids that changed."""
    with transaction.atomic():
        if not results:
            return set()
        now = timezone.now()
        ids = sorted({r.filing_id for r in results})
        filings = {f.pk: f for f in lock_many(ids, related=FOR_NOTICE)}
        changed: list[CarrierFiling] = []
        with transition_log_batch():  # the transitions' log rows in one INSERT
            for result in results:
                filing = filings.get(result.filing_id)
                if filing is None or result.status == "pending":
                    continue
                if result.generation is not None and result.generation != filing.generation:
                    continue
                move = _MOVES.get((result.status, filing.state))
                if move is None:
                    continue
                description = (
                    f"{result.source}: {result.reason}" if result.reason else result.source
                )
                if move == "register":
                    filing.register(at=now, by=user, description=description)
                else:
                    getattr(filing, move)(
                        at=now, reason=result.reason, by=user, description=description
                    )
                changed.append(filing)
        if not changed:
            return set()
        # One UPDATE per (state, reason): most results share theirs (bulk_update's CASE
        # expressions cost more than the rows they save).
        rows = defaultdict(list)
        for filing in changed:
            rows[(filing.state, filing.carrier_reason)].append(filing.pk)
        for (state, reason), pks in rows.items():
            CarrierFiling.objects.filter(pk__in=pks).update(
                state=state, result_at=now, carrier_reason=reason, updated_at=now
            )
        _tell_customers(changed)
        return {f.pk for f in changed}


def _tell_customers(filings: list[CarrierFiling]) -> None:
    """One notification per changed filing to every active user of the item's account (the
    users of all the accounts concerned are read at once)."""
    accounts = {item_of(f).account_id for f in filings}
    users = defaultdict(list)
    for user in User.objects.filter(account_id__in=accounts, is_active=True).order_by("pk"):
        users[user.account_id].append(user)
    messages = []
    catalogue = None
    for filing in filings:
        item = item_of(filing)
        if filing.state == FilingState.REGISTERED:
            render = partial(_registered_text, usable=filing.is_usable)
        else:
            if catalogue is None:  # one query for the batch, and none when all registered
                catalogue = carrier_reason_catalogue()
            render = partial(_OUTCOME_TEXT[filing.state], catalogue=catalogue)
        messages.append(
            Message(
                recipients=users[item.account_id],
                kind="carrier",
                subject=item,
                account=item.account,
                # Rendered once per language: the carrier's name in each.
                render=lambda r=render, i=item, f=filing: r(
                    i, _carrier_name(f.carrier), f.carrier_reason
                ),
            )
        )
    notifications_send(messages=messages)


def filing_result_record(
    *,
    filing: CarrierFiling,
    status: str,
    reason: str = "",
    source: str,
    user: User | None = None,
    generation: int | None = None,
) -> bool:
    """Record what a carrier said about one filing (``filings_results_record`` of one).
    ``source`` says how we learnt it (poll, callback, test send, staff). Returns whether the
    state changed. Raises FilingError when a staff entry does not fit the filing's state
    (answers from automatic sources that do not fit are ignored)."""
    with transaction.atomic():
        if source == "staff":
            (current,) = lock_many([filing.pk])
            fits = status == "pending" or (status, current.state) in _MOVES
            if not fits and _ALREADY.get(status) != current.state:
                raise FilingError(
                    _("A %(status)s result cannot be recorded for a filing that is %(state)s.")
                    % {"status": status, "state": current.get_state_display()}
                )
        changed = filings_results_record(
            results=[Result(filing.pk, status, reason, source, generation)], user=user
        )
    return filing.pk in changed


def probe_allowed(carrier_code: str, at: datetime | None = None) -> bool:
    """Whether a test send to this carrier may go out now: never inside its quiet hours
    (China Telecom 23:00–07:00 Asia/Shanghai, seed 004 2025.5.20)."""
    window = policy()["TEST_SEND_QUIET_HOURS"].get(carrier_code)
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


@dataclass
class CheckBatch:
    """What ``filings_check`` did with each filing id it was given."""

    changed: set[int] = field(default_factory=set)
    #: Asked, and the answer changed nothing (pending, or known already).
    unchanged: set[int] = field(default_factory=set)
    #: Nothing could be asked: not submitted or registered, no ticket, or quiet hours.
    skipped: set[int] = field(default_factory=set)
    #: The carrier failed transiently: to be asked again after a back-off.
    retry: list[int] = field(default_factory=list)
    #: The carrier refused the question (an unknown ticket): asking again will not help.
    refused: dict[int, str] = field(default_factory=dict)


def _clearable(filing: CarrierFiling) -> bool:
    """Whether a carrier clears the filing's item when it goes unused: signatures are cleared
    for idleness (seed 004), templates are not."""
    return filing.content_type_id == ContentType.objects.get_for_model(SignatureApplication).pk


def filings_check(*, filing_ids: Sequence[int], now: datetime | None = None) -> CheckBatch:
    """Ask the carriers about submitted filings (or registered signatures, to notice a
    clearance): one ``query_many`` per carrier that answers queries, else one
    ``test_send_many`` (outside its quiet hours; templates are not cleared for idleness, so a
    registered template is not probed). Then every answer is recorded in one transaction
    (``filings_results_record``). Questions the carrier refused are logged and change nothing."""
    batch = CheckBatch()
    filings = list(
        CarrierFiling.objects.filter(
            pk__in=list(filing_ids), state__in=(FilingState.SUBMITTED, FilingState.REGISTERED)
        )
        .exclude(carrier_ticket_id="")
        .select_related("carrier")
        .order_by("pk")
    )
    batch.skipped = set(filing_ids) - {f.pk for f in filings}
    groups: dict[str, list[CarrierFiling]] = defaultdict(list)
    for filing in filings:
        groups[filing.carrier.code].append(filing)
    results: list[Result] = []
    for code, group in groups.items():
        gateway = gateway_for(code)
        try:
            try:
                answers = gateway.query_many([f.carrier_ticket_id for f in group])
                source = "query"
            except NotQueryable:
                probed = [f for f in group if f.state == FilingState.SUBMITTED or _clearable(f)]
                batch.skipped |= {f.pk for f in group} - {f.pk for f in probed}
                if not probe_allowed(code, now):
                    batch.skipped |= {f.pk for f in probed}
                    continue
                group = probed
                answers = gateway.test_send_many([f.carrier_ticket_id for f in group])
                source = "test_send"
        except GatewayTransientError:  # the whole call failed
            batch.retry += [f.pk for f in group]
            continue
        for filing, answer in zip(group, answers, strict=True):
            if isinstance(answer, GatewayTransientError):
                batch.retry.append(filing.pk)
            elif isinstance(answer, GatewayRefused):
                logger.warning(
                    "carrier %s refused a check of filing %s: %s", code, filing.pk, answer
                )
                batch.refused[filing.pk] = str(answer)
            else:
                results.append(
                    Result(filing.pk, answer.status, answer.reason, source, filing.generation)
                )
    batch.changed = filings_results_record(results=results)
    batch.unchanged |= {r.filing_id for r in results} - batch.changed
    return batch


def filing_check(*, filing_id: int, now: datetime | None = None) -> bool | None:
    """Ask the carrier about one filing (``filings_check`` of one). Returns whether the state
    changed, None when nothing could be asked; the carrier's errors propagate."""
    batch = filings_check(filing_ids=[filing_id], now=now)
    if batch.retry:
        raise GatewayTransientError(f"carrier did not answer about filing {filing_id}")
    if batch.refused:
        raise GatewayRefused(batch.refused[filing_id])
    if filing_id in batch.skipped:
        return None
    return filing_id in batch.changed


def filings_poll(*, now: datetime | None = None) -> int:
    """Send result checks (in batches) for every submitted filing. Returns how many."""
    ids = list(
        CarrierFiling.objects.filter(state=FilingState.SUBMITTED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    enqueue(CHECK_TASK, ids)
    return len(ids)


def filings_clearance_check(*, now: datetime | None = None) -> int:
    """Send checks for every registered signature filing, to notice a carrier's clearance of
    an unused signature (daily: clearance follows months of idleness). Returns how many."""
    ids = list(
        CarrierFiling.objects.of_model(SignatureApplication)
        .filter(state=FilingState.REGISTERED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    enqueue(CHECK_TASK, ids)
    return len(ids)
