"""Sending e-mail: every e-mail of the product goes through ``email_send``, whose subject is one
line of plain text however it was made (company names, template text, notification titles), and
whose links start from ``SITE_URL``, never from the Host of the request that caused them."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import unicodedata

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from reviewportal.models import Notification
from reviewportal.services.notification_links import notification_link

logger = logging.getLogger(__name__)

#: Longer subjects are cut (with an ellipsis): mail clients show about this much anyway.
SUBJECT_MAX_LENGTH = 120


def single_line(text: object, *, limit: int) -> str:
    """``text`` as one line of at most ``limit`` characters: every run of white space or of
    control and format characters (line breaks of any kind, ``\\u2028``, tabs, NUL, bidi
    overrides, zero-width characters…) becomes one space, the ends are trimmed, and longer text
    is cut with "…"."""
    chars = [" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in str(text if text else "")]
    line = " ".join("".join(chars).split())
    if len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line


def email_subject(text: object) -> str:
    """The subject line of an e-mail made from ``text`` (see ``single_line``)."""
    return single_line(text, limit=SUBJECT_MAX_LENGTH)


def site_url() -> str:
    """The public address of the portal, without a trailing slash (``SITE_URL``)."""
    return settings.SITE_URL.rstrip("/")


def email_send(*, to: str, subject: object, body: str) -> None:
    """Send one plain-text e-mail from ``DEFAULT_FROM_EMAIL``. The subject is made one line
    (``email_subject``), so no text can break the header. Raises what the mail backend raises:
    ``ValueError`` for an address that cannot be used, ``OSError`` (``smtplib`` errors among
    them) when the server refuses or cannot be reached."""
    send_mail(email_subject(subject), body, settings.DEFAULT_FROM_EMAIL, [to])


def _permanent(error: Exception) -> bool:
    """Whether sending the same message again cannot help: a malformed address, an address the
    server refused, or a message it refused for good (a 5xx answer to its data). Anything else
    (the server is down or refuses our login or sender, a timeout) is worth a retry."""
    if isinstance(error, smtplib.SMTPDataError):
        return error.smtp_code >= 500
    return isinstance(error, ValueError | smtplib.SMTPRecipientsRefused)


def notification_email_content(notification: Notification) -> tuple[str, str]:
    """The subject and body of ``notification``'s e-mail, in the recipient's saved language
    as it is now (not as it was when the notification was made), the body ending with the
    address of the page it leads to: the item's portal page for a customer, its console page
    for staff."""
    recipient = notification.recipient
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        title, body = notification.text_in(translation.get_language())
        path = notification_link(notification, staff=recipient.is_staff)
        if path:
            where = (
                gettext("Open it in the reviewer console: %(url)s")
                if recipient.is_staff
                else gettext("Open it in the portal: %(url)s")
            )
            body = f"{body}\n\n{where % {'url': site_url() + path}}"
    return title, body


def notification_email_deliver(*, notification_id: int) -> bool:
    """Send the e-mail of one notification once (``notification_email_content``: in the
    recipient's language, with the link to its page). Returns False when there is nothing to do
    (already sent, deleted, or the recipient has no address) or when the message cannot be sent
    to its address (logged by id, without the address or the text; the notification stays
    unsent, so a corrected address gets it from the next sweep). Raises ``OSError`` when the
    mail server fails, so that the task retries. The row is locked while sending so that a
    redelivered task cannot send it twice."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notification is None or not notification.recipient.email:
            return False
        subject, body = notification_email_content(notification)
        try:
            email_send(to=notification.recipient.email, subject=subject, body=body)
        except Exception as error:
            if not _permanent(error):
                raise
            logger.warning(
                "notification %s: e-mail not sent, the address cannot be used (%s)",
                notification.pk,
                type(error).__name__,
            )
            return False
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return True


def notification_email_sweep_run(*, older_than_minutes: int = 5, limit: int = 500) -> int:
    """Send the e-mails of notifications that were never e-mailed (their task was lost, or the
    broker was down when they were made). Returns how many were sent.

    One message that cannot be sent is logged (by id) and skipped; the others are still sent.
    When the mail server itself fails the sweep stops: the rest waits for the next run."""
    cutoff = timezone.now() - dt.timedelta(minutes=older_than_minutes)
    pending = list(
        Notification.objects.filter(
            emailed_at__isnull=True, created_at__lt=cutoff, recipient__email__gt=""
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for position, pk in enumerate(pending):
        try:
            sent += notification_email_deliver(notification_id=pk)
        except OSError as error:
            logger.warning(
                "notification e-mail sweep stopped at notification %s: mail server error (%s);"
                " %s left for the next run",
                pk,
                type(error).__name__,
                len(pending) - position,
            )
            break
        except Exception as error:
            logger.error(
                "notification %s: e-mail not sent (%s); the sweep goes on",
                pk,
                type(error).__name__,
            )
    return sent
