"""Telling people what happened: a Notification row per recipient (in the recipient's own
language) and an e-mail sent by a Celery task once the transaction has committed."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import translation

from reviewportal.models import Account, Notification, User

logger = logging.getLogger(__name__)

#: ``render()`` is called once per recipient with that recipient's language active and returns
#: ``(title, body)``.
Renderer = Callable[[], tuple[str, str]]


@transaction.atomic
def notification_send(
    *,
    recipients: Iterable[User],
    kind: str,
    render: Renderer,
    subject=None,
    account: Account | None = None,
) -> list[Notification]:
    """Create one notification per active recipient and e-mail each after commit.

    Effects, in order: Notification rows (title and body in the recipient's language); on
    commit, one ``notification_email_send`` task per row that has an e-mail address."""
    from reviewportal.tasks import notification_email_send

    content_type = ContentType.objects.get_for_model(subject) if subject is not None else None
    created: list[Notification] = []
    for user in recipients:
        if not user.is_active:
            continue
        with translation.override(user.language or "zh-hans"):
            title, body = render()
        created.append(
            Notification.objects.create(
                recipient=user,
                account=account,
                kind=kind,
                title=str(title)[:200],
                body=str(body),
                content_type=content_type,
                object_id=subject.pk if subject is not None else None,
            )
        )
    ids = [n.pk for n in created if n.recipient.email]
    if ids:
        transaction.on_commit(lambda: _enqueue_emails(notification_email_send, ids))
    return created


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
