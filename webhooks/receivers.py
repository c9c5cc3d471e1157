"""What turns a change into an event (SPEC §9): receivers of django-fsm's ``post_transition``
(sent inside the transition, so inside the transaction of the service that makes it) and of
the carrier filings' availability save. Each builds the event and hands it to
``event_record``, which writes it in that same transaction (or with its batch).

Review items are recognised by the registry of kinds (``ReviewKind.event_name``), never by
their model's name. Claims, releases, reassignments and first approvals are internal steps
of the review and send nothing."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from carriers.models import CarrierFiling
from reviewportal.kinds import kind_of
from reviewportal.models import DecisionOutcome, ReviewDecision
from webhooks.services.events import EventSpec, event_record

#: Transition → the action of ``<kind>.<action>``.
REVIEW_ACTIONS = {
    "submit": "submitted",
    "resubmit": "submitted",
    "approve": "approved",
    # Kept approved after a re-review: customers see it approved again.
    "confirm": "approved",
    "reject": "rejected",
    "flag_for_rereview": "rereview",
    "revoke": "revoked",
    "withdraw": "withdrawn",
}
_DECIDED_WITH_REASONS = {"reject": DecisionOutcome.REJECT, "revoke": DecisionOutcome.REVOKE}


def _reason_codes(item, outcome: str) -> list[str]:
    """The reason codes of the decision just recorded on the item's current revision."""
    through = ReviewDecision.reasons.through
    return list(
        through.objects.filter(
            reviewdecision__revision_id=item.current_revision_id,
            reviewdecision__outcome=outcome,
        )
        .order_by("reasoncode__code")
        .values_list("reasoncode__code", flat=True)
        .distinct()
    )


def review_event(sender, instance, name, source, target, **kwargs) -> None:
    """``<kind>.submitted|approved|rejected|rereview|revoked|withdrawn`` of a registered kind."""
    kind = kind_of(sender)
    action = REVIEW_ACTIONS.get(name)
    if kind is None or not kind.event_name or action is None:
        return
    data = {
        "object": kind.event_name,
        "id": instance.public_id,
        "state": target,
        "previous_state": source,
    }
    if name in _DECIDED_WITH_REASONS:
        data["reason_codes"] = _reason_codes(instance, _DECIDED_WITH_REASONS[name])
    if name == "flag_for_rereview":
        findings = getattr(instance.current_revision, "findings", None) or []
        data["finding_codes"] = sorted(
            {f["code"] for f in findings if f.get("severity") == "block"}
        )
        data["suspended"] = bool(instance.suspended)
    event_record(
        EventSpec(
            type=f"{kind.event_name}.{action}",
            data=data,
            occurred_at=timezone.now(),
            account_id=instance.account_id,
            subject_id=instance.public_id,
        )
    )


def _filing_item(filing: CarrierFiling) -> tuple[type, int, str]:
    """The model, pk and event name of the item a filing files."""
    model = ContentType.objects.get_for_id(filing.content_type_id).model_class()
    kind = kind_of(model)
    if kind is None or not kind.event_name:
        raise LookupError(f"a carrier filing of {model} sends no events")
    return model, filing.object_id, kind.event_name


def filing_event(filing: CarrierFiling, *, state: str) -> None:
    model, pk, name = _filing_item(filing)
    event_record(
        EventSpec(
            type="filing.updated",
            data={
                "object": "filing",
                "item": {"object": name, "id": None},
                "carrier": None,
                "state": state,
                "availability": filing.availability,
                "usable": filing.is_usable,
            },
            occurred_at=timezone.now(),
            item=(model, pk),
            carrier_id=filing.carrier_id,
            carrier_reason=filing.carrier_reason or "",
        )
    )


def filing_transitioned(sender, instance, name, source, target, **kwargs) -> None:
    """Every transition of a carrier filing: ``filing.updated``."""
    filing_event(instance, state=target)


def filing_saved(sender, instance, update_fields=None, **kwargs) -> None:
    """Staff set a filing's availability (``filing_availability_set`` saves exactly that
    field): ``filing.updated``. Other saves follow a transition, which has sent its event."""
    if update_fields and "availability" in update_fields and "state" not in update_fields:
        filing_event(instance, state=instance.state)


def ticket_event(sender, instance, name, source, target, **kwargs) -> None:
    """``urgent_ticket.accepted|declined``."""
    if name not in ("accept", "decline"):
        return
    model = instance.content_type.model_class()
    kind = kind_of(model)
    item_id = (
        model._default_manager.filter(pk=instance.object_id)
        .values_list("public_id", flat=True)
        .first()
    )
    event_record(
        EventSpec(
            type=f"urgent_ticket.{target}",
            data={
                "object": "urgent_ticket",
                "id": instance.public_id,
                "state": target,
                "item": {"object": kind.event_name if kind else "", "id": item_id},
            },
            occurred_at=timezone.now(),
            account_id=instance.account_id,
            subject_id=instance.public_id,
        )
    )
