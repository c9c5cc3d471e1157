"""The review page of one item (qualification, signature or template) and the POST views its
buttons call. The buttons come from ``available_actions``, the same list the services check."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.http import (
    Http404,
    HttpRequest,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from carriers.models import CarrierFiling
from console.findings import render_findings
from reviewportal.errors import ReviewError
from reviewportal.identifiers import parse_row_id
from reviewportal.kinds import kind_of
from reviewportal.models import (
    DecisionOutcome,
    ReasonCode,
    ReviewableModel,
    UrgentTicket,
    User,
)
from reviewportal.models.lifecycle import QUEUE_STATES, ReviewState
from reviewportal.permissions import (
    PERM_REVIEW,
    PERM_SENSITIVE,
    PERM_URGENT,
    Action,
    ApprovalStep,
    action_label,
    available_actions,
    four_eyes_step,
    may_write_internal_note,
)
from reviewportal.selectors import (
    decisions_for,
    internal_notes_for,
    revisions_for,
    staff_with_permission,
    transition_log_for,
)
from reviewportal.services import lifecycle as lc
from reviewportal.services.claims import review_claim_next
from reviewportal.services.findings import findings_for
from reviewportal.services.notes import internal_note_add
from reviewportal.services.sensitive import id_numbers_unmask
from reviewportal.services.sla import business_calendar, sla_status
from reviewportal.services.urgent import urgent_ticket_accept, urgent_ticket_decline
from reviewportal.validators import mask_id_number
from signatures.models import DomainVerification, MaterialKind
from signatures.selectors import domain_statuses
from signatures.services import domain_verification_withdraw, domain_verify, material_open
from signatures.serving import material_response
from signatures.uploads import too_large

from .diff import materials_diff, snapshot_diff
from .filings import filing_due_badge

#: The actions the console offers as buttons, in this order (customer actions and the bulk
#: re-review flag live elsewhere).
CONSOLE_ACTIONS = (
    Action.CLAIM,
    Action.APPROVE,
    Action.REJECT,
    Action.CONFIRM,
    Action.REVOKE,
    Action.RELEASE,
    Action.REASSIGN,
)


def reason_scope(model) -> str | None:
    """Which reason codes of the catalogue apply to items of ``model`` (its kind says)."""
    kind = kind_of(model)
    return kind.reason_scope if kind else None


def post_only(view):
    """``require_POST`` for views that take the model admin first."""

    @functools.wraps(view)
    def wrapper(modeladmin, request, *args, **kwargs):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return view(modeladmin, request, *args, **kwargs)

    return wrapper


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def qualification_of(item: ReviewableModel):
    kind = kind_of(item)
    return kind.qualification(item) if kind else None


def materials_of(item: ReviewableModel, *, domains=None) -> list:
    """Every material a reviewer of ``item`` may need to look at, each once: the item's own, its
    qualification's, its authorization letter and trademark certificate. ``domains``: the
    qualification's ``domain_statuses`` when the caller has read them already."""
    found: dict[int, object] = {}
    for material in item.materials.all():
        found.setdefault(material.pk, material)
    qualification = qualification_of(item)
    if qualification is not None and qualification is not item:
        for material in qualification.materials.all():
            found.setdefault(material.pk, material)
    if qualification is not None:
        for status in domain_statuses(qualification) if domains is None else domains:
            if status.verified:
                found.setdefault(status.verification.evidence_id, status.verification.evidence)
    kind = kind_of(item)
    for material in kind.related_materials(item) if kind else ():
        found.setdefault(material.pk, material)
    return list(found.values())


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str
    who: str
    title: str
    text: str = ""


def _who(user) -> str:
    if user is None:
        return _("system")
    return user.display_name() if hasattr(user, "display_name") else str(user)


def timeline_for(item: ReviewableModel, decisions: list, tickets=None) -> list[Event]:
    """Transitions, decisions (with internal notes), the staff's internal notes, urgent tickets
    (``urgent_tickets_of``, read here unless given) and carrier filings of ``item``, newest
    first. For the console only: the portal builds its own timeline, which shows no note."""
    events: list[Event] = []
    for note in internal_notes_for(item):
        events.append(
            Event(
                at=note.created_at,
                kind="note",
                who=_who(note.author),
                title=_("Internal note (staff only)"),
                text=note.text,
            )
        )
    states = dict(type(item)._meta.get_field("state").choices)
    reasons_by_code = None
    for log in transition_log_for(item):
        text = log.description or ""
        if log.state in (ReviewState.REJECTED, ReviewState.REVOKED) and text:
            # A rejection or revocation records its reason codes: show their titles.
            if reasons_by_code is None:
                reasons_by_code = {r.code: r.title for r in ReasonCode.objects.all()}
            text = ", ".join(reasons_by_code.get(c.strip(), c.strip()) for c in text.split(","))
        events.append(
            Event(
                at=log.timestamp,
                kind="transition",
                who=_who(log.by),
                title=f"{states.get(log.source_state, log.source_state)} → "
                f"{states.get(log.state, log.state)}",
                text=text,
            )
        )
    for decision in decisions:
        reasons = ", ".join(r.title for r in decision.reasons.all())
        text = "\n".join(
            part
            for part in (
                reasons,
                decision.customer_comment,
                (_("Internal note: %(note)s") % {"note": decision.internal_note})
                if decision.internal_note
                else "",
            )
            if part
        )
        events.append(
            Event(
                at=decision.created_at,
                kind=f"decision decision-{decision.outcome}",
                who=_who(decision.reviewer),
                title=f"{decision.get_outcome_display()} · "
                + _("Revision %(number)s") % {"number": decision.revision.number},
                text=text,
            )
        )
    for ticket in urgent_tickets_of(item) if tickets is None else tickets:
        events.append(
            Event(
                at=ticket.created_at,
                kind="urgent",
                who=_who(ticket.requested_by),
                title=_("Urgent request %(ticket)s") % {"ticket": ticket.public_id},
                text=ticket.reason,
            )
        )
        if ticket.handled_at:
            events.append(
                Event(
                    at=ticket.handled_at,
                    kind="urgent",
                    who=_who(ticket.handled_by),
                    title=f"{ticket.public_id}: {ticket.get_state_display()}",
                    text=ticket.note,
                )
            )
    events.sort(key=lambda e: e.at, reverse=True)
    return events


def urgent_tickets_of(item: ReviewableModel) -> list[UrgentTicket]:
    return list(
        UrgentTicket.objects.filter(
            content_type=ContentType.objects.get_for_model(item), object_id=item.pk
        )
        .select_related("requested_by", "handled_by")
        .order_by("-created_at")
    )


def filings_of(item: ReviewableModel, *, calendar=None) -> list:
    """The item's carrier filings in carrier order, each with its due-time badge
    (``due_badge``); one query, and one calendar for all of them."""
    if not CarrierFiling.kept_for(type(item)):
        return []
    filings = list(
        CarrierFiling.objects.of(item)
        .select_related("carrier", "revision")
        .order_by("carrier__sort_order")
    )
    if filings:
        calendar = calendar or business_calendar()
    for filing in filings:
        filing.due_badge = filing_due_badge(filing, calendar=calendar)
    return filings


def item_sla(item: ReviewableModel, *, calendar=None):
    """The item's SLA status, or None (also when the calendar no longer covers the days in
    between: the page still opens)."""
    try:
        return sla_status(item, calendar=calendar)
    except ReviewError:
        return None


def _reason_codes_for(item: ReviewableModel) -> list[ReasonCode]:
    scope = reason_scope(type(item))
    return list(ReasonCode.objects.filter(is_active=True, applies_to__in=[ReasonCode.ANY, scope]))


def _id_numbers(qualification, unmasked: dict) -> list[dict]:
    rows = []
    for field, label in (
        ("legal_rep_id_number", _("Legal representative ID number")),
        ("agent_id_number", _("Agent ID number")),
    ):
        value = getattr(qualification, field)
        if value:
            rows.append(
                {
                    "label": label,
                    "value": unmasked.get(field) or mask_id_number(value),
                    "unmasked": field in unmasked,
                }
            )
    return rows


@dataclass(frozen=True)
class Comparison:
    """What the current revision is compared with, and the two columns' headings."""

    before: object
    before_label: str
    after_label: str


def _comparison(item, current, previous) -> Comparison | None:
    """The previous revision of ``item``; for the first revision of a qualification change, the
    revision of the qualification in force that it changes (so a change is never "a first
    submission with nothing to compare")."""
    if current is None:
        return None
    after = _("Revision %(number)s") % {"number": current.number}
    if previous is not None:
        return Comparison(previous, _("Revision %(number)s") % {"number": previous.number}, after)
    original = getattr(item, "change_of", None)
    in_force = original.current_revision if original is not None else None
    if in_force is None:
        return None
    return Comparison(
        in_force,
        _("In force (%(item)s, revision %(number)s)")
        % {"item": original.public_id, "number": in_force.number},
        _("This change"),
    )


def _field_label(model, key: str) -> str:
    """A snapshot key (``use_case``, ``qualification.name``) as the reader knows the field: its
    verbose name, after the related object's for a nested one; a key that is no field (a
    computed value) is shown as it is."""
    labels: list[str] = []
    parts = key.split(".")
    for index, part in enumerate(parts):
        try:
            field = model._meta.get_field(part) if model is not None else None
        except FieldDoesNotExist:
            field = None
        if field is None:
            labels.extend(parts[index:])
            break
        labels.append(capfirst(str(field.verbose_name)))
        model = field.related_model
    return " › ".join(labels)


def _labelled(item, changes: list) -> list[dict]:
    return [{"label": _field_label(type(item), c.field), "change": c} for c in changes]


def _material_labelled(changes: list) -> list[dict]:
    labels = dict(MaterialKind.choices)
    words = {"added": _("added"), "removed": _("removed"), "replaced": _("replaced")}
    return [
        {"label": labels.get(c.kind, c.kind), "word": words[c.change], "change": c} for c in changes
    ]


def review_context(modeladmin, request: HttpRequest, item: ReviewableModel, unmasked=None) -> dict:
    """Everything the review page shows about ``item`` to ``request.user``."""
    user = request.user
    revisions = list(revisions_for(item))
    # The current revision is one of the item's revisions: no second query for it.
    for revision in revisions:
        if revision.pk == item.current_revision_id:
            item.current_revision = revision
    current = item.current_revision
    previous = None
    if current is not None:
        earlier = [r for r in revisions if r.number < current.number]
        previous = earlier[-1] if earlier else None
    compared = _comparison(item, current, previous)
    decisions = list(decisions_for(item))
    actions = [a for a in available_actions(item, user) if a in CONSOLE_ACTIONS]
    # The approval re-runs the pre-check as of today (rules have effective dates), so the page
    # shows today's findings beside those frozen at submission, and four eyes follows either.
    findings_now = findings_for(item) if item.state in QUEUE_STATES else None
    blocking = bool(current and current.has_blocking_findings) or bool(
        findings_now and any(f.get("severity") == "block" for f in findings_now)
    )
    first_approvals = [
        d
        for d in decisions
        if current and d.revision_id == current.pk and d.outcome == DecisionOutcome.FIRST_APPROVAL
    ]
    # The approve button says what the service will record, and is absent when it would refuse.
    approval = ApprovalStep.FINAL if Action.APPROVE in actions else None
    if approval and blocking:
        approval = four_eyes_step(
            user=user,
            first_approver_ids={d.reviewer_id for d in first_approvals},
            claimer_id=item.claimed_by_id,
        )
        if approval is None:
            actions.remove(Action.APPROVE)
    qualification = qualification_of(item)
    domains = domain_statuses(qualification) if qualification else []
    tickets = urgent_tickets_of(item)
    calendar = business_calendar()
    opts = item._meta
    info = (opts.app_label, opts.model_name)
    return {
        "title": str(item),
        "opts": opts,
        "item": item,
        "kind": opts.model_name,
        "qualification": qualification,
        "id_numbers": _id_numbers(qualification, unmasked or {}) if qualification else [],
        "domains": domains,
        "may_verify_domains": user.is_staff and user.has_perm(PERM_REVIEW),
        "may_unmask": user.has_perm(PERM_SENSITIVE),
        "current": current,
        "previous": previous,
        "revisions": revisions,
        "compared": compared,
        "changes": _labelled(item, snapshot_diff(compared.before.snapshot, current.snapshot))
        if compared
        else [],
        "material_changes": _material_labelled(
            materials_diff(compared.before.snapshot, current.snapshot)
        )
        if compared
        else [],
        "findings_html": modeladmin.findings(item),
        "findings_now_html": render_findings(findings_now)
        if findings_now is not None and current and findings_now != current.findings
        else None,
        "blocking": blocking,
        "first_approvals": first_approvals,
        "approval": approval,
        "decisions": decisions,
        "materials": materials_of(item, domains=domains),
        "timeline": timeline_for(item, decisions, tickets),
        "may_write_note": may_write_internal_note(item, user),
        "tickets": tickets,
        "may_answer_urgent": user.has_perm(PERM_URGENT),
        "filings": filings_of(item, calendar=calendar),
        "sla": item_sla(item, calendar=calendar),
        "actions": [{"code": str(a), "label": action_label(a)} for a in actions],
        "action_codes": {str(a) for a in actions},
        "reason_codes": _reason_codes_for(item)
        if {Action.REJECT, Action.REVOKE} & set(actions)
        else [],
        "reviewers": list(staff_with_permission(PERM_REVIEW).exclude(pk=item.claimed_by_id))
        if Action.REASSIGN in actions
        else [],
        "url_prefix": f"admin:{info[0]}_{info[1]}",
        "changelist_url": reverse("admin:{}_{}_changelist".format(*info)),
    }


def review_page(modeladmin, request, item, *, unmasked=None) -> TemplateResponse:
    context = {
        **modeladmin.admin_site.each_context(request),
        **review_context(modeladmin, request, item, unmasked=unmasked),
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(request, "admin/reviewportal/review.html", context)


def _item_url(item) -> str:
    return reverse(f"admin:{item._meta.app_label}_{item._meta.model_name}_change", args=[item.pk])


def _first_approval_message(item) -> str:
    return _(
        "First approval of %(item)s recorded. It has blocking findings: a senior reviewer other "
        "than you must give the second approval."
    ) % {"item": item}


def action_take(*, item, user, action: Action, data) -> str:
    """Call the service behind ``action`` with the form's ``data``; return what to tell the
    user. Raises ReviewError from the service."""
    comment = data.get("comment", "")
    note = data.get("internal_note", "")
    if action == Action.CLAIM:
        lc.review_claim(item=item, user=user)
        return _("You have claimed %(item)s.") % {"item": item}
    if action == Action.RELEASE:
        lc.review_release(item=item, user=user, reason=comment)
        return _("%(item)s is back in the queue.") % {"item": item}
    if action == Action.REASSIGN:
        to = User.objects.filter(pk=parse_row_id(data.get("to"))).first()
        if to is None:
            raise ReviewError(_("Choose the reviewer to give the item to."))
        lc.review_reassign(item=item, user=user, to=to)
        return _("%(item)s is now claimed by %(user)s.") % {"item": item, "user": to.display_name()}
    if action == Action.APPROVE:
        decision = lc.review_approve(item=item, user=user, comment=comment, internal_note=note)
        if decision.outcome == DecisionOutcome.FIRST_APPROVAL:
            return _first_approval_message(item)
        return _("%(item)s is approved.") % {"item": item}
    if action == Action.REJECT:
        lc.review_reject(
            item=item,
            user=user,
            reasons=data.getlist("reasons"),
            comment=comment,
            internal_note=note,
        )
        return _("%(item)s is rejected; the customer will see the reasons.") % {"item": item}
    if action == Action.CONFIRM:
        lc.review_confirm(item=item, user=user, comment=comment)
        return _("%(item)s stays approved.") % {"item": item}
    if action == Action.REVOKE:
        lc.review_revoke(
            item=item,
            user=user,
            reasons=data.getlist("reasons"),
            comment=comment,
            internal_note=note,
        )
        return _("%(item)s is revoked.") % {"item": item}
    raise ReviewError(_("This action is not available in the console."))


@post_only
def action_view(modeladmin, request, object_id, action):
    item = get_object_or_404(modeladmin.model, pk=object_id)
    try:
        chosen = Action(action)
    except ValueError:
        raise Http404 from None
    if chosen not in CONSOLE_ACTIONS:
        raise Http404
    try:
        text = action_take(item=item, user=request.user, action=chosen, data=request.POST)
    except ReviewError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(_item_url(item))
    messages.success(request, text)
    if chosen in (Action.APPROVE, Action.REJECT, Action.CONFIRM, Action.REVOKE, Action.REASSIGN):
        # The state read again, not refresh_from_db(): django-fsm's refresh of a protected
        # field lifts the protection on the field itself, for every thread of the process, so
        # two threads refreshing at once fail ("Direct state modification is not allowed").
        state = type(item)._default_manager.filter(pk=item.pk).values_list("state", flat=True)
        if state.first() != "under_review" or chosen != Action.APPROVE:
            return HttpResponseRedirect(
                reverse(f"admin:{item._meta.app_label}_{item._meta.model_name}_changelist")
            )
    return HttpResponseRedirect(_item_url(item))


def material_view(modeladmin, request, object_id, material_id):
    """Stream one of the item's materials through ``material_open`` (right checked, view
    logged). A material that is not the item's is not found."""

    item = get_object_or_404(modeladmin.model, pk=object_id)
    material = next((m for m in materials_of(item) if m.pk == int(material_id)), None)
    if material is None:
        raise Http404
    try:
        handle = material_open(material=material, user=request.user, ip_address=client_ip(request))
    except ReviewError:
        raise Http404 from None
    return material_response(material, handle)


@post_only
def unmask_view(modeladmin, request, object_id):

    item = get_object_or_404(modeladmin.model, pk=object_id)
    qualification = qualification_of(item)
    try:
        shown = id_numbers_unmask(
            qualification=qualification, user=request.user, ip_address=client_ip(request)
        )
    except ReviewError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(_item_url(item))
    return review_page(modeladmin, request, item, unmasked=shown)


@post_only
def note_view(modeladmin, request, object_id):
    """Write the note of the review page's form through ``internal_note_add`` (which checks the
    permission) and go back to the page, with the service's message when it refuses."""
    item = get_object_or_404(modeladmin.model, pk=object_id)
    try:
        internal_note_add(item=item, user=request.user, text=request.POST.get("text", ""))
    except ReviewError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Internal note added to %(item)s; only staff see it.") % {"item": item}
        )
    return HttpResponseRedirect(_item_url(item))


@post_only
def domain_verify_view(modeladmin, request, object_id):
    """Mark one of the qualification's domains verified, with the ICP filing screenshot the
    reviewer uploads (``domain_verify`` checks the permission, the domain and the file)."""
    item = get_object_or_404(modeladmin.model, pk=object_id)
    qualification = qualification_of(item)
    upload = request.FILES.get("evidence")
    try:
        if qualification is None:
            raise Http404
        if not upload:
            raise ReviewError(_("Attach the ICP filing screenshot you checked."))
        if getattr(upload, "oversized", False) or upload.size > settings.UPLOAD_POLICY["MAX_BYTES"]:
            raise ReviewError(" ".join(too_large(upload.size).messages))
        verification = domain_verify(
            qualification=qualification,
            domain=request.POST.get("domain", ""),
            icp_number=request.POST.get("icp_number", ""),
            data=upload.read(),
            original_name=upload.name,
            user=request.user,
        )
    except ReviewError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Marked %(domain)s as verified.") % {"domain": verification.domain}
        )
    return HttpResponseRedirect(_item_url(item) + "#qualification")


@post_only
def domain_withdraw_view(modeladmin, request, object_id, verification_id):
    item = get_object_or_404(modeladmin.model, pk=object_id)
    qualification = qualification_of(item)
    if qualification is None:
        raise Http404
    verification = get_object_or_404(
        DomainVerification,
        pk=verification_id,
        qualification_id=qualification.change_of_id or qualification.pk,
    )
    try:
        domain_verification_withdraw(verification=verification, user=request.user)
    except ReviewError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The verification of %(domain)s is withdrawn.") % {"domain": verification.domain},
        )
    return HttpResponseRedirect(_item_url(item) + "#qualification")


@post_only
def urgent_view(modeladmin, request, object_id, ticket_id):
    item = get_object_or_404(modeladmin.model, pk=object_id)
    ticket = get_object_or_404(
        UrgentTicket,
        pk=ticket_id,
        content_type=ContentType.objects.get_for_model(item),
        object_id=item.pk,
    )
    note = request.POST.get("note", "")
    try:
        if request.POST.get("answer") == "accept":
            urgent_ticket_accept(ticket=ticket, user=request.user, note=note)
            messages.success(
                request, _("Urgent request %(ticket)s accepted.") % {"ticket": ticket.public_id}
            )
        else:
            urgent_ticket_decline(ticket=ticket, user=request.user, note=note)
            messages.success(
                request, _("Urgent request %(ticket)s declined.") % {"ticket": ticket.public_id}
            )
    except ReviewError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(_item_url(item))


def claim_next_view(modeladmin, request):
    """Claim the head of this kind's queue and open it; say so when the queue is empty."""

    if request.method != "POST":
        return HttpResponseRedirect(
            reverse(f"admin:{modeladmin.opts.app_label}_{modeladmin.opts.model_name}_changelist")
        )
    try:
        item = review_claim_next(user=request.user, models=[modeladmin.model])
    except ReviewError as exc:
        messages.error(request, exc.message)
        item = None
    else:
        if item is None:
            messages.info(request, _("Nothing is waiting in this queue."))
    if item is None:
        return HttpResponseRedirect(
            reverse(f"admin:{modeladmin.opts.app_label}_{modeladmin.opts.model_name}_changelist")
        )
    messages.success(request, _("You have claimed %(item)s.") % {"item": item})
    return HttpResponseRedirect(_item_url(item))
