"""Reads for signatures: what the pre-check needs from the database, and the findings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, ManyToOneRel, OuterRef, Q
from django.utils import timezone

from reviewportal.models import ReviewState
from reviewportal.precheck import findings_to_dicts, run_signature_checks
from reviewportal.precheck.engine import QUALIFICATION, run_checks
from reviewportal.precheck.text import normalize
from signatures.check_input import (
    AuthorizationFacts,
    QualificationFacts,
    TrademarkFacts,
    signature_input,
)
from signatures.models import (
    Authorization,
    DomainVerification,
    Material,
    NeutralWord,
    Qualification,
    SignatureApplication,
    Trademark,
)
from signatures.rules import QualificationCheckInput, SignatureCheckInput

#: A signature in one of these states holds its content: another qualification may not apply for
#: the same one (SIG_TAKEN: "approved or pending").
HOLDING_STATES = (
    ReviewState.PENDING_REVIEW,
    ReviewState.UNDER_REVIEW,
    ReviewState.APPROVED,
    ReviewState.REREVIEW,
)


def neutral_words() -> tuple[str, ...]:
    return tuple(NeutralWord.objects.filter(is_active=True).values_list("word", flat=True))


def signature_is_taken(
    *,
    content: str,
    qualification_id: int | None = None,
    entity_name: str | None = None,
    exclude_pk: int | None = None,
) -> bool:
    """Is this signature approved or pending for another qualification (or, when only a name is
    known, for an entity of another name)?"""
    holders = SignatureApplication.objects.filter(
        content=normalize(content).strip(), state__in=HOLDING_STATES
    )
    if qualification_id is not None:
        holders = holders.exclude(qualification_id=qualification_id)
    if entity_name is not None:
        holders = holders.exclude(qualification__name=normalize(entity_name).strip())
    if exclude_pk is not None:
        holders = holders.exclude(pk=exclude_pk)
    return holders.exists()


def qualification_facts(qualification: Qualification | None) -> QualificationFacts | None:
    if qualification is None:
        return None
    return QualificationFacts(
        name=qualification.name,
        entity_kind=qualification.entity_kind,
        is_mainland=qualification.is_mainland,
        material_kinds=frozenset(m.kind for m in qualification.materials.all()),
    )


def trademark_facts(trademark: Trademark | None) -> TrademarkFacts | None:
    if trademark is None:
        return None
    return TrademarkFacts(
        name=trademark.name,
        owner_name=trademark.owner_name,
        has_certificate=bool(trademark.certificate_id),
    )


def authorization_facts(authorization: Authorization | None) -> AuthorizationFacts | None:
    if authorization is None:
        return None
    return AuthorizationFacts(
        partner_name=authorization.partner_name,
        has_letter=bool(authorization.letter_id),
        valid_from=authorization.valid_from,
        valid_until=authorization.valid_until,
        partner_kinds=frozenset(m.kind for m in authorization.partner_materials.all()),
    )


def signature_check_input(application: SignatureApplication, *, on: dt.date) -> SignatureCheckInput:
    """Gather everything the signature rules need about ``application`` as of ``on``."""
    return signature_input(
        content=application.content,
        sig_type=application.sig_type,
        purpose=application.purpose,
        on=on,
        qualification=qualification_facts(application.qualification),
        own_kinds={m.kind for m in application.materials.all()},
        trademark=trademark_facts(application.trademark),
        authorization=authorization_facts(application.authorization),
        neutral_words=neutral_words(),
        taken=signature_is_taken(
            content=application.content,
            qualification_id=application.qualification_id,
            exclude_pk=application.pk,
        ),
    )


def signature_live_findings(
    *,
    content: str,
    sig_type: str,
    purpose: str,
    qualification: Qualification | None,
    trademark: Trademark | None,
    authorization: Authorization | None,
    own_kinds: Iterable[str],
    on: dt.date,
) -> list:
    """The pre-check of a signature as the customer fills the form in: the same input as the
    submission's (``signature_input``), the documents it already has (``own_kinds``) with the
    chosen qualification, trademark and authorization."""
    facts = qualification_facts(qualification)
    entity_name = facts.name if facts is not None else ""
    partner_name = authorization.partner_name if authorization is not None else ""
    data = signature_input(
        content=content,
        sig_type=sig_type,
        purpose=purpose,
        on=on,
        qualification=facts,
        own_kinds=own_kinds,
        trademark=trademark_facts(trademark),
        authorization=authorization_facts(authorization),
        neutral_words=neutral_words(),
        taken=signature_is_taken(
            content=content, entity_name=partner_name if purpose == "other" else entity_name
        ),
    )
    return run_signature_checks(data, on=on)


def signature_findings(application: SignatureApplication, *, on: dt.date) -> list[dict]:
    """The pre-check findings of ``application`` as of ``on``, as stored on a revision."""
    return findings_to_dicts(run_signature_checks(signature_check_input(application, on=on), on=on))


def qualification_findings(qualification: Qualification, *, on: dt.date) -> list[dict]:
    """The findings of ``qualification`` as of ``on``: the documents its entity kind needs."""
    data = QualificationCheckInput(
        entity_kind=qualification.entity_kind,
        material_kinds=frozenset(m.kind for m in qualification.materials.all()),
    )
    return findings_to_dicts(run_checks(QUALIFICATION, data, on=on))


def signature_precheck_values(
    *,
    content: str,
    sig_type: str,
    entity_name: str,
    on: dt.date,
    purpose: str = "self",
    entity_kind: str = "enterprise",
    is_mainland: bool = True,
    material_kinds: frozenset[str] = frozenset(),
    trademark_name: str = "",
    trademark_owner: str = "",
    partner_name: str = "",
    has_authorization_letter: bool = False,
) -> list:
    """Check a signature given as plain values (the ``precheck`` command, the portal's live
    check): the rules plus the database's neutral words and existing signatures."""
    data = SignatureCheckInput(
        content=content,
        sig_type=sig_type,
        purpose=purpose,
        entity_name=entity_name,
        entity_kind=entity_kind,
        is_mainland=is_mainland,
        material_kinds=material_kinds,
        trademark_name=trademark_name,
        trademark_owner=trademark_owner,
        partner_name=partner_name,
        has_authorization_letter=has_authorization_letter,
        neutral_words=neutral_words(),
        taken=signature_is_taken(
            content=content, entity_name=partner_name if purpose == "other" else entity_name
        ),
    )
    return run_signature_checks(data, on=on)


@dataclass(frozen=True)
class DomainStatus:
    """One domain a qualification lists, and the reviewer's verification of it if any."""

    domain: str
    verification: DomainVerification | None

    @property
    def verified(self) -> bool:
        return self.verification is not None


def domain_statuses(qualification: Qualification) -> list[DomainStatus]:
    """The qualification's domains in its order, each with its verification. Verifications live
    on the qualification in force, so a change under review shows those of the domains it
    keeps; a domain no longer listed shows nothing."""
    in_force_id = qualification.change_of_id or qualification.pk
    verifications = {
        v.domain: v
        for v in DomainVerification.objects.filter(qualification_id=in_force_id).select_related(
            "evidence", "verified_by"
        )
    }
    return [DomainStatus(d, verifications.get(d)) for d in qualification.verified_domains or []]


# --- staged uploads ------------------------------------------------------------------------------


def staged_for() -> dt.timedelta:
    """How long a staged upload (a file kept for a refused form) may still be used."""
    return dt.timedelta(hours=settings.UPLOAD_POLICY["STAGED_HOURS"])


#: A staged upload is deleted this long after it stopped being usable, so that a form sent
#: just before it expired has long finished using it.
PURGE_GRACE = dt.timedelta(hours=1)


def unattached_filter() -> Q:
    """Materials nothing refers to: no application, trademark, authorization or domain
    verification, through any relation pointing at Material (found from the model, so a new
    one counts too)."""
    condition = Q()
    for relation in Material._meta.get_fields(include_hidden=True):
        if isinstance(relation, ManyToOneRel):  # foreign keys, and the rows of many-to-many
            users = relation.related_model._base_manager.filter(
                **{relation.field.name: OuterRef("pk")}
            )
            condition &= ~Exists(users)
    return condition


def staged_material_filter(*, expired: bool = False, now=None) -> Q:
    """Staged Materials (attached to nothing) still usable by a form, or, with ``expired``,
    those past the staging time and its grace: what the clean-up may delete with their files,
    once it has left out the ones a revision's snapshot names (a document an edit replaced is
    attached to nothing either, yet the history shows it)."""
    now = now or timezone.now()
    if expired:
        age = Q(created_at__lt=now - staged_for() - PURGE_GRACE)
    else:
        age = Q(created_at__gte=now - staged_for())
    return unattached_filter() & age


def material_ids_in(snapshot) -> Iterator[int]:
    """The ids of the materials a revision's snapshot names, wherever it nests them (an item's
    own, its qualification's, its letter and certificate): each is ``Material.snapshot()``."""
    if isinstance(snapshot, dict):
        if {"id", "kind", "sha256"} <= snapshot.keys() and isinstance(snapshot["id"], int):
            yield snapshot["id"]
        for value in snapshot.values():
            yield from material_ids_in(value)
    elif isinstance(snapshot, list):
        for value in snapshot:
            yield from material_ids_in(value)


def staged_materials_expired(*, now=None):
    """The staged uploads the clean-up deletes: attached to nothing, named by no revision
    (``in_revision``), past the staging time and its grace."""
    return Material.objects.filter(
        staged_material_filter(expired=True, now=now), in_revision=False
    ).order_by("pk")
