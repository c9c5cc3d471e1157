"""Writes for qualifications, trademarks, authorizations, materials and signature applications.

Every service checks that the acting customer belongs to the account it writes to: another
account's objects are reported as not found, exactly as if they did not exist.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from reviewportal.errors import NotFoundForUser, PermissionRefused, ReviewError, TransitionRefused
from reviewportal.models import AccessLog, Account, ReviewState, User
from reviewportal.models.lifecycle import LIVE_STATES, OPEN_STATES
from reviewportal.permissions import (
    PERM_REVIEW,
    Action,
    is_staff_user,
    require_account_writer,
    require_action,
)
from reviewportal.precheck.text import normalize
from reviewportal.selectors import live_twin
from reviewportal.services.lifecycle import (
    LIFECYCLE_EXCLUDE,
    lifecycle_transaction,
    lock,
    review_flag_after_change,
    review_resubmit,
    review_submit,
    revision_create,
)
from reviewportal.services.notifications import translated_later
from reviewportal.validators import normalize_resident_id, normalize_uscc
from signatures.models import (
    AGENT_ID_ALLOWED_KINDS,
    Authorization,
    DomainVerification,
    Material,
    MaterialKind,
    Qualification,
    SignatureApplication,
    SignaturePurpose,
    SignatureType,
    Trademark,
)
from signatures.selectors import (
    material_ids_in,
    signature_findings,
    staged_materials_expired,
)
from signatures.uploads import inspect_upload

#: Qualification states a signature may rely on (a draft or a refused entity may not).
USABLE_QUALIFICATION_STATES = (
    ReviewState.PENDING_REVIEW,
    ReviewState.UNDER_REVIEW,
    ReviewState.APPROVED,
    ReviewState.REREVIEW,
)


def _require_member(user: User, account: Account) -> None:
    require_account_writer(user, account.pk)


def _same_account(obj, account: Account, what: str) -> None:
    if obj is not None and obj.account_id != account.pk:
        raise NotFoundForUser(_("%(what)s not found.") % {"what": what})


def _clean(instance, exclude: Iterable[str] = ()) -> None:
    """Run model validation and re-raise it as a ValidationError listing every field."""
    instance.full_clean(exclude=list(exclude))


# --- materials --------------------------------------------------------------------------------

logger = logging.getLogger(__name__)

#: Names of the files ``material_create`` stored within ``orphan_files_removed``.
_stored_files: ContextVar[list[str] | None] = ContextVar("stored_material_files", default=None)


@contextmanager
def orphan_files_removed() -> Iterator[None]:
    """Within this block, a file stored by ``material_create`` whose Material row does not exist
    when the block ends (its transaction was rolled back: a service refused after the upload
    was stored) is deleted from storage. Every request runs in one (``OrphanFilesMiddleware``);
    nested blocks leave the check to the outermost."""
    if _stored_files.get() is not None:
        yield
        return
    token = _stored_files.set([])
    try:
        yield
    finally:
        names = _stored_files.get() or []
        _stored_files.reset(token)
        if names:
            _delete_orphans(names)


def _delete_orphans(names: list[str]) -> None:
    kept = set(Material.objects.filter(file__in=names).values_list("file", flat=True))
    storage = Material._meta.get_field("file").storage
    for name in set(names) - kept:
        try:
            storage.delete(name)
        except Exception:  # the request's answer stands; the file is reported for clean-up
            logger.exception("Could not delete the orphaned upload %s", name)


def material_create(
    *, account: Account, user: User, kind: str, data: bytes, original_name: str
) -> Material:
    """Store an uploaded file after checking it by content (see ``signatures.uploads``).

    Raises ``ValidationError`` (nothing stored) for a bad file. Effects: the cleaned bytes are
    written through the default (private) storage under a name derived from their checksum;
    a Material row records kind, checksum, size and dimensions."""
    with transaction.atomic():
        _require_member(user, account)
        return _material_store(
            account=account, user=user, kind=kind, data=data, original_name=original_name
        )


def _material_store(
    *, account: Account, user: User, kind: str, data: bytes, original_name: str
) -> Material:
    """``material_create`` once the caller has checked that ``user`` may store a material of
    ``account`` (a customer of it, or a reviewer filing evidence about it)."""
    valid_kinds = {k for k, _label in Material._meta.get_field("kind").choices}
    if kind not in valid_kinds:
        raise ValidationError(_("Unknown material kind: %(kind)s") % {"kind": kind})
    clean = inspect_upload(data=data, kind=kind)
    material = Material(
        account=account,
        kind=kind,
        original_name=(original_name or "upload")[:255],
        mime_type=clean.mime_type,
        extension=clean.extension,
        size=len(clean.data),
        sha256=clean.sha256,
        width=clean.width,
        height=clean.height,
        uploaded_by=user,
    )
    material.file.save("upload", ContentFile(clean.data), save=False)
    stored = _stored_files.get()
    if stored is not None:
        stored.append(material.file.name)
    # If the row cannot be written, do not leave an orphan file behind.
    try:
        material.save()
    except Exception:
        material.file.storage.delete(material.file.name)
        raise
    return material


@dataclass(frozen=True)
class Upload:
    """A file a customer sent with a form, not stored yet: the service it is given to stores it
    (checked by its content, ``material_create``) inside its own transaction, so that a refusal
    keeps neither the row nor the file."""

    kind: str
    data: bytes
    original_name: str


def materials_resolve(
    account: Account, materials: Iterable[Material | Upload] | None, *, user: User
) -> list[Material]:
    """The materials a service was given, each of ``account``; uploads are stored first."""
    found = []
    for material in materials or []:
        if isinstance(material, Upload):
            material = _material_store(
                account=account,
                user=user,
                kind=material.kind,
                data=material.data,
                original_name=material.original_name,
            )
        _same_account(material, account, _("Material"))
        found.append(material)
    return found


def _material(account: Account, material: Material | Upload | None, *, user: User):
    """``_materials`` for one material, or None."""
    return materials_resolve(account, [material], user=user)[0] if material is not None else None


# --- qualifications ---------------------------------------------------------------------------


def _normalise_qualification_fields(fields: dict) -> dict:
    fields = dict(fields)
    if "uscc" in fields:
        fields["uscc"] = normalize_uscc(fields["uscc"])
    for key in ("legal_rep_id_number", "agent_id_number"):
        if key in fields:
            fields[key] = normalize_resident_id(fields[key] or "")
    if "verified_domains" in fields:
        fields["verified_domains"] = sorted(
            {d.strip().lower().rstrip(".") for d in fields["verified_domains"] or [] if d.strip()}
        )
    return fields


def _code_held_elsewhere(change: Qualification) -> str | None:
    """Why ``change`` may not take its new credit code, or None: another qualification of the
    account holds it, or another change carries it (once applied, the account would have two
    qualifications of one company)."""
    if not change.uscc:
        return None
    holder = (
        Qualification.objects.filter(
            account_id=change.account_id, uscc=change.uscc, state__in=LIVE_STATES
        )
        .exclude(pk__in=[change.pk, change.change_of_id])
        .exclude(change_of_id=change.change_of_id)
        .order_by("pk")
        .first()
    )
    if holder is None:
        return None
    return _(
        "Your account already has a qualification for this credit code: %(item)s. "
        "A change cannot give this qualification the credit code of another one."
    ) % {"item": holder.change_of if holder.change_of_id else holder}


def _refuse_code_held_elsewhere(change: Qualification) -> None:
    message = _code_held_elsewhere(change)
    if message is not None:
        raise ValidationError({"uscc": ValidationError(message, code="duplicate")})


def _refuse_duplicate_qualification(qualification: Qualification) -> None:
    """Refuse a second qualification of the same company (USCC) in the account while one
    stands: the customer edits that one, or starts a change of it once approved."""
    if not qualification.uscc:
        return
    existing = live_twin(
        qualification,
        account_id=qualification.account_id,
        uscc=qualification.uscc,
        change_of__isnull=True,
    )
    if existing is not None:
        message = _(
            "Your account already has a qualification for this credit code: %(item)s. "
            "Open it to edit it, or to start a change once it is approved."
        ) % {"item": existing}
        # The code on the field's error itself (a dict's own code is dropped by Django).
        raise ValidationError({"uscc": ValidationError(message, code="duplicate")})


def _refuse_duplicate_signature(application: SignatureApplication) -> None:
    existing = live_twin(
        application, account_id=application.account_id, content=application.content
    )
    if existing is not None:
        message = _(
            "Your account already has the signature 【%(content)s】 (%(item)s); open it "
            "instead of applying again."
        ) % {"content": existing.content, "item": existing.public_id}
        raise ValidationError({"content": ValidationError(message, code="duplicate")})


#: What a draft may still lack (a draft is saved incomplete); submitting it needs them.
DRAFT_MAY_LACK = ("uscc", "legal_rep_name")


def _draft_gaps(qualification: Qualification) -> list[str]:
    return [f for f in DRAFT_MAY_LACK if not getattr(qualification, f)]


def _clean_qualification(
    qualification: Qualification, *, exclude: Iterable[str], submitted: bool
) -> None:
    """``_clean``, and refuse also, each error on its field, what the fields allow one by one
    but not together: a licence that ends before it starts, and (once ``submitted``: anything
    but a draft that stays one) no ID number a submission needs. The forms check both too;
    the services are called by other clients (the API), and the database refuses a submitted
    qualification without an ID number only with an error nobody can read."""
    errors: dict[str, list] = {}
    try:
        _clean(qualification, exclude=exclude)
    except ValidationError as exc:
        exc.update_error_dict(errors)
    start, end = qualification.license_valid_from, qualification.license_valid_until
    if start and end and end < start:
        errors.setdefault("license_valid_until", []).append(
            ValidationError(_("The end date is before the start date."), code="date_order")
        )
    agent_allowed = qualification.entity_kind in AGENT_ID_ALLOWED_KINDS
    if submitted and not qualification.legal_rep_id_number:
        if not agent_allowed:
            errors.setdefault("legal_rep_id_number", []).append(
                ValidationError(
                    _("The legal representative's ID number is required."), code="required"
                )
            )
        elif not qualification.agent_id_number:
            errors.setdefault("agent_id_number", []).append(
                ValidationError(
                    _("Give the legal representative's or the agent's name and ID number."),
                    code="required",
                )
            )
    if errors:
        raise ValidationError(errors)


def qualification_create(
    *,
    account: Account,
    user: User,
    materials: Iterable[Material | Upload] | None = None,
    submit: bool = False,
    **fields,
) -> Qualification:
    """Create a qualification as a draft (and submit it when ``submit``).

    Raises ``ValidationError`` for bad data (USCC and ID check digits are verified)."""
    with transaction.atomic():
        _require_member(user, account)
        materials = materials_resolve(account, materials, user=user)
        qualification = Qualification(
            account=account, created_by=user, **_normalise_qualification_fields(fields)
        )
        gaps = [] if submit else _draft_gaps(qualification)
        _clean_qualification(
            qualification, exclude=[*LIFECYCLE_EXCLUDE, "change_of", *gaps], submitted=submit
        )
        _refuse_duplicate_qualification(qualification)
        try:
            with transaction.atomic():
                qualification.save()
        except IntegrityError:
            # Another request created it in the meantime (the constraint saw it): the same answer.
            _refuse_duplicate_qualification(qualification)
            raise
        qualification.materials.set(materials)
        if submit:
            qualification = review_submit(item=qualification, user=user)
        return qualification


def qualification_update(
    *,
    qualification: Qualification,
    user: User,
    materials: Iterable[Material | Upload] | None = None,
    submit: bool = False,
    **fields,
) -> Qualification:
    """Edit a qualification that is not approved: a draft changes in place (and is submitted
    when ``submit``); a submitted one is resubmitted as a new revision. An approved
    qualification is never edited in place: start a change with
    ``qualification_change_start``."""
    with lifecycle_transaction():
        qualification = lock(qualification)
        _require_member(user, qualification.account)
        if qualification.state in (ReviewState.APPROVED, ReviewState.REREVIEW):
            raise TransitionRefused(
                _("%(item)s is approved and stays in force; submit a change instead.")
                % {"item": qualification}
            )
        require_action(qualification, user, Action.EDIT)
        for key, value in _normalise_qualification_fields(fields).items():
            if key not in Qualification.DATA_FIELDS:
                raise ReviewError(_("Unknown field: %(field)s") % {"field": key})
            setattr(qualification, key, value)
        gaps = _draft_gaps(qualification) if qualification.state == ReviewState.DRAFT else []
        _clean_qualification(
            qualification,
            exclude=[*LIFECYCLE_EXCLUDE, "change_of", *gaps],
            submitted=submit or qualification.state != ReviewState.DRAFT,
        )
        if qualification.change_of_id:
            _refuse_code_held_elsewhere(qualification)
        else:
            _refuse_duplicate_qualification(qualification)
        qualification.save()
        if materials is not None:
            qualification.materials.set(
                materials_resolve(qualification.account, materials, user=user)
            )
        if qualification.state != ReviewState.DRAFT:
            qualification = review_resubmit(item=qualification, user=user)
        elif submit:
            qualification = review_submit(item=qualification, user=user)
        return qualification


def qualification_change_start(
    *,
    qualification: Qualification,
    user: User,
    materials: Iterable[Material | Upload] | None = None,
    submit: bool = True,
    **fields,
) -> Qualification:
    """Start a change of an approved qualification: a new Qualification row (``change_of`` set)
    carrying the new data, reviewed on its own while the approved one stays in force. At most
    one change is under way at a time."""
    with lifecycle_transaction():
        original = lock(qualification)
        _require_member(user, original.account)
        if original.state != ReviewState.APPROVED or original.change_of_id:
            raise TransitionRefused(
                _("Only an approved qualification can be changed; edit %(item)s instead.")
                % {"item": original}
            )
        if original.changes.filter(state__in=OPEN_STATES).exists():
            raise TransitionRefused(
                _("A change of %(item)s is already under way; edit or withdraw it first.")
                % {"item": original}
            )
        data = {f: getattr(original, f) for f in Qualification.DATA_FIELDS}
        data.update(_normalise_qualification_fields(fields))
        change = Qualification(
            account=original.account, created_by=user, change_of=original, **data
        )
        _clean_qualification(change, exclude=LIFECYCLE_EXCLUDE, submitted=submit)
        _refuse_code_held_elsewhere(change)
        change.save()
        change.materials.set(
            materials_resolve(original.account, materials, user=user)
            if materials is not None
            else original.materials.all()
        )
        if submit:
            change = review_submit(item=change, user=user)
        return change


def qualification_change_approved(sender, *, item: Qualification, user: User, **kwargs) -> None:
    """Receiver of ``item_approved`` for qualifications: an approved change is applied."""
    if item.change_of_id:
        qualification_change_apply(change=item, user=user)


def qualification_change_apply(*, change: Qualification, user: User) -> Qualification:
    """Copy an approved change onto the qualification in force (on ``item_approved``, inside
    the approval's transaction). The original keeps its identity, state and signatures; its data
    and materials become the change's, and a new revision of it records the new snapshot."""
    original = Qualification.objects.select_for_update().get(pk=change.change_of_id)
    # A qualification applied for with that code while the change was under review: the
    # approval is refused (and rolled back), the reviewer told why.
    held = _code_held_elsewhere(change)
    if held is not None:
        raise TransitionRefused(held)
    for field in Qualification.DATA_FIELDS:
        setattr(original, field, getattr(change, field))
    original.materials.set(change.materials.all())
    revision = revision_create(
        item=original, user=user, findings=list(change.current_revision.findings)
    )
    original.current_revision = revision
    original.save()
    _signatures_recheck_after_change(original, user=user)
    return original


def _signatures_recheck_after_change(qualification: Qualification, *, user: User) -> list:
    """Re-check every approved signature of ``qualification`` against its changed data (a new
    name, entity kind or mainland status can make a signature no longer fit), and put each one
    that now has a blocking finding back for re-review, its customer told why."""
    today = timezone.localdate()
    # Translated when the customer's notification is written in each language.
    because = translated_later(
        gettext_noop("its qualification %(item)s was changed"), {"item": str(qualification)}
    )
    flagged = []
    for application in qualification.signatures.filter(state=ReviewState.APPROVED).order_by("pk"):
        findings = signature_findings(application, on=today)
        if any(f.get("severity") == "block" for f in findings):
            flagged.append(
                review_flag_after_change(
                    item=application, user=user, findings=findings, because=because
                )
            )
    return flagged


# --- trademarks and authorizations ------------------------------------------------------------


def trademark_create(
    *,
    qualification: Qualification,
    user: User,
    name: str,
    registration_number: str,
    owner_name: str,
    certificate: Material | Upload | None = None,
) -> Trademark:
    """Record a registered trademark of the qualification's entity."""
    with transaction.atomic():
        _require_member(user, qualification.account)
        certificate = _material(qualification.account, certificate, user=user)
        trademark = Trademark(
            account=qualification.account,
            qualification=qualification,
            name=name.strip(),
            registration_number=registration_number.strip(),
            owner_name=owner_name.strip(),
            certificate=certificate,
        )
        _clean(trademark)
        trademark.save()
        return trademark


#: What describes the partner and the letter's validity: the fields a form or a request gives
#: ``authorization_create`` as they are.
AUTHORIZATION_FIELDS = (
    "partner_name",
    "partner_entity_kind",
    "partner_uscc",
    "partner_legal_rep_name",
    "partner_legal_rep_id_number",
    "valid_from",
    "valid_until",
)


def authorization_create(
    *,
    qualification: Qualification,
    user: User,
    partner_name: str,
    partner_uscc: str,
    partner_legal_rep_name: str,
    partner_legal_rep_id_number: str,
    valid_from: dt.date,
    valid_until: dt.date,
    partner_entity_kind: str = "enterprise",
    letter: Material | Upload | None = None,
    partner_materials: Iterable[Material | Upload] | None = None,
) -> Authorization:
    """Record a partner's authorization to use its name as a signature (other-use)."""
    with transaction.atomic():
        _require_member(user, qualification.account)
        letter = _material(qualification.account, letter, user=user)
        partner_materials = materials_resolve(qualification.account, partner_materials, user=user)
        if valid_until < valid_from:
            raise ValidationError({"valid_until": _("The end date is before the start date.")})
        authorization = Authorization(
            account=qualification.account,
            qualification=qualification,
            partner_name=partner_name.strip(),
            partner_entity_kind=partner_entity_kind,
            partner_uscc=normalize_uscc(partner_uscc),
            partner_legal_rep_name=partner_legal_rep_name.strip(),
            partner_legal_rep_id_number=normalize_resident_id(partner_legal_rep_id_number),
            valid_from=valid_from,
            valid_until=valid_until,
            letter=letter,
        )
        _clean(authorization)
        authorization.save()
        authorization.partner_materials.set(partner_materials)
        return authorization


# --- signature applications -------------------------------------------------------------------

SIGNATURE_FIELDS = (
    "qualification",
    "sig_type",
    "content",
    "purpose",
    "authorization",
    "trademark",
    "use_case",
)


def _canonical_content(content: str) -> str:
    """Signatures are stored NFKC-normalised, so that full-width and half-width spellings of one
    signature are one signature (for uniqueness and for carriers)."""
    return normalize(content or "").strip()


def _check_signature_links(application: SignatureApplication) -> None:
    account = application.account
    _same_account(application.qualification, account, _("Qualification"))
    _same_account(application.authorization, account, _("Authorization"))
    _same_account(application.trademark, account, _("Trademark"))
    if application.qualification.state not in USABLE_QUALIFICATION_STATES:
        raise ValidationError(
            {"qualification": _("The qualification must be submitted for review first.")}
        )
    if application.qualification.change_of_id:
        raise ValidationError(
            {"qualification": _("Choose the qualification in force, not a pending change of it.")}
        )
    if (
        application.authorization
        and application.authorization.qualification_id != application.qualification_id
    ):
        raise ValidationError(
            {"authorization": _("This authorization was given to another qualification.")}
        )
    if (
        application.trademark
        and application.trademark.qualification_id != application.qualification_id
    ):
        raise ValidationError({"trademark": _("This trademark belongs to another qualification.")})
    if application.purpose == SignaturePurpose.SELF and application.authorization_id:
        raise ValidationError(
            {"authorization": _("A self-use signature does not take a partner authorization.")}
        )
    if application.sig_type != SignatureType.TRADEMARK and application.trademark_id:
        raise ValidationError({"trademark": _("Only a trademark signature takes a trademark.")})


def signature_application_create(
    *,
    account: Account,
    user: User,
    materials: Iterable[Material | Upload] | None = None,
    submit: bool = False,
    **fields,
) -> SignatureApplication:
    """Create a signature application as a draft, and submit it when ``submit`` (the pre-check
    then refuses ``block`` findings and nothing is kept)."""
    with transaction.atomic():
        _require_member(user, account)
        unknown = set(fields) - set(SIGNATURE_FIELDS)
        if unknown:
            raise ReviewError(_("Unknown field: %(field)s") % {"field": ", ".join(sorted(unknown))})
        application = SignatureApplication(account=account, created_by=user, **fields)
        application.content = _canonical_content(application.content)
        _clean(application, exclude=LIFECYCLE_EXCLUDE)
        _check_signature_links(application)
        _refuse_duplicate_signature(application)
        application.save()
        application.materials.set(materials_resolve(account, materials, user=user))
        if submit:
            application = review_submit(item=application, user=user)
        return application


def signature_application_update(
    *,
    application: SignatureApplication,
    user: User,
    materials: Iterable[Material | Upload] | None = None,
    **fields,
) -> SignatureApplication:
    """Edit a signature application (seed 000 §1: pending, under review and not approved ones
    can be edited, and an edit resubmits). A draft changes in place."""
    with lifecycle_transaction():
        application = lock(application)
        _require_member(user, application.account)
        require_action(application, user, Action.EDIT)
        unknown = set(fields) - set(SIGNATURE_FIELDS)
        if unknown:
            raise ReviewError(_("Unknown field: %(field)s") % {"field": ", ".join(sorted(unknown))})
        for key, value in fields.items():
            setattr(application, key, _canonical_content(value) if key == "content" else value)
        _clean(application, exclude=LIFECYCLE_EXCLUDE)
        _check_signature_links(application)
        _refuse_duplicate_signature(application)
        application.save()
        if materials is not None:
            application.materials.set(materials_resolve(application.account, materials, user=user))
        if application.state != ReviewState.DRAFT:
            application = review_resubmit(item=application, user=user)
        return application


# --- materials in the history and staged uploads ----------------------------------------------


def materials_mark_in_revision(*, revisions, **_signal) -> None:
    """Mark the materials the new revisions' snapshots name as part of the history (receiver of
    ``reviewportal.signals.revisions_created``, in the revisions' transaction)."""
    ids = {pk for revision in revisions for pk in material_ids_in(revision.snapshot)}
    if ids:
        Material.objects.filter(pk__in=ids, in_revision=False).update(in_revision=True)


@dataclass(frozen=True)
class StagedPurge:
    """What ``materials_staged_purge`` found (and, with ``commit``, deleted)."""

    count: int
    size: int
    committed: bool
    #: Files whose deletion from storage failed after their rows were deleted (logged).
    files_left: tuple[str, ...] = ()


def materials_staged_purge(*, commit: bool = False, now=None, limit: int = 5000) -> StagedPurge:
    """Delete staged uploads nobody used: materials attached to nothing and named by no
    revision, older than ``UPLOAD_POLICY["STAGED_HOURS"]`` and an hour's grace (a form may
    use a staged upload until it expires, never after). Without ``commit`` only counts them.

    Effects with ``commit``: at most ``limit`` of them (oldest first) in one transaction, rows
    re-checked under a row lock so that one attached meanwhile is kept; their files are deleted
    from storage once the transaction has committed (a file that cannot be deleted is logged
    and reported: a file without a row is harmless, a row without its file is not)."""
    found = list(staged_materials_expired(now=now)[:limit])
    size = sum(m.size for m in found)
    if not commit or not found:
        return StagedPurge(len(found), size, committed=False)
    with transaction.atomic():
        locked = list(
            staged_materials_expired(now=now)
            .select_for_update()
            .filter(pk__in=[m.pk for m in found])
        )
        names = [m.file.name for m in locked]
        Material.objects.filter(pk__in=[m.pk for m in locked]).delete()
    storage = Material._meta.get_field("file").storage
    left = []
    for name in names:
        try:
            storage.delete(name)
        except Exception:  # the rows are gone; the file is reported for a later clean-up
            logger.exception("Could not delete the staged upload %s", name)
            left.append(name)
    return StagedPurge(len(locked), sum(m.size for m in locked), True, tuple(left))


# --- domains -----------------------------------------------------------------------------------

#: An ICP filing number as the MIIT register shows it: 京ICP备12345678号, optionally -1.
ICP_NUMBER = re.compile(r"^[\u4e00-\u9fff]ICP备\d{4,12}号(-\d{1,4})?$")


def qualification_in_force(qualification: Qualification) -> Qualification:
    """The qualification a change changes, or ``qualification`` itself."""
    return qualification.change_of if qualification.change_of_id else qualification


def _require_domain_reviewer(user: User) -> None:
    if not (is_staff_user(user) and user.has_perm(PERM_REVIEW)):
        raise PermissionRefused(_("Only reviewers may verify domains."))


def _audit(obj, *, action, user: User, changes: dict, qualification: Qualification) -> None:
    # Written here, as for internal notes, so that the actor is known without a request.
    LogEntry.objects.log_create(
        obj,
        force_log=True,
        action=action,
        changes=changes,
        actor=user,
        additional_data={"item": qualification.public_id, "domain": obj.domain},
    )


def domain_verify(
    *,
    qualification: Qualification,
    domain: str,
    user: User,
    data: bytes,
    original_name: str,
    icp_number: str = "",
) -> DomainVerification:
    """Record that the entity of ``qualification`` owns ``domain``, with the evidence the
    reviewer looked at (the ICP filing screenshot, stored as a material of the account).

    Refusals (nothing written, no file kept): ``user`` is not active staff with "review items"
    (PermissionRefused); ``domain`` is not one of the qualification's domains, the ICP number is
    not in the register's form, the domain is verified already, or the screenshot fails the
    upload checks (ReviewError, with its code). Effects: a DomainVerification on the
    qualification in force (for a change, the one it changes) and an audit row. The template
    pre-check is unchanged: it still reads the domains the customer declared."""
    with transaction.atomic():
        _require_domain_reviewer(user)
        domain = (domain or "").strip().lower().rstrip(".")
        if domain not in (qualification.verified_domains or []):
            raise ReviewError(
                _("The domain %(domain)s is not one of the domains of %(item)s.")
                % {"domain": domain or "—", "item": qualification.public_id},
                code="unknown_domain",
            )
        icp_number = (icp_number or "").strip()
        if icp_number and not ICP_NUMBER.match(icp_number):
            raise ReviewError(
                _(
                    "Write the ICP filing number as the register shows it, "
                    "e.g. 京ICP备12345678号-1."
                ),
                code="icp_number",
            )
        in_force = Qualification.objects.select_for_update().get(
            pk=qualification_in_force(qualification).pk
        )
        if in_force.domain_verifications.filter(domain=domain).exists():
            raise ReviewError(
                _("The domain %(domain)s is verified already.") % {"domain": domain},
                code="verified_already",
            )
        try:
            evidence = _material_store(
                account=in_force.account,
                user=user,
                kind=MaterialKind.ICP_SCREENSHOT,
                data=data,
                original_name=original_name,
            )
        except ValidationError as exc:
            raise ReviewError(" ".join(exc.messages), code="evidence") from None
        verification = DomainVerification.objects.create(
            qualification=in_force,
            domain=domain,
            icp_number=icp_number,
            evidence=evidence,
            verified_by=user,
        )
        _audit(
            verification,
            action=LogEntry.Action.CREATE,
            user=user,
            qualification=in_force,
            changes={
                "domain": ["None", domain],
                "icp_number": ["None", icp_number],
                "evidence": ["None", str(evidence.pk)],
            },
        )
        return verification


def domain_verification_withdraw(*, verification: DomainVerification, user: User) -> None:
    """Withdraw a verification given by mistake: the domain shows as not verified again. The
    evidence stays among the account's materials (materials are never deleted while a history
    may name them). Same permission as ``domain_verify``; an audit row records who withdrew it."""
    with transaction.atomic():
        _require_domain_reviewer(user)
        qualification = verification.qualification
        _audit(
            verification,
            action=LogEntry.Action.DELETE,
            user=user,
            qualification=qualification,
            changes={"domain": [verification.domain, "None"]},
        )
        verification.delete()


# --- reading materials ------------------------------------------------------------------------


def material_may_view(*, material: Material, user: User) -> bool:
    """Customers see their own account's materials; staff whose role lets them view
    applications see any."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.account_id is not None:
        return user.account_id == material.account_id
    return user.is_staff and user.has_perm("signatures.view_material")


def material_open(*, material: Material, user: User, ip_address: str | None = None):
    """Open a material's file for ``user`` and record the view.

    Raises ``NotFoundForUser`` when the user may not see it (another account's material looks
    exactly like a missing one). Effects: an AccessLog row (``view_material``) for staff and
    customers alike; returns the open file (the caller streams and closes it)."""
    with transaction.atomic():
        if not material_may_view(material=material, user=user):
            raise NotFoundForUser(_("Material not found."))
        AccessLog.objects.create(
            user=user,
            action=AccessLog.Action.VIEW_MATERIAL,
            content_type=ContentType.objects.get_for_model(Material),
            object_id=material.pk,
            detail=f"{material.kind} {material.sha256[:12]}",
            ip_address=ip_address,
        )
        return material.file.storage.open(material.file.name, "rb")
