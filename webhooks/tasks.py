"""Celery tasks of the webhooks app: thin, they take ids and call one service. Retries are
not Celery's: a failed delivery is pending again with its next attempt's time in the database,
and a countdown message (a retry due soon) or the sweep sends it."""

from __future__ import annotations

from celery import shared_task

from webhooks.services import SEND_TASK, deliveries_send, deliveries_sweep


@shared_task(name=SEND_TASK)
def deliveries_send_task(delivery_ids: list[int]) -> None:
    """Send the due deliveries among ``delivery_ids``; nothing for those done or not due."""
    deliveries_send(delivery_ids=delivery_ids)


@shared_task(name="webhooks.tasks.deliveries_sweep_task")
def deliveries_sweep_task() -> None:
    """Send the deliveries that are due (CELERY_BEAT_SCHEDULE)."""
    deliveries_sweep()
