"""Celery tasks of the shared layer: thin, they take ids, re-fetch and call one service."""

from __future__ import annotations

from celery import shared_task

from reviewportal.services.calendar import calendar_coverage_remind
from reviewportal.services.claims import review_claims_expire_run
from reviewportal.services.email import notification_email_deliver, notification_email_sweep_run
from reviewportal.services.notifications import EMAIL_TASK
from reviewportal.services.sla import sla_pending_recompute, sla_sweep_run


@shared_task(
    bind=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=8,
    name=EMAIL_TASK,
)
def notification_email_send(self, notification_id: int) -> None:
    """E-mail one notification; does nothing if it was already e-mailed."""
    notification_email_deliver(notification_id=notification_id)


@shared_task(name="reviewportal.tasks.sla_sweep")
def sla_sweep() -> None:
    """Record SLA breaches and flag items at risk, telling senior reviewers (every 5 minutes,
    CELERY_BEAT_SCHEDULE). Safe to run twice: each item is recorded once. First computes the
    pending due times whose year is in the calendar by now: the import service does that
    itself, this is the safety net for a year entered some other way."""
    sla_pending_recompute()
    sla_sweep_run()


@shared_task(name="reviewportal.tasks.calendar_coverage_reminder")
def calendar_coverage_reminder() -> None:
    """Remind senior reviewers, once a week, that next year's calendar is missing or only
    provisional (from 1 November; CELERY_BEAT_SCHEDULE runs it daily)."""
    calendar_coverage_remind()


@shared_task(name="reviewportal.tasks.notification_email_sweep")
def notification_email_sweep() -> None:
    """Send notification e-mails whose task never ran (CELERY_BEAT_SCHEDULE)."""
    notification_email_sweep_run()


@shared_task(name="reviewportal.tasks.claims_expire")
def claims_expire() -> None:
    """Return claims idle for longer than REVIEW_POLICY["CLAIM_IDLE_MINUTES"] to the queue
    (CELERY_BEAT_SCHEDULE). Safe to run twice."""
    review_claims_expire_run()
