"""Celery tasks of the shared layer: thin, they take ids, re-fetch and call one service."""

from __future__ import annotations

from celery import shared_task

from reviewportal.services.email import notification_email_deliver


@shared_task(
    bind=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=8,
)
def notification_email_send(self, notification_id: int) -> None:
    """E-mail one notification; does nothing if it was already e-mailed."""
    notification_email_deliver(notification_id=notification_id)
