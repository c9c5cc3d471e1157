"""Telling people what happened: a Notification row per recipient (in the recipient's own
language) and an e-mail sent by a Celery task once the transaction has committed."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import translation

from reviewportal.models import Account, Notification, User
from reviewportal.services.email import single_line

logger = logging.getLogger(__name__)

#: ``render()`` is called once per recipient with that recipient's language active and returns
#: ``(title, body)``.
Renderer = Callable[[], tuple[str, str]]


@dataclass(frozen=True)
class Message:
    """One thing to tell: ``render`` is called once per recipient, in that recipient's
    language."""

    recipients: Iterable[User]
    kind: str
    render: Renderer
    subject: object = None
    account: Account | None = None


@transaction.atomic
def notifications_send(*, messages: Iterable[Message]) -> list[Notification]:
    """Create one notification per active recipient of each message, all in one INSERT, and
    e-mail each after commit.

    Effects, in order: Notification rows (title and body in the recipient's language, the
    title made one line of at most 200 characters); on
    commit, one ``notification_email_send`` task per row that has an e-mail address. A batch of
    carrier results tells its customers with one call."""
    from reviewportal.tasks import notification_email_send

    rows: list[Notification] = []
    for message in messages:
        subject = message.subject
        content_type = ContentType.objects.get_for_model(subject) if subject is not None else None
        for user in message.recipients:
            if not user.is_active:
                continue
            with translation.override(user.language or "zh-hans"):
                title, body = message.render()
            rows.append(
                Notification(
                    recipient=user,
                    account=message.account,
                    kind=message.kind,
                    # A title is one line (it is the e-mail's subject too), whatever text
                    # went into it: a template's content, a company name.
                    title=single_line(title, limit=200),
                    body=str(body),
                    content_type=content_type,
                    object_id=subject.pk if subject is not None else None,
                )
            )
    # The primary keys come back from bulk_create on PostgreSQL and SQLite; the e-mail tasks
    # need them.
    created = Notification.objects.bulk_create(rows) if rows else []
    ids = [n.pk for n in created if n.recipient.email]
    if ids:
        transaction.on_commit(lambda: _enqueue_emails(notification_email_send, ids))
    return created


def notification_send(
    *,
    recipients: Iterable[User],
    kind: str,
    render: Renderer,
    subject=None,
    account: Account | None = None,
) -> list[Notification]:
    """Create one notification per active recipient and e-mail each after commit (see
    ``notifications_send``)."""
    return notifications_send(
        messages=[
            Message(
                recipients=recipients, kind=kind, render=render, subject=subject, account=account
            )
        ]
    )


def _enqueue_emails(task, ids: list[int]) -> None:
    """Hand the e-mails to the broker. If the broker is unreachable the notifications are kept
    (they are already committed) and ``notification_email_sweep`` sends them later: a broker
    outage never fails the request that caused the notification."""
    for pk in ids:
        try:
            task.delay(pk)
        except Exception:  # kombu raises transport-specific errors; any of them means "later"
            logger.warning("broker unavailable; notification %s will be e-mailed by the sweep", pk)
            return


def notification_send_to_account(
    *, account: Account, kind: str, render: Renderer, subject=None
) -> list[Notification]:
    """Notify every active user of a customer account."""
    users = account.users.filter(is_active=True).order_by("pk")
    return notification_send(
        recipients=users, kind=kind, render=render, subject=subject, account=account
    )
