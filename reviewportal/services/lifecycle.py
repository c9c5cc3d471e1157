"""The review lifecycle's services (SPEC §3): the only path to every state change of a
qualification, signature or template application. Admin, portal, commands and tasks call these.

Each service locks the row, checks ``reviewportal.permissions`` (the same list the buttons read),
runs one FSM transition, writes its records in the same transaction and sends e-mails and tasks
only once the transaction has committed. A service either does everything or nothing: any
``ReviewError`` leaves the database as it was.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Case, Max, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from reviewportal.errors import (
    ConcurrentChange,
    PermissionRefused,
    PrecheckBlocked,
    ReviewError,
    TransitionRefused,
)
from reviewportal.history_batch import audit_rows_write, audit_update_rows, transition_log_batch
from reviewportal.models import (
    DecisionOutcome,
    ReasonCode,
    ReviewableModel,
    ReviewDecision,
    Revision,
    User,
)
from reviewportal.models.lifecycle import EDITABLE_STATES, ReviewState
from reviewportal.permissions import (
    PERM_REVIEW,
    Action,
    ApprovalStep,
    four_eyes_step,
    is_staff_user,
    require_action,
)
from reviewportal.precheck import findings_from_dicts
from reviewportal.services.findings import blocking, findings_for
from reviewportal.services.notification_links import item_label
from reviewportal.services.notifications import notification_send, notification_send_to_account
from reviewportal.services.sla import sla_clock_start
from reviewportal.services.versions import version_check
from reviewportal.signals import item_approved, revisions_created

#: The fields ``sla_clock_start`` sets on an item; a batch computes them once and copies them.
_SLA_CLOCK_FIELDS = (
    "sla_policy",
    "sla_started_at",
    "sla_target",
    "due_pending_year",
    "due_at",
    "at_risk_at",
    "is_urgent",
    "at_risk_flagged_at",
    "breach_recorded_at",
)

#: Fields that model validation of customer input must leave alone: the lifecycle owns them.
LIFECYCLE_EXCLUDE = (
    "public_id",
    "state",
    "current_revision",
    "claimed_by",
    "claimed_at",
    "submitted_at",
    "decided_at",
    "created_by",
    *_SLA_CLOCK_FIELDS,
)


@contextmanager
def lifecycle_transaction() -> Iterator[None]:
    """The transaction of a lifecycle service: the block runs in one transaction, and the
    FSM's own exceptions become readable errors.

    The conversion happens outside the atomic block, so the transaction is already rolled back
    when the caller sees the error. Services open it as ``with lifecycle_transaction():``
    rather than through a decorator, so that mutation testing reaches their bodies."""
    try:
        with transaction.atomic():
            yield
    except ConcurrentTransition as exc:
        raise ConcurrentChange(
            _("Someone else changed this item at the same moment; reload it and try again.")
        ) from exc
    except TransitionNotAllowed as exc:
        raise TransitionRefused(
            _("This action is not possible in the item's current state.")
        ) from exc


def lock(item: ReviewableModel) -> ReviewableModel:
    """Re-read ``item`` with a row lock (PostgreSQL: ``SELECT … FOR UPDATE``), so that two
    concurrent transitions on one item run one after the other and the second sees the first's
    result. A caller's expected version (``versions.version_expected``) is checked here, under
    the lock."""
    locked = type(item)._default_manager.select_for_update().get(pk=item.pk)
    version_check(locked)
    return locked


def _label(item: ReviewableModel) -> str:
    return item_label(item)


def revision_create(*, item: ReviewableModel, user: User | None, findings: list[dict]) -> Revision:
    """The item's next revision: its snapshot as it is now, with ``findings``, numbered after
    the last one. Called inside the caller's transaction; ``revisions_created`` tells the apps."""
    content_type = ContentType.objects.get_for_model(item)
    last = Revision.objects.filter(content_type=content_type, object_id=item.pk).aggregate(
        n=Max("number")
    )["n"]
    revision = Revision.objects.create(
        content_type=content_type,
        object_id=item.pk,
        number=(last or 0) + 1,
        snapshot=item.snapshot_data(),
        findings=findings,
        submitted_by=user,
    )
    revisions_created.send(sender=Revision, revisions=[revision])
    return revision


def _refuse_blocking(item: ReviewableModel, findings: list[dict]) -> None:
    blocked = blocking(findings)
    if blocked:
        raise PrecheckBlocked(
            _("%(item)s cannot be submitted: %(problems)s")
            % {"item": item, "problems": "; ".join(f["message"] for f in blocked)},
            findings=findings,
        )


def review_submit(
    *, item: ReviewableModel, user: User, checks_as_of: dt.date | None = None
) -> ReviewableModel:
    """Submit a draft for review.

    Refused (ReviewError ``incomplete``) while the draft lacks what it was allowed to be saved
    without (``item.submission_gaps()``: a qualification's credit code, legal representative,
    ID number).

    ``checks_as_of`` runs the pre-check as of an earlier date; only operators importing items
    that were accepted under earlier rules pass it (the portal never does).

    Effects, in order: the pre-check runs as of today and refuses any ``block`` finding; a
    revision (number 1) freezes the snapshot and the findings; the item moves draft →
    pending_review with ``submitted_at`` = now; the SLA clock starts (due time from the item's
    policy; when the calendar does not cover the year it needs, the item is accepted all the
    same with its due time pending); the transition is logged."""
    with lifecycle_transaction():
        item = lock(item)
        require_action(item, user, Action.SUBMIT)
        gaps = item.submission_gaps()
        if gaps:
            raise ReviewError(
                _("Complete %(item)s before submitting it: %(fields)s.")
                % {"item": item, "fields": ", ".join(gaps)},
                code="incomplete",
            )
        findings = findings_for(item, on=checks_as_of)
        _refuse_blocking(item, findings)
        revision = revision_create(item=item, user=user, findings=findings)
        item.submit(revision=revision, at=timezone.now(), by=user)
        sla_clock_start(item=item, start=item.submitted_at)
        item.save()
        return item


def review_resubmit(*, item: ReviewableModel, user: User) -> ReviewableModel:
    """Resubmit an edited item (pending_review, under_review or rejected → pending_review).

    Called by the entity's update service after it saved the new field values in the same
    transaction. Effects: pre-check (``block`` refuses, rolling back the edit too); a new
    revision; the claim is released and the SLA clock restarts under the item's own policy (an
    earlier urgent acceptance ends); the reviewer who had claimed it is told."""
    with lifecycle_transaction():
        item = lock(item)
        require_action(item, user, Action.EDIT)
        if item.state not in EDITABLE_STATES:
            raise TransitionRefused(_("%(item)s is a draft: submit it instead.") % {"item": item})
        previous_claimer = item.claimed_by
        findings = findings_for(item)
        _refuse_blocking(item, findings)
        revision = revision_create(item=item, user=user, findings=findings)
        item.resubmit(revision=revision, at=timezone.now(), by=user)
        sla_clock_start(item=item, start=item.submitted_at)
        item.save()
        if previous_claimer is not None:
            notification_send(
                recipients=[previous_claimer],
                kind="decision",
                subject=item,
                render=lambda: (
                    _("%(item)s was edited by the customer") % {"item": _label(item)},
                    _(
                        "The customer edited %(item)s while you had it claimed; it is back in the "
                        "queue as revision %(number)s."
                    )
                    % {"item": _label(item), "number": revision.number},
                ),
            )
        return item


def review_claim(*, item: ReviewableModel, user: User) -> ReviewableModel:
    """Claim a pending item for review (pending_review → under_review, claimed by ``user``).

    Of two reviewers claiming one item at once exactly one wins; the other gets a clear error."""
    with lifecycle_transaction():
        item = lock(item)
        if item.state == ReviewState.UNDER_REVIEW and item.claimed_by_id not in (None, user.pk):
            raise TransitionRefused(
                _("%(item)s has already been claimed by %(user)s.")
                % {"item": item, "user": item.claimed_by.display_name()}
            )
        require_action(item, user, Action.CLAIM)
        item.claim(reviewer=user, at=timezone.now(), by=user)
        item.save()
        return item


def review_release(*, item: ReviewableModel, user: User, reason: str = "") -> ReviewableModel:
    """Give a claimed item back to the queue (under_review → pending_review). The claimer may
    release their own claim; a senior reviewer anyone's."""
    with lifecycle_transaction():
        item = lock(item)
        require_action(item, user, Action.RELEASE)
        item.release(by=user, description=reason or None)
        item.save()
        return item


def review_reassign(*, item: ReviewableModel, user: User, to: User) -> ReviewableModel:
    """Hand a claimed item to another reviewer (senior reviewers only)."""
    with lifecycle_transaction():
        item = lock(item)
        require_action(item, user, Action.REASSIGN)
        if not (is_staff_user(to) and to.has_perm(PERM_REVIEW)):
            raise PermissionRefused(
                _("%(user)s is not a reviewer and cannot be given items.") % {"user": to}
            )
        item.reassign(
            reviewer=to,
            at=timezone.now(),
            by=user,
            description=_("reassigned to %(user)s") % {"user": to.display_name()},
        )
        item.save()
        return item


def _check_text(value: str, what: str) -> str:
    limit = settings.REVIEW_POLICY["COMMENT_MAX_LENGTH"]
    value = (value or "").strip()
    if len(value) > limit:
        raise ReviewError(
            _("The %(what)s is too long (%(n)s characters; at most %(limit)s).")
            % {"what": what, "n": len(value), "limit": limit}
        )
    return value


def _reason_codes(reasons: Iterable[ReasonCode | str]) -> list[ReasonCode]:
    wanted = list(reasons or [])
    codes = [r.code if isinstance(r, ReasonCode) else str(r) for r in wanted]
    if not codes:
        raise ReviewError(_("Choose at least one reason: the customer must see why."))
    found = {r.code: r for r in ReasonCode.objects.filter(code__in=codes, is_active=True)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ReviewError(
            _("Unknown or inactive reason code: %(codes)s") % {"codes": ", ".join(unknown)}
        )
    return [found[c] for c in dict.fromkeys(codes)]


def review_approve(
    *,
    item: ReviewableModel,
    user: User,
    comment: str = "",
    internal_note: str = "",
    checks_as_of: dt.date | None = None,
) -> ReviewDecision:
    """Approve the item under review, or record the first half of a four-eyes approval.

    Effects, in order: the pre-check runs again as of today. If it (or the revision's own
    findings) has ``block`` findings, four eyes applies (``four_eyes_step``): the approval is
    final only when another reviewer already gave a first approval of this revision and
    ``user`` is a senior reviewer who gave none and does not hold the claim; otherwise it
    records a ``first_approval`` decision (the item stays under review and senior reviewers
    are told), and a first approver's second approval is refused. No claim or reassignment
    lets one person approve alone. Otherwise: an ``approve`` decision
    with the findings it saw; under_review → approved; one CarrierFiling per active carrier
    for items filed with carriers (sent after commit); an approved qualification change is
    applied to the qualification in force; the customer is told. Returns the decision
    written. ``checks_as_of`` as for ``review_submit``."""
    with lifecycle_transaction():
        item = lock(item)
        require_action(item, user, Action.APPROVE)
        comment = _check_text(comment, _("comment"))
        internal_note = _check_text(internal_note, _("internal note"))
        revision = item.current_revision
        findings = findings_for(item, on=checks_as_of)
        blocks = blocking(findings) or blocking(revision.findings)
        if blocks:
            step = four_eyes_step(
                user=user,
                first_approver_ids=first_approver_ids(revision),
                claimer_id=item.claimed_by_id,
            )
            if step is None:
                raise PermissionRefused(
                    _(
                        "You have already approved %(item)s over its blocking findings; a senior "
                        "reviewer other than you must give the second approval."
                    )
                    % {"item": item}
                )
            if step == ApprovalStep.FIRST:
                decision = ReviewDecision.objects.create(
                    revision=revision,
                    reviewer=user,
                    outcome=DecisionOutcome.FIRST_APPROVAL,
                    customer_comment=comment,
                    internal_note=internal_note,
                    findings=findings,
                )
                _tell_seniors_second_approval_needed(item=item, first=user)
                return decision
        decision = ReviewDecision.objects.create(
            revision=revision,
            reviewer=user,
            outcome=DecisionOutcome.APPROVE,
            customer_comment=comment,
            internal_note=internal_note,
            findings=findings,
        )
        item.approve(at=timezone.now(), by=user, description=comment or None)
        item.save()
        item_approved.send(sender=type(item), item=item, revision=revision, user=user)
        notification_send_to_account(
            account=item.account,
            kind="decision",
            subject=item,
            render=lambda: (
                _("Approved: %(item)s") % {"item": _label(item)},
                _("%(item)s has passed review.") % {"item": _label(item)}
                + (("\n" + comment) if comment else ""),
            ),
        )
        return decision


def first_approver_ids(revision: Revision) -> set[int]:
    """Who gave a first approval of ``revision`` (four eyes)."""
    return set(
        revision.decisions.filter(outcome=DecisionOutcome.FIRST_APPROVAL).values_list(
            "reviewer_id", flat=True
        )
    )


def _tell_seniors_second_approval_needed(*, item: ReviewableModel, first: User) -> None:
    perm = Permission.objects.get(
        codename="override_findings", content_type__app_label="reviewportal"
    )
    seniors = (
        User.objects.filter(is_active=True, is_staff=True)
        .filter(Q(groups__permissions=perm) | Q(user_permissions=perm) | Q(is_superuser=True))
        .exclude(pk=first.pk)
        .distinct()
    )
    notification_send(
        recipients=seniors,
        kind="decision",
        subject=item,
        render=lambda: (
            _("Second approval needed: %(item)s") % {"item": _label(item)},
            _(
                "%(user)s approved %(item)s over blocking findings; a senior reviewer must "
                "give the second approval."
            )
            % {"user": first.display_name(), "item": _label(item)},
        ),
    )


def _reasons_text(reasons: Sequence[ReasonCode]) -> str:
    return "\n".join(f"- {r.title}: {r.customer_text}" for r in reasons)


def review_reject(
    *,
    item: ReviewableModel,
    user: User,
    reasons: Iterable[ReasonCode | str],
    comment: str = "",
    internal_note: str = "",
) -> ReviewDecision:
    """Reject the item under review (under_review → rejected).

    A rejection always carries at least one active reason code (seed 000 §1: the customer gets
    detailed feedback). Effects: a ``reject`` decision with reasons, comment and internal note;
    the transition; the customer is told the reasons in their own language."""
    with lifecycle_transaction():
        item = lock(item)
        require_action(item, user, Action.REJECT)
        codes = _reason_codes(reasons)
        comment = _check_text(comment, _("comment"))
        internal_note = _check_text(internal_note, _("internal note"))
        decision = ReviewDecision.objects.create(
            revision=item.current_revision,
            reviewer=user,
            outcome=DecisionOutcome.REJECT,
            customer_comment=comment,
            internal_note=internal_note,
            findings=list(item.current_revision.findings),
        )
        decision.reasons.set(codes)
        item.reject(at=timezone.now(), by=user, description=", ".join(c.code for c in codes))
        item.save()
        notification_send_to_account(
            account=item.account,
            kind="decision",
            subject=item,
            render=lambda: (
                _("Not approved: %(item)s") % {"item": _label(item)},
                _("%(item)s did not pass review. Reasons:") % {"item": _label(item)}
                + "\n"
                + _reasons_text(codes)
                + (("\n" + comment) if comment else ""),
            ),
        )
        return decision


def review_withdraw(*, item: ReviewableModel, user: User, reason: str = "") -> ReviewableModel:
    """The customer withdraws an open item (draft, pending, under review or rejected)."""
    with lifecycle_transaction():
        item = lock(item)
        require_action(item, user, Action.WITHDRAW)
        item.withdraw(
            at=timezone.now(), by=user, description=_check_text(reason, _("reason")) or None
        )
        item.save()
        return item


def review_flag_for_rereview(
    *,
    item: ReviewableModel,
    user: User,
    findings: list[dict],
    note: str = "",
    suspend: bool = False,
    notify: bool = True,
) -> ReviewableModel:
    """Put an approved item back in front of reviewers after a policy change (approved →
    rereview). The findings that no longer pass become a new revision's findings (same
    snapshot), so reviewers see exactly why; the SLA clock starts again; the customer is
    told.

    ``suspend`` also makes the item unusable until reviewers confirm or revoke it (otherwise it
    stays usable meanwhile). ``notify=False`` leaves telling the customer to the caller: bulk
    re-review sends one message per account listing all of its items instead of one per item."""
    with lifecycle_transaction():
        item = lock(item)
        require_action(item, user, Action.FLAG_FOR_REREVIEW)
        return _flag(
            item=item, user=user, findings=findings, note=note, suspend=suspend, notify=notify
        )


def review_flag_after_change(
    *, item: ReviewableModel, user: User, findings: list[dict], because: str
) -> ReviewableModel:
    """Put an approved item back for re-review because something it relies on changed (its
    qualification's approved change renamed the entity, say): the same as
    ``review_flag_for_rereview``, with ``because`` as the note and in the customer's message.

    Only a service that has just approved that change calls it, inside its transaction, with
    the approving reviewer as ``user``: the approval is the decision, so no right of its own is
    asked (a reviewer who may approve a change may not flag items for re-review by hand)."""
    with lifecycle_transaction():
        item = lock(item)
        return _flag(item=item, user=user, findings=findings, note=because, because=because)


def _flag(
    *,
    item: ReviewableModel,
    user: User,
    findings: list[dict],
    note: str,
    suspend: bool = False,
    notify: bool = True,
    because: str = "",
) -> ReviewableModel:
    if item.state != ReviewState.APPROVED:
        raise TransitionRefused(
            _("%(item)s is not approved; only an approved item is put back for re-review.")
            % {"item": item}
        )
    if not blocking(findings):
        raise ReviewError(_("Only an item with a blocking finding is put back for re-review."))
    revision = revision_create(item=item, user=user, findings=findings)
    item.flag_for_rereview(
        revision=revision,
        at=timezone.now(),
        suspend=suspend,
        by=user,
        description=note or ", ".join(f["code"] for f in blocking(findings)),
    )
    sla_clock_start(item=item, start=item.submitted_at)
    item.save()
    if not notify:
        return item
    notification_send_to_account(
        account=item.account,
        kind="rereview",
        subject=item,
        render=lambda: (
            _("Re-review: %(item)s") % {"item": _label(item)},
            (
                _("%(item)s is being reviewed again because %(because)s:")
                % {"item": _label(item), "because": because}
                if because
                else _("%(item)s is being reviewed again because the rules changed:")
                % {"item": _label(item)}
            )
            + "\n"
            # Rendered again from code and params: each language gets its own message.
            + "\n".join(f"- {f.message}" for f in findings_from_dicts(blocking(findings))),
        ),
    )
    return item


@dataclass
class FlagBatchResult:
    """What ``review_flag_for_rereview_batch`` did: the items it flagged (in their new state)
    and, by primary key, why it left each other item alone."""

    flagged: list[ReviewableModel] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)


#: The item's foreign keys that are lifecycle bookkeeping, not part of what a reviewer judges;
#: the others are what ``snapshot_data`` reads, so a batch reads them with the locked rows.
_BOOKKEEPING_RELATIONS = frozenset(
    {"account", "current_revision", "claimed_by", "sla_policy", "created_by"}
)


def _snapshot_relations(model: type[ReviewableModel]) -> list[str]:
    return [
        f.name
        for f in model._meta.concrete_fields
        if f.many_to_one and f.name not in _BOOKKEEPING_RELATIONS
    ]


def _changed_fields(model, pairs) -> list:
    """The concrete fields whose value differs between old and new in any of ``pairs``."""
    return [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key
        and any(getattr(old, f.attname) != getattr(new, f.attname) for old, new in pairs)
    ]


def _bulk_update_changed(model, pairs, changed, *, now, source) -> int:
    """Write the ``changed`` fields of ``pairs`` (old, new) with one UPDATE (a CASE
    per field whose new value differs between items), the ``auto_now`` fields set to ``now`` as
    ``save()`` would, guarded like ConcurrentTransitionMixin's save by the state the items were
    read in. Returns the rows updated."""
    updates = {}
    for f in changed:
        values = [(new.pk, getattr(new, f.attname)) for _old, new in pairs]
        if all(v == values[0][1] for _pk, v in values):
            updates[f.attname] = values[0][1]
        else:
            out = f.target_field if f.is_relation else f
            updates[f.attname] = Case(
                *[When(pk=pk, then=Value(v, output_field=out)) for pk, v in values],
                output_field=out,
            )
    for f in model._meta.concrete_fields:
        if getattr(f, "auto_now", False):
            updates[f.attname] = now
            for _old, new in pairs:
                setattr(new, f.attname, now)
    state_field = model._meta.get_field("state")
    return (
        model._default_manager.filter(pk__in=[new.pk for _old, new in pairs])
        .filter(**{state_field.attname: source})
        .update(**updates)
    )


def review_flag_for_rereview_batch(
    *,
    items: Sequence[ReviewableModel],
    user: User,
    findings_by_item: Mapping[int, list[dict]],
    suspend: bool = False,
    note: str = "",
) -> FlagBatchResult:
    """``review_flag_for_rereview`` for a whole batch of items of one model (approved →
    rereview), with a fixed number of statements however many items there are (the relations
    ``snapshot_data`` reads are prefetched with the locked rows). It leaves the
    database exactly as calling ``review_flag_for_rereview(item=…, findings=…,
    suspend=suspend, note=note, notify=False)`` for each item would: telling the customers is
    the caller's job (bulk re-review sends one message per account).

    Effects, in order, in one transaction:

    1. every item must have a blocking finding in ``findings_by_item`` (keyed by primary key),
       else ReviewError and nothing is written;
    2. the rows are re-read with one ``SELECT … FOR UPDATE SKIP LOCKED`` (PostgreSQL), with
       the model's ``SNAPSHOT_PREFETCH`` relations read alongside: a row another transaction
       holds (or that no longer exists) is skipped, not waited for;
    3. ``require_action`` checks each item (permission, and the state as re-read): an item no
       longer approved, or one ``user`` may not flag, is skipped with the message the single
       service would have raised;
    4. the SLA clock is computed once — every item starts it now, under the model's policy
       (pending for all of them when the calendar lacks the year it needs);
    5. one query reads the items' last revision numbers; one insert writes a revision per item
       (its snapshot now, the given findings, submitted by ``user``);
    6. the transition runs on each item in memory (current revision, ``submitted_at`` = now,
       ``suspended``), then one UPDATE writes what changed, guarded by the approved state
       (ConcurrentChange, rolling back everything, if a row escaped the lock);
    7. one insert writes the transition-log rows (django-fsm-log: by ``user``, the note or the
       blocking codes as description) and one the audit rows (django-auditlog: the field
       diff of each item, as its ``save()`` would record it).

    Returns which items were flagged and why the others were skipped."""
    with lifecycle_transaction():
        items = list(items)
        result = FlagBatchResult()
        if not items:
            return result
        model = type(items[0])
        if any(type(item) is not model for item in items):
            raise TypeError("A batch holds items of one model.")
        pks = list(dict.fromkeys(item.pk for item in items))
        for pk in pks:
            if not blocking(findings_by_item.get(pk) or []):
                raise ReviewError(
                    _("Only an item with a blocking finding is put back for re-review.")
                )
        locked = model._default_manager.select_for_update(skip_locked=True, of=("self",))
        locked = locked.select_related(*_snapshot_relations(model))
        locked = locked.prefetch_related(*model.SNAPSHOT_PREFETCH).in_bulk(pks)
        candidates = []
        for pk in pks:
            item = locked.get(pk)
            if item is None:
                result.skipped[pk] = _(
                    "Another change was holding this item (or it no longer exists); "
                    "it was not flagged."
                )
                continue
            try:
                require_action(item, user, Action.FLAG_FOR_REREVIEW)
            except ReviewError as exc:
                result.skipped[pk] = str(exc)
                continue
            candidates.append(item)
        if not candidates:
            return result

        now = timezone.now()
        clock = model()
        sla_clock_start(item=clock, start=now)
        content_type = ContentType.objects.get_for_model(model)
        last_numbers = dict(
            Revision.objects.filter(
                content_type=content_type, object_id__in=[c.pk for c in candidates]
            )
            .order_by()
            .values("object_id")
            .annotate(n=Max("number"))
            .values_list("object_id", "n")
        )
        revisions = Revision.objects.bulk_create(
            [
                Revision(
                    content_type=content_type,
                    object_id=item.pk,
                    number=(last_numbers.get(item.pk) or 0) + 1,
                    snapshot=item.snapshot_data(),
                    findings=findings_by_item[item.pk],
                    submitted_by=user,
                )
                for item in candidates
            ]
        )
        revisions_created.send(sender=Revision, revisions=revisions)
        pairs = []
        source = candidates[0].state
        # The model's own transition for each item; the transition log rows django-fsm-log builds
        # for them are written with one INSERT when the block ends.
        with transition_log_batch():
            for item, revision in zip(candidates, revisions, strict=True):
                old = copy.copy(item)
                item.flag_for_rereview(
                    revision=revision,
                    at=now,
                    suspend=suspend,
                    by=user,
                    description=note
                    or ", ".join(f["code"] for f in blocking(findings_by_item[item.pk])),
                )
                for name in _SLA_CLOCK_FIELDS:
                    setattr(item, name, getattr(clock, name))
                pairs.append((old, item))
        # Audited before the write, as auditlog's pre_save receiver compares before save() sets
        # the auto_now fields.
        changed = _changed_fields(model, pairs)
        audit_rows = audit_update_rows(model, pairs, changed)
        if _bulk_update_changed(model, pairs, changed, now=now, source=source) != len(pairs):
            raise ConcurrentChange(
                _("Someone else changed this item at the same moment; reload it and try again.")
            )
        audit_rows_write(model, audit_rows)
        for item in candidates:
            item._update_initial_state()
        result.flagged = candidates
        return result


def review_confirm(*, item: ReviewableModel, user: User, comment: str = "") -> ReviewDecision:
    """Keep an item under re-review approved (rereview → approved; senior reviewers only); a
    suspension by bulk re-review ends."""
    with lifecycle_transaction():
        item = lock(item)
        require_action(item, user, Action.CONFIRM)
        decision = ReviewDecision.objects.create(
            revision=item.current_revision,
            reviewer=user,
            outcome=DecisionOutcome.CONFIRM,
            customer_comment=_check_text(comment, _("comment")),
            findings=list(item.current_revision.findings),
        )
        item.confirm(at=timezone.now(), by=user, description=comment or None)
        item.save()
        return decision


def review_revoke(
    *,
    item: ReviewableModel,
    user: User,
    reasons: Iterable[ReasonCode | str],
    comment: str = "",
    internal_note: str = "",
) -> ReviewDecision:
    """Revoke an item under re-review (rereview → revoked) with at least one reason, which the
    customer is shown; a suspension by bulk re-review ends (the item is revoked instead)."""
    with lifecycle_transaction():
        item = lock(item)
        require_action(item, user, Action.REVOKE)
        codes = _reason_codes(reasons)
        decision = ReviewDecision.objects.create(
            revision=item.current_revision,
            reviewer=user,
            outcome=DecisionOutcome.REVOKE,
            customer_comment=_check_text(comment, _("comment")),
            internal_note=_check_text(internal_note, _("internal note")),
            findings=list(item.current_revision.findings),
        )
        decision.reasons.set(codes)
        item.revoke(at=timezone.now(), by=user, description=", ".join(c.code for c in codes))
        item.save()
        notification_send_to_account(
            account=item.account,
            kind="rereview",
            subject=item,
            render=lambda: (
                _("Revoked: %(item)s") % {"item": _label(item)},
                _("%(item)s can no longer be used. Reasons:") % {"item": _label(item)}
                + "\n"
                + _reasons_text(codes),
            ),
        )
        return decision
