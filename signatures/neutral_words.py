"""Services of the neutral-word list (SIG_NEUTRAL, SPEC §4: "list kept in the admin"): the only
path to its rows, called by the console.

Senior reviewers keep the list, as they keep the reason catalogue (``add_neutralword``,
``change_neutralword``); every staff role reads it. A word is never deleted: it is disabled,
so the field history (django-auditlog, which records every create and change of the model)
keeps what was in force when. The pre-check reads the active words from the database on every
check (``signatures.selectors.neutral_words``), so a change counts from the next check on:
there is no cached copy to invalidate.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from reviewportal.errors import PermissionRefused
from reviewportal.models import User
from reviewportal.permissions import is_staff_user
from signatures.models import NeutralWord
from signatures.rules import neutral_word_form

PERM_ADD = "signatures.add_neutralword"
PERM_CHANGE = "signatures.change_neutralword"


def _require(user: User, perm: str) -> None:
    if not (is_staff_user(user) and user.has_perm(perm)):
        raise PermissionRefused(_("Only senior reviewers may change the neutral words."))


def neutral_word_create(
    *, user: User, word: str, note: str = "", is_active: bool = True
) -> NeutralWord:
    """Add a word to the neutral-word list.

    Effects, in order: ``user`` must be active staff with ``add_neutralword`` (PermissionRefused
    otherwise); the word is brought to the form the check compares (``neutral_word_form``:
    NFKC, no spaces or punctuation) and must not be empty or already listed, active or not
    (ValidationError on ``word``: a disabled word is enabled again, not added twice); the row is
    validated and saved (django-auditlog records it). The next pre-check counts it."""
    with transaction.atomic():
        _require(user, PERM_ADD)
        form = neutral_word_form(word or "")
        if not form:
            raise ValidationError(
                {"word": _("Enter a word: Chinese characters, letters or digits.")}
            )
        existing = NeutralWord.objects.filter(word=form).first()
        if existing is not None:
            raise _already_listed(form, active=existing.is_active)
        neutral_word = NeutralWord(word=form, note=(note or "").strip(), is_active=bool(is_active))
        neutral_word.full_clean()
        try:
            with transaction.atomic():
                neutral_word.save()
        except IntegrityError:
            # Someone added the same word at the same moment: the unique constraint decides.
            raise _already_listed(form, active=True) from None
        return neutral_word


def _already_listed(word: str, *, active: bool) -> ValidationError:
    message = (
        _("“%(word)s” is already in the list.")
        if active
        else _("“%(word)s” is already in the list, disabled; enable it there.")
    )
    return ValidationError({"word": ValidationError(message, code="unique", params={"word": word})})


def neutral_word_update(
    *, neutral_word: NeutralWord, user: User, is_active: bool, note: str
) -> NeutralWord:
    """Disable or enable a neutral word, or change its note. The word itself is not edited (a
    different word is a new row, so the history says which word was in force).

    Effects, in order: ``user`` must be active staff with ``change_neutralword``
    (PermissionRefused otherwise); the row is locked; when nothing changes, nothing is written;
    otherwise the row is validated and saved (django-auditlog records the change). The next
    pre-check follows it."""
    with transaction.atomic():
        _require(user, PERM_CHANGE)
        neutral_word = NeutralWord.objects.select_for_update().get(pk=neutral_word.pk)
        note = (note or "").strip()
        if (neutral_word.is_active, neutral_word.note) == (bool(is_active), note):
            return neutral_word
        neutral_word.is_active = bool(is_active)
        neutral_word.note = note
        neutral_word.full_clean()
        neutral_word.save(update_fields=["is_active", "note"])
        return neutral_word
