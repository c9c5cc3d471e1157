"""The permission table (SPEC §1, §3): every role × every action × every kind of item under
review, allowed or refused, through the services themselves, and the console's buttons
(``available_actions``) shown exactly when the service would accept.

The table below is written out from SPEC §1, independently of ``reviewportal.permissions``.
Each case brings a fresh item to the state its action starts from (``tests.states.walk_to``),
then calls the service as the role's user: an allowed case must do what the action does; a
refused one must raise PermissionRefused or NotFoundForUser (another account's item looks like
a missing one) and write nothing at all.

Roles:

``owner``      a customer user of the item's account
``other``      a customer user of another account
``reviewer``   a Reviewer who does not hold the item's claim
``claimer``    the Reviewer who holds the claim (only where the item is claimed: under review)
``senior``     a Senior reviewer who does not hold the claim (stepping in on someone else's)
``support``    Support
``auditor``    Auditor
``superuser``  an active staff superuser without a role group (no account, like all staff)
``inactive``   a Reviewer whose account was deactivated; where the item is claimed, it is the
               deactivated reviewer's own claim (their claim gives them no right any more)

Actions and the state each starts from:

``submit`` draft; ``edit`` and ``withdraw`` pending review (an edit resubmits);
``claim`` pending review; ``release``, ``reassign`` (to a third reviewer), ``approve`` (no
blocking finding, so no four eyes) and ``reject`` under review, claimed by the claimer;
``flag_for_rereview`` approved; ``confirm`` and ``revoke`` re-review; ``note`` (write an
internal note), ``urgent_accept`` / ``urgent_decline`` (answer the customer's open urgent
ticket), ``unmask_ids`` (see the full ID numbers of the item's qualification — for a signature
or template, the qualification behind it), ``material_open`` (a material attached to the item)
and ``domain_verify`` (verify a domain of the item's qualification) on an item pending review.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.apps import apps

from reviewportal.errors import NotFoundForUser, PermissionRefused
from reviewportal.models import AccessLog, InternalNote, ReviewState, UrgentTicket, User
from reviewportal.permissions import Action, available_actions, may_write_internal_note
from reviewportal.selectors import transition_log_for
from reviewportal.services import lifecycle as lc
from reviewportal.services.notes import internal_note_add
from reviewportal.services.sensitive import id_numbers_unmask
from reviewportal.services.urgent import (
    urgent_ticket_accept,
    urgent_ticket_decline,
    urgent_ticket_file,
)
from signatures.models import DomainVerification, Qualification, SignatureApplication
from signatures.services import (
    domain_verify,
    material_may_view,
    material_open,
    qualification_update,
    signature_application_update,
)
from templates.models import TemplateApplication
from templates.services import template_application_update
from tests.factories import (
    AccountFactory,
    CustomerFactory,
    QualificationFactory,
    SignatureApplicationFactory,
    StaffFactory,
    TemplateApplicationFactory,
    make_material,
    png_bytes,
)
from tests.states import walk_to

S = ReviewState

# Y allowed, - refused, . not a case (nobody holds a claim in that state, so there is no
# claimer distinct from "reviewer"). The same for every kind.
TABLE_TEXT = """
action             owner other reviewer claimer senior support auditor superuser inactive
submit             Y     -     -        .       -      -       -       -         -
edit               Y     -     -        .       -      -       -       -         -
withdraw           Y     -     -        .       -      -       -       -         -
claim              -     -     Y        .       Y      -       -       Y         -
release            -     -     -        Y       Y      -       -       Y         -
reassign           -     -     -        -       Y      -       -       Y         -
approve            -     -     -        Y       Y      -       -       Y         -
reject             -     -     -        Y       Y      -       -       Y         -
flag_for_rereview  -     -     -        .       Y      -       -       Y         -
confirm            -     -     -        .       Y      -       -       Y         -
revoke             -     -     Y        .       Y      -       -       Y         -
note               -     -     Y        .       Y      Y       -       Y         -
urgent_accept      -     -     -        .       Y      Y       -       Y         -
urgent_decline     -     -     -        .       Y      Y       -       Y         -
unmask_ids         -     -     -        .       Y      -       -       Y         -
material_open      Y     -     Y        .       Y      Y       Y       Y         -
domain_verify      -     -     Y        .       Y      -       -       Y         -
"""
# Why, from SPEC §1:
# - submit / edit / withdraw are the customer's own ("applies", "edits and resubmits"), for
#   its own account only ("everything a customer sees is scoped to its account"); staff never
#   act as a customer.
# - claim, approve, reject: reviewers; approve / reject / release of a claimed item by its
#   claimer, or by a senior reviewer stepping in (seniors reassign, so they may also decide or
#   hand back someone else's claim); another plain reviewer may not.
# - reassign, flag for re-review (an escalation), confirm (keeping an item approved over the
#   blocking findings of a re-review is overriding them): senior reviewers only. Revoking
#   agrees with the findings, a plain decision with reasons like a rejection: any reviewer.
# - internal notes: reviewers, senior reviewers, support; not the read-only auditor.
# - urgent tickets: support "accepts or declines", senior reviewers "handle urgent items".
# - full ID numbers: only a role with "view sensitive" (§10), the senior reviewer: a
#   plain reviewer judges the masked number and the ID card photo.
# - materials: customers see their own account's; all staff roles read them (the auditor is
#   read-only, not blind); every view is logged.
# - domains: verified by those who review (reviewers and seniors).
# - a superuser may do every staff action; an inactive user nothing.

ROLES = tuple(TABLE_TEXT.split("\n")[1].split()[1:])
TABLE: dict[tuple[str, str], bool] = {
    (line.split()[0], role): mark == "Y"
    for line in TABLE_TEXT.strip().split("\n")[1:]
    for role, mark in zip(ROLES, line.split()[1:], strict=True)
    if mark != "."
}
ACTIONS = tuple(dict.fromkeys(action for action, _role in TABLE))
KINDS = ("qualification", "signature", "template")

#: The state each action is tried from: the one in which it is possible for the right user.
STATE_FOR = {
    "submit": S.DRAFT,
    "edit": S.PENDING_REVIEW,
    "withdraw": S.PENDING_REVIEW,
    "claim": S.PENDING_REVIEW,
    "release": S.UNDER_REVIEW,
    "reassign": S.UNDER_REVIEW,
    "approve": S.UNDER_REVIEW,
    "reject": S.UNDER_REVIEW,
    "flag_for_rereview": S.APPROVED,
    "confirm": S.REREVIEW,
    "revoke": S.REREVIEW,
    "note": S.PENDING_REVIEW,
    "urgent_accept": S.PENDING_REVIEW,
    "urgent_decline": S.PENDING_REVIEW,
    "unmask_ids": S.PENDING_REVIEW,
    "material_open": S.PENDING_REVIEW,
    "domain_verify": S.PENDING_REVIEW,
}

#: The state an allowed lifecycle action leaves the item in.
STATE_AFTER = {
    "submit": S.PENDING_REVIEW,
    "edit": S.PENDING_REVIEW,
    "withdraw": S.WITHDRAWN,
    "claim": S.UNDER_REVIEW,
    "release": S.PENDING_REVIEW,
    "reassign": S.UNDER_REVIEW,
    "approve": S.APPROVED,
    "reject": S.REJECTED,
    "flag_for_rereview": S.REREVIEW,
    "confirm": S.APPROVED,
    "revoke": S.REVOKED,
}

BLOCK = {
    "code": "SIG_TYPE_NOT_ACCEPTED",
    "severity": "block",
    "field": "sig_type",
    "message": "rule changed",
    "params": {},
}
DOMAIN = "jiguang.cn"  # one of QualificationFactory's domains

#: Cases that show a real bug: (kind, action, role) → reason. The test keeps asserting SPEC.
KNOWN_BUGS: dict[tuple[str, str, str], str] = {}


@dataclass
class World:
    kind: str
    action: str
    role: str
    item: object
    owner: User
    actor: User
    target: User | None = None
    material: object | None = None
    ticket: UrgentTicket | None = None

    @property
    def qualification(self) -> Qualification:
        """The qualification of the item: the item itself, or the one behind it."""
        if self.kind == "qualification":
            return self.item
        if self.kind == "signature":
            return self.item.qualification
        return self.item.signature.qualification

    def fresh(self):
        return type(self.item).objects.get(pk=self.item.pk)


def _actor(role: str, *, owner: User, claimer: User) -> User:
    if role == "owner":
        return owner
    if role == "other":
        return CustomerFactory()
    if role == "claimer":
        return claimer
    if role == "superuser":
        return StaffFactory(is_superuser=True)
    # The inactive reviewer is deactivated once the item is where the case needs it.
    group = {
        "reviewer": "Reviewer",
        "senior": "Senior reviewer",
        "support": "Support",
        "auditor": "Auditor",
        "inactive": "Reviewer",
    }[role]
    return StaffFactory(role=group)


def _world(kind: str, action: str, role: str) -> World:
    account = AccountFactory()
    owner = CustomerFactory(account=account)
    claimer = StaffFactory(role="Reviewer")
    flagger = StaffFactory(role="Senior reviewer")
    actor = _actor(role, owner=owner, claimer=claimer)
    state = STATE_FOR[action]
    walker = actor if role == "inactive" and state == S.UNDER_REVIEW else claimer
    people = {"customer": owner, "reviewer": walker, "senior": flagger}
    parents = {"customer": owner, "reviewer": claimer, "senior": flagger}

    qualification = QualificationFactory(account=account)
    if kind == "qualification":
        item = qualification
    else:
        qualification = walk_to(qualification, S.APPROVED, **parents)
        signature = SignatureApplicationFactory(qualification=qualification)
        if kind == "signature":
            item = signature
        else:
            signature = walk_to(signature, S.APPROVED, **parents)
            item = TemplateApplicationFactory(signature=signature)

    material = None
    if action == "material_open":
        if kind == "qualification":
            material = item.materials.order_by("pk").first()
        else:
            material = make_material(account, "other", user=owner)
            item.materials.add(material)

    item = walk_to(item, state, **people)
    world = World(
        kind=kind, action=action, role=role, item=item, owner=owner, actor=actor, material=material
    )
    if action == "reassign":
        world.target = StaffFactory(role="Reviewer")
    if action in ("urgent_accept", "urgent_decline"):
        world.ticket = urgent_ticket_file(item=item, user=owner, reason="产品明天上线，请加急审核")
    if role == "inactive":
        actor.is_active = False
        actor.save(update_fields=["is_active"])
    world.item = world.fresh()
    return world


def _act(w: World):
    """Take the case's action through its service, as the case's user."""
    item, user, action = w.item, w.actor, w.action
    if action == "submit":
        return lc.review_submit(item=item, user=user)
    if action == "edit":
        if w.kind == "qualification":
            return qualification_update(qualification=item, user=user, legal_rep_name="李四")
        if w.kind == "signature":
            return signature_application_update(application=item, user=user, use_case="补充说明")
        return template_application_update(application=item, user=user, remark="补充说明")
    if action == "withdraw":
        return lc.review_withdraw(item=item, user=user)
    if action == "claim":
        return lc.review_claim(item=item, user=user)
    if action == "release":
        return lc.review_release(item=item, user=user)
    if action == "reassign":
        return lc.review_reassign(item=item, user=user, to=w.target)
    if action == "approve":
        return lc.review_approve(item=item, user=user)
    if action == "reject":
        return lc.review_reject(item=item, user=user, reasons=["materials_unclear"])
    if action == "flag_for_rereview":
        return lc.review_flag_for_rereview(item=item, user=user, findings=[BLOCK])
    if action == "confirm":
        return lc.review_confirm(item=item, user=user)
    if action == "revoke":
        return lc.review_revoke(item=item, user=user, reasons=["materials_unclear"])
    if action == "note":
        return internal_note_add(item=item, user=user, text="客户来电说明了用途")
    if action == "urgent_accept":
        return urgent_ticket_accept(ticket=w.ticket, user=user)
    if action == "urgent_decline":
        return urgent_ticket_decline(ticket=w.ticket, user=user, note="排队中，按标准时限审核")
    if action == "unmask_ids":
        return id_numbers_unmask(qualification=w.qualification, user=user)
    if action == "material_open":
        handle = material_open(material=w.material, user=user)
        try:
            return handle.read()
        finally:
            handle.close()
    if action == "domain_verify":
        return domain_verify(
            qualification=w.qualification,
            domain=DOMAIN,
            user=user,
            data=png_bytes(),
            original_name="icp.png",
            icp_number="京ICP备12345678号-1",
        )
    raise AssertionError(action)


def _shown(w: World) -> bool | None:
    """Whether the console or portal offers the action to the case's user (None: no such
    helper for this action)."""
    if w.action in {a.value for a in Action}:
        return Action(w.action) in available_actions(w.item, w.actor)
    if w.action == "note":
        return may_write_internal_note(w.item, w.actor)
    if w.action == "material_open":
        return material_may_view(material=w.material, user=w.actor)
    return None


#: Models whose rows a refused action must leave exactly as they were (besides every table's
#: row count).
WATCHED = (Qualification, SignatureApplication, TemplateApplication, UrgentTicket, User)


def _footprint():
    counts = tuple(
        (model._meta.label, model._base_manager.count())
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    )
    rows = tuple(list(model._base_manager.order_by("pk").values()) for model in WATCHED)
    return counts, rows


def _check_done(w: World, result) -> None:
    """The allowed action did what it does."""
    item = w.fresh()
    action = w.action
    if action in STATE_AFTER:
        assert item.state == STATE_AFTER[action]
        assert transition_log_for(item).last().by == w.actor
    if action == "submit":
        assert item.current_revision.number == 1
    elif action == "edit":
        assert item.current_revision.number == 2
    elif action == "claim":
        assert item.claimed_by == w.actor
    elif action == "release":
        assert item.claimed_by is None
    elif action == "reassign":
        assert item.claimed_by == w.target
    elif action in ("approve", "reject", "confirm", "revoke"):
        assert result.reviewer == w.actor and result.revision == item.current_revision
    elif action == "note":
        assert InternalNote.objects.filter(author=w.actor, object_id=item.pk).count() == 1
    elif action == "urgent_accept":
        assert result.state == UrgentTicket.State.ACCEPTED
        assert item.is_urgent
    elif action == "urgent_decline":
        assert result.state == UrgentTicket.State.DECLINED
        assert not item.is_urgent
    elif action == "unmask_ids":
        assert result["legal_rep_id_number"] == w.qualification.legal_rep_id_number
        logged = AccessLog.objects.filter(user=w.actor, action=AccessLog.Action.UNMASK_ID)
        assert logged.count() == len(result)
    elif action == "material_open":
        assert result.startswith(b"\x89PNG")
        assert AccessLog.objects.filter(
            user=w.actor, action=AccessLog.Action.VIEW_MATERIAL, object_id=w.material.pk
        ).exists()
    elif action == "domain_verify":
        assert DomainVerification.objects.get(domain=DOMAIN).verified_by == w.actor


def _param(kind: str, action: str, role: str):
    marks = []
    reason = KNOWN_BUGS.get((kind, action, role))
    if reason:
        marks.append(pytest.mark.xfail(strict=True, reason=reason))
    return pytest.param(kind, action, role, id=f"{kind}-{action}-{role}", marks=marks)


CASES = [
    _param(kind, action, role)
    for kind in KINDS
    for action in ACTIONS
    for role in ROLES
    if (action, role) in TABLE
]


def test_table_covers_every_action_and_role():
    assert {a.value for a in Action} <= set(ACTIONS)
    assert set(ACTIONS) == set(STATE_FOR)
    for action in ACTIONS:
        missing = [r for r in ROLES if (action, r) not in TABLE and r != "claimer"]
        assert not missing, (action, missing)


@pytest.mark.parametrize(("kind", "action", "role"), CASES)
def test_permission_table(kind, action, role, db):
    allowed = TABLE[action, role]
    w = _world(kind, action, role)
    assert w.item.state == STATE_FOR[action], "the case did not reach its starting state"

    shown = _shown(w)
    if shown is not None:
        assert shown is allowed, (
            f"offered={shown} but the table says allowed={allowed} for {role} / {action}"
        )

    if allowed:
        result = _act(w)
        _check_done(w, result)
    else:
        before = _footprint()
        with pytest.raises((PermissionRefused, NotFoundForUser)):
            _act(w)
        assert _footprint() == before, "a refused action must write nothing"
