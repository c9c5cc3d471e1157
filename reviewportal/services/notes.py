"""Internal notes (SPEC §1): staff write them on a qualification, signature or template for each
other; they are shown in the item's timeline in the console, never to the customer."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext as _

from reviewportal.errors import ReviewError
from reviewportal.models import InternalNote, ReviewableModel, User
from reviewportal.permissions import require_internal_note


def _note_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ReviewError(_("Write the note first."), code="required")
    limit = settings.REVIEW_POLICY["COMMENT_MAX_LENGTH"]
    if len(text) > limit:
        raise ReviewError(
            _("The note is too long (%(n)s characters; at most %(limit)s).")
            % {"n": len(text), "limit": limit}
        )
    return text


def internal_note_add(*, item: ReviewableModel, user: User, text: str) -> InternalNote:
    """Write an internal note on ``item`` and return it.

    Effects, in order: ``user`` must be active staff with "write internal notes"
    (``may_write_internal_note``: reviewers, senior reviewers, support; PermissionRefused
    otherwise), in any state of the item; the text is stripped, required and at most
    ``REVIEW_POLICY["COMMENT_MAX_LENGTH"]`` long (ReviewError); the note is written; an audit
    row (django-auditlog "create" of the note, actor ``user``, naming the item) is written in
    the same transaction. Nothing else: the item, its state, claim and SLA clock are untouched,
    and nobody is notified or e-mailed, so a note never reaches the customer."""
    with transaction.atomic():
        require_internal_note(item, user)
        text = _note_text(text)
        note = InternalNote.objects.create(
            content_type=ContentType.objects.get_for_model(item),
            object_id=item.pk,
            author=user,
            text=text,
        )
        # Written here rather than by registering the model with auditlog, so that the actor is
        # the author even when no request (and so no auditlog middleware) is around. The changes
        # are in auditlog's own form for a created row: each field from "None" to its value.
        LogEntry.objects.log_create(
            note,
            force_log=True,
            action=LogEntry.Action.CREATE,
            changes={
                "content_type": ["None", str(note.content_type_id)],
                "object_id": ["None", str(note.object_id)],
                "author": ["None", str(user.pk)],
                "text": ["None", text],
            },
            actor=user,
            additional_data={"item": item.public_id, "kind": item._meta.model_name},
        )
        return note
