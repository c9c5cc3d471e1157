"""Periodic work of the signatures app (CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import logging

from celery import shared_task

from signatures.services import materials_staged_purge

logger = logging.getLogger("signatures.tasks")


@shared_task(name="signatures.tasks.staged_uploads_purge")
def staged_uploads_purge() -> None:
    """Delete the staged uploads nobody used (hourly). Safe to run twice: each run deletes what
    is left, in batches."""
    result = materials_staged_purge(commit=True)
    if result.count:
        logger.info("Deleted %s staged upload(s), %s bytes", result.count, result.size)
