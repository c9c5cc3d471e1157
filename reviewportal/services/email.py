"""Delivering notification e-mails."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from reviewportal.models import Notification


def notification_email_deliver(*, notification_id: int) -> bool:
    """Send the e-mail of one notification once. Returns False when there is nothing to do
    (already sent, deleted, or the recipient has no address). The row is locked while sending
    so that a redelivered task cannot send it twice."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notification is None or not notification.recipient.email:
            return False
        send_mail(
            subject=notification.title,
            message=notification.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[notification.recipient.email],
        )
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return True


def notification_email_sweep_run(*, older_than_minutes: int = 5, limit: int = 500) -> int:
    """Send the e-mails of notifications that were never e-mailed (their task was lost, or the
    broker was down when they were made). Returns how many were sent."""
    cutoff = timezone.now() - dt.timedelta(minutes=older_than_minutes)
    pending = list(
        Notification.objects.filter(
            emailed_at__isnull=True, created_at__lt=cutoff, recipient__email__gt=""
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(notification_email_deliver(notification_id=pk) for pk in pending)
