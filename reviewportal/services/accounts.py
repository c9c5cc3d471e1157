"""Customer accounts: sign-up, inviting colleagues, and reading notifications.

Sign-up creates the Account and its first user together; an invited colleague gets a user with an
unusable password and chooses one through Django's password-reset link (so no password ever
travels by e-mail).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from reviewportal.errors import NotFoundForUser
from reviewportal.models import Account, Notification, User


def _username_free(username: str) -> None:
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This login name is already taken.")})


@transaction.atomic
def account_signup(
    *,
    company_name: str,
    username: str,
    email: str,
    password: str,
    full_name: str = "",
    phone: str = "",
    language: str = "zh-hans",
) -> User:
    """Register a customer company: an Account and its first user, who can log in at once.

    Raises ``ValidationError`` when the login name is taken. The password is expected to have
    passed the password validators (the sign-up form runs them)."""
    username = username.strip()
    _username_free(username)
    account = Account.objects.create(name=company_name.strip(), contact_email=email.strip())
    user = User(
        username=username,
        email=email.strip(),
        first_name=full_name.strip(),
        phone=phone.strip(),
        account=account,
        language=language,
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


def _send_set_password_mail(*, user: User, inviter: User, domain: str, use_https: bool) -> None:
    context = {
        "user": user,
        "inviter": inviter,
        "account": user.account,
        "domain": domain,
        "protocol": "https" if use_https else "http",
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }
    with translation.override(user.language):
        subject = render_to_string("portal/email/invite_subject.txt", context).strip()
        body = render_to_string("portal/email/invite_email.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


@transaction.atomic
def account_invite(
    *,
    inviter: User,
    email: str,
    username: str,
    full_name: str = "",
    domain: str,
    use_https: bool = True,
) -> User:
    """Add a colleague to ``inviter``'s account.

    Effects: a user of the same account with an unusable password and the inviter's language;
    after commit, an e-mail with a link to choose a password (Django's password-reset token,
    valid for ``PASSWORD_RESET_TIMEOUT``)."""
    if not (inviter.is_authenticated and inviter.account_id):
        raise NotFoundForUser(_("Not found."))
    username = username.strip()
    _username_free(username)
    user = User(
        username=username,
        email=email.strip(),
        first_name=full_name.strip(),
        account_id=inviter.account_id,
        language=inviter.language,
    )
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    transaction.on_commit(
        lambda: _send_set_password_mail(
            user=user, inviter=inviter, domain=domain, use_https=use_https
        )
    )
    return user


@transaction.atomic
def notification_mark_read(*, user: User, notification: Notification | None = None) -> int:
    """Mark one of ``user``'s notifications read, or all of them when ``notification`` is None.
    Returns how many changed; another user's notification is not found."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification is not None:
        if notification.recipient_id != user.pk:
            raise NotFoundForUser(_("Not found."))
        unread = unread.filter(pk=notification.pk)
    return unread.update(read_at=timezone.now())
