"""The e-mail sweep survives a message that cannot be sent: a line break in a template's text
went into a notification's title and so into the e-mail subject, Django refused the header, and
the sweep stopped at that notification on every run, so nobody after it got an e-mail again."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.core import mail
from django.utils import timezone

from reviewportal.models import Notification
from reviewportal.tasks import notification_email_sweep
from tests.factories import CustomerFactory
from tests.security.mail_support import UNREACHABLE


def pending(customer, title: str, *, email: str | None = None) -> Notification:
    recipient = customer if email is None else CustomerFactory(account=customer.account)
    if email is not None:
        # An address stored before it was checked (or edited in the console by hand).
        type(recipient).objects.filter(pk=recipient.pk).update(email=email)
    note = Notification.objects.create(
        recipient=recipient, account=customer.account, kind="decision", title=title, body="正文"
    )
    Notification.objects.filter(pk=note.pk).update(
        created_at=timezone.now() - dt.timedelta(minutes=30)
    )
    return note


@pytest.fixture
def batch(customer):
    return [
        pending(customer, "模板已通过：一"),
        pending(customer, "模板已通过：您好\r\n验证码 ${code}"),
        pending(customer, "模板已通过：二", email="zhang@example.cn\nBcc: all@evil.example"),
        pending(customer, "模板已通过：\u2028三"),
        pending(customer, "模板已通过：四"),
    ]


def test_notifications_email_sweep_goes_on_past_a_bad_message(eager_tasks, batch, caplog):
    with caplog.at_level(logging.WARNING, logger="reviewportal.services.email"):
        notification_email_sweep.delay()
    bad = batch[2]
    good = [n for n in batch if n != bad]
    assert sorted(m.subject for m in mail.outbox) == sorted(
        " ".join(n.title.replace("\u2028", " ").split()) for n in good
    )
    for note in good:
        note.refresh_from_db()
        assert note.emailed_at is not None
    bad.refresh_from_db()
    assert bad.emailed_at is None  # a corrected address still gets it later
    logged = caplog.text
    assert str(bad.pk) in logged
    assert "evil.example" not in logged and "zhang@" not in logged and "模板" not in logged


def test_notifications_email_sweep_sends_a_skipped_message_once_its_address_is_fixed(
    eager_tasks, batch
):
    notification_email_sweep.delay()
    bad = batch[2]
    type(bad.recipient).objects.filter(pk=bad.recipient_id).update(email="zhang@example.cn")
    mail.outbox.clear()
    notification_email_sweep.delay()
    assert [m.to for m in mail.outbox] == [["zhang@example.cn"]]


def test_notifications_email_sweep_stops_when_the_mail_server_is_down(
    eager_tasks, batch, settings, caplog
):
    settings.EMAIL_BACKEND = UNREACHABLE
    with caplog.at_level(logging.WARNING, logger="reviewportal.services.email"):
        notification_email_sweep.delay()
    assert not Notification.objects.filter(emailed_at__isnull=False).exists()
    assert "left for the next run" in caplog.text
