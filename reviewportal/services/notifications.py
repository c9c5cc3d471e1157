"""Telling people what happened: a Notification row per recipient, written in every language of
the product so that each reader reads it in their language of the moment, and an e-mail sent by
a Celery task once the transaction has committed (in the recipient's saved language).

Every notification about an item names it and links to it (``notification_links``).
Notifications about several items pass their model class as the subject."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext

from reviewportal.models import Account, Notification, User
from reviewportal.services.dispatch import task_named
from reviewportal.services.email import single_line

logger = logging.getLogger(__name__)

#: The registered name of the task that e-mails one notification (``reviewportal.tasks``).
EMAIL_TASK = "reviewportal.tasks.notification_email_send"

#: ``render()`` is called once per language of the product, with that language active, and
#: returns ``(title, body)``.
Renderer = Callable[[], tuple[str, str]]

#: A title is one line of at most this many characters (it is the e-mail's subject too).
TITLE_MAX_LENGTH = 200


@dataclass(frozen=True)
class Message:
    """One thing to tell: ``render`` is called once per language of the product.

    ``subject`` is the item it is about (the notification links to it), or a model class when
    it is about several items of that kind (it links to their list)."""

    recipients: Iterable[User]
    kind: str
    render: Renderer
    subject: object = None
    account: Account | None = None


def _translate_later(message: str, params: dict) -> str:
    return gettext(message) % params


#: ``translated_later(msgid, params)``: text that translates ``msgid`` in the language active
#: when it is read, and fills in ``params`` then. For a phrase that a service composes before
#: calling ``notification_send`` (a reason, a cause), so that each language gets its own; mark
#: ``msgid`` for translation with ``gettext_noop``.
translated_later = lazy(_translate_later, str)


# --- sending ---------------------------------------------------------------------------------


def _texts(render: Renderer) -> dict[str, dict[str, str]]:
    """``render``'s title and body in every language of the product."""
    texts = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            title, body = render()
            texts[code] = {
                # A title is one line (it is the e-mail's subject too), whatever text went
                # into it: a template's name, a company name.
                "title": single_line(title, limit=TITLE_MAX_LENGTH),
                "body": str(body),
            }
    return texts


def _language_of(user: User, texts: dict) -> str:
    return user.language if user.language in texts else settings.LANGUAGE_CODE


def notifications_send(*, messages: Iterable[Message]) -> list[Notification]:
    """Create one notification per active recipient of each message, all in one INSERT, and
    e-mail each after commit.

    Effects, in order: each message is rendered once per language of the product (title made
    one line of at most 200 characters); Notification rows with the text in every language
    (``texts``) and, as ``title`` and ``body``, in the recipient's saved language; on commit,
    one ``notification_email_send`` task per row that has an e-mail address. A batch of
    carrier results tells its customers with one call."""
    with transaction.atomic():
        rows: list[Notification] = []
        for message in messages:
            recipients = [user for user in message.recipients if user.is_active]
            if not recipients:
                continue
            subject = message.subject
            content_type = (
                ContentType.objects.get_for_model(subject) if subject is not None else None
            )
            object_id = subject.pk if isinstance(subject, models.Model) else None
            texts = _texts(message.render)
            for user in recipients:
                own = texts[_language_of(user, texts)]
                rows.append(
                    Notification(
                        recipient=user,
                        account=message.account,
                        kind=message.kind,
                        title=own["title"],
                        body=own["body"],
                        texts=texts,
                        content_type=content_type,
                        object_id=object_id,
                    )
                )
        # The primary keys come back from bulk_create on PostgreSQL and SQLite; the e-mail tasks
        # need them.
        created = Notification.objects.bulk_create(rows) if rows else []
        ids = [n.pk for n in created if n.recipient.email]
        if ids:
            transaction.on_commit(lambda: _enqueue_emails(ids))
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


def _enqueue_emails(ids: list[int]) -> None:
    """Hand the e-mails to the broker. If the broker is unreachable the notifications are kept
    (they are already committed) and ``notification_email_sweep`` sends them later: a broker
    outage never fails the request that caused the notification."""
    task = task_named(EMAIL_TASK)
    for pk in ids:
        try:
            task.apply_async((pk,))
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
