"""Customer accounts: sign-up, inviting colleagues, and reading notifications.

Sign-up creates the Account and its first user together; an invited colleague gets a user with an
unusable password and chooses one through Django's password-reset link (so no password ever
travels by e-mail). Links in e-mails start from ``SITE_URL``.
"""

from __future__ import annotations

import logging
import unicodedata

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from reviewportal.errors import NotFoundForUser, PermissionRefused
from reviewportal.models import Account, AccountRole, Notification, User
from reviewportal.permissions import require_account_manager
from reviewportal.services.email import email_send, site_url

logger = logging.getLogger(__name__)


def validate_plain_line(value: str) -> None:
    """Refuse text meant for one line (a company name, a person's name) that holds line breaks,
    tabs or other control or format characters (bidi overrides, zero-width characters): such
    names end up in e-mail subjects, lists and the carriers' filings."""
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in value):
        raise ValidationError(
            _("Use one line of ordinary text: no line breaks, tabs or control characters."),
            code="control_characters",
        )


def _plain_lines(**fields: str) -> None:
    errors = {}
    for name, value in fields.items():
        try:
            validate_plain_line(value)
        except ValidationError as exc:
            errors[name] = exc.error_list
    if errors:
        raise ValidationError(errors)


def _username_free(username: str) -> None:
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is already taken.")})


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

    Raises ``ValidationError`` when the login name is taken or the company or person's name holds
    line breaks or control characters. The password is expected to have passed the password
    validators (the sign-up form runs them)."""
    with transaction.atomic():
        username = username.strip()
        _plain_lines(company_name=company_name, full_name=full_name)
        _username_free(username)
        account = Account.objects.create(name=company_name.strip(), contact_email=email.strip())
        user = User(
            username=username,
            email=email.strip(),
            first_name=full_name.strip(),
            phone=phone.strip(),
            account=account,
            account_role=AccountRole.OWNER,
            language=language,
        )
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save()
        return user


class InviteNotSent(Exception):
    """The invitation e-mail could not be sent; nobody was added."""


def _send_set_password_mail(*, user: User, inviter: User) -> None:
    context = {
        "user": user,
        "inviter": inviter,
        "account": user.account,
        "site_url": site_url(),
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }
    with translation.override(user.language):
        subject = render_to_string("reviewportal/email/invite_subject.txt", context)
        body = render_to_string("reviewportal/email/invite_email.txt", context)
    email_send(to=user.email, subject=subject, body=body)


def account_invite(
    *,
    inviter: User,
    email: str,
    username: str,
    full_name: str = "",
    role: str = AccountRole.MEMBER,
) -> User:
    """Add a colleague to ``inviter``'s account, with ``role`` (``AccountRole``).

    Only the account's owner and admins invite, and only an owner makes another owner.
    Effects: a user of the same account with an unusable password and the inviter's language,
    and an e-mail with a link to choose a password (Django's password-reset token, valid for
    ``PASSWORD_RESET_TIMEOUT``; the link starts from ``SITE_URL``).

    The e-mail is the colleague's only way in, so it is sent inside the transaction: when it
    cannot be sent (the mail server is down, the address is refused) nobody is added and
    ``InviteNotSent`` is raised. Raises ``ValidationError`` when the login name is taken or the
    name holds line breaks or control characters."""
    with transaction.atomic():
        if not (inviter.is_authenticated and inviter.account_id):
            raise NotFoundForUser(_("Not found."))
        require_account_manager(inviter, inviter.account_id)
        _role_may_be_given(by=inviter, role=role)
        username = username.strip()
        _plain_lines(full_name=full_name)
        _username_free(username)
        user = User(
            username=username,
            email=email.strip(),
            first_name=full_name.strip(),
            account_id=inviter.account_id,
            account_role=role,
            language=inviter.language,
        )
        user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
        try:
            _send_set_password_mail(user=user, inviter=inviter)
        except (ValueError, OSError) as error:
            # Logged by account, never by address: the inviter sees the failure on the page.
            logger.warning(
                "invitation to account %s not sent (%s); nobody was added",
                inviter.account_id,
                type(error).__name__,
            )
            raise InviteNotSent(
                _(
                    "The invitation e-mail could not be sent, so nobody was added. "
                    "Please try again later."
                )
            ) from None
        return user


def _role_may_be_given(*, by: User, role: str) -> None:
    if role not in AccountRole.values:
        raise ValidationError({"role": _("Choose one of the roles offered.")})
    if role == AccountRole.OWNER and by.account_role != AccountRole.OWNER:
        raise PermissionRefused(_("Only an owner of the account may make someone an owner."))


def account_member_update(
    *, by: User, member: User, role: str | None = None, active: bool | None = None
) -> User:
    """Change a colleague's role in the account or whether they may still log in.

    Only the account's owner and admins do this, to users of their own account; only an owner
    changes an owner or makes one; nobody changes their own role or deactivates themselves
    (another manager must); the last active owner stays an active owner. A deactivated user
    can neither log in nor use the API keys they made.

    The account's row is locked first, so that changes to one team happen one after another
    (two managers demoting each other cannot both pass, nor deadlock), and ``by`` is read
    again under that lock: a manager demoted or deactivated a moment ago is refused."""
    with transaction.atomic():
        if not (by and by.is_authenticated and by.account_id):
            raise NotFoundForUser(_("Not found."))
        account_id = by.account_id
        Account.objects.select_for_update().filter(pk=account_id).first()
        by = User.objects.filter(pk=by.pk).first()
        require_account_manager(by, account_id)
        member = User.objects.filter(pk=member.pk, account_id=account_id).first()
        if member is None:
            raise NotFoundForUser(_("Not found."))
        if member.pk == by.pk:
            raise PermissionRefused(
                _("You cannot change your own role or access: ask another admin of the account.")
            )
        if member.account_role == AccountRole.OWNER and by.account_role != AccountRole.OWNER:
            raise PermissionRefused(_("Only an owner of the account may change an owner."))
        was_active_owner = member.is_active and member.account_role == AccountRole.OWNER
        if role is not None:
            _role_may_be_given(by=by, role=role)
            member.account_role = role
        if active is not None:
            member.is_active = active
        still_active_owner = member.is_active and member.account_role == AccountRole.OWNER
        if (
            was_active_owner
            and not still_active_owner
            and not User.objects.filter(
                account_id=account_id, account_role=AccountRole.OWNER, is_active=True
            )
            .exclude(pk=member.pk)
            .exists()
        ):
            raise PermissionRefused(_("The account must keep at least one active owner."))
        member.save(update_fields=["account_role", "is_active"])
        return member


def notification_mark_read(*, user: User, notification: Notification | None = None) -> int:
    """Mark one of ``user``'s notifications read, or all of them when ``notification`` is None.
    Returns how many changed; another user's notification is not found."""
    with transaction.atomic():
        unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
        if notification is not None:
            if notification.recipient_id != user.pk:
                raise NotFoundForUser(_("Not found."))
            unread = unread.filter(pk=notification.pk)
        return unread.update(read_at=timezone.now())
