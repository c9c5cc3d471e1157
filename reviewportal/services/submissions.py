"""Each portal form is handled once per sending (SPEC: Back, reload and double-click are safe).

A form page carries a one-time token (``submission_token``). The view claims it inside the
transaction that does the work (``submission_claim``) and records where the result is
(``submission_done``): a second request with the same token waits for the first one's
transaction (the unique constraint), then finds that result and is sent there instead of doing
the work again. If the first one failed, its claim was rolled back with it (or given up with
``submission_release`` when its form was shown again, refused) and the second goes ahead as if
it were the first.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reviewportal.errors import ReviewError
from reviewportal.models import FormSubmission, User

#: How long a form page's token is remembered: longer than anyone keeps a form open.
KEPT_FOR = timedelta(days=7)
TOKEN_MAX_LENGTH = 64


class AlreadySubmitted(ReviewError):
    """The form was already sent with this token; ``result_url`` is the page of its result
    (empty when the first sending is still under way and produced no page)."""

    def __init__(self, result_url: str):
        super().__init__(_("This form was already sent; here is its result."))
        self.result_url = result_url


def submission_token() -> str:
    """A new one-time token for a form page."""
    return secrets.token_urlsafe(24)


def _usable(token: str | None) -> str | None:
    token = (token or "").strip()
    if not token or len(token) > TOKEN_MAX_LENGTH or not token.isascii():
        return None
    return token


def submission_result(*, user: User, scope: str, token: str | None) -> str | None:
    """The result page of the sending of ``scope`` with ``token`` that was handled, if any."""
    token = _usable(token)
    if token is None:
        return None
    return (
        FormSubmission.objects.filter(user=user, scope=scope, token=token)
        .values_list("result_url", flat=True)
        .first()
    )


def submission_claim(*, user: User, scope: str, token: str | None) -> FormSubmission | None:
    """Claim ``token`` for this sending of ``scope``, inside the caller's transaction.

    Raises ``AlreadySubmitted`` when another sending with the same token was handled (if it is
    still under way, this waits for it to commit first). Returns None, claiming nothing, for a
    request without a usable token (a client that does not use the form page). Effects: a
    FormSubmission row; the user's rows older than ``KEPT_FOR`` are deleted."""
    token = _usable(token)
    if token is None:
        return None
    FormSubmission.objects.filter(user=user, created_at__lt=timezone.now() - KEPT_FOR).delete()
    try:
        with transaction.atomic():
            return FormSubmission.objects.create(user=user, scope=scope[:80], token=token)
    except IntegrityError:
        raise AlreadySubmitted(
            submission_result(user=user, scope=scope, token=token) or ""
        ) from None


def submission_done(claim: FormSubmission | None, result_url: str) -> None:
    """Record where the result of the claimed sending is (in the same transaction)."""
    if claim is not None:
        claim.result_url = result_url[:300]
        claim.save(update_fields=["result_url"])


def submission_release(claim: FormSubmission | None) -> None:
    """Give up the claim of a sending that was refused and shown again (in the same
    transaction): the corrected form may then be sent with the same token, as if this sending
    had never happened. What the refused sending kept on purpose (the uploads staged for the
    corrected one) is not undone with it."""
    if claim is not None:
        claim.delete()
