"""Celery tasks of the carriers app: thin, they take ids, re-fetch, call one service, and return
quietly when the work is done. A submit or check message carries a batch of filing ids; the ids
that failed transiently are sent again, alone, with exponential back-off and full jitter."""

from __future__ import annotations

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings

from carriers.services import (
    CHECK_TASK,
    SUBMIT_TASK,
    callback_nonces_prune,
    filings_check,
    filings_clearance_check,
    filings_poll,
    filings_submit,
    filings_sweep,
    inactivity_warn,
)

_POLICY = settings.CARRIER_POLICY


def queue_for(name, args, kwargs, options, task=None, **kw):
    """Celery router (CELERY_TASK_ROUTES): submissions and checks to their own queues, read
    from settings at send time; every other task to the default queue."""
    kinds = {SUBMIT_TASK: "submit", CHECK_TASK: "check"}
    kind = kinds.get(name)
    return {"queue": settings.CARRIER_POLICY["QUEUES"][kind]} if kind else None


def _retry_later(task, ids: list[int]) -> None:
    """Send the ids that failed transiently again after a back-off (from the task's retry
    count, jittered); Celery gives up after ``max_retries`` and the sweep or poll takes over."""
    countdown = get_exponential_backoff_interval(
        factor=_POLICY["RETRY_BACKOFF_SECONDS"],
        retries=task.request.retries,
        maximum=_POLICY["RETRY_BACKOFF_MAX_SECONDS"],
        full_jitter=True,
    )
    raise task.retry(args=(ids,), kwargs={}, countdown=countdown)


@shared_task(
    bind=True,
    # Our own attempt counter (MAX_ATTEMPTS) decides when a filing fails; this only keeps
    # Celery from giving up first.
    max_retries=_POLICY["MAX_ATTEMPTS"] + 2,
    name=SUBMIT_TASK,
)
def filings_submit_task(self, filing_ids: list[int]) -> None:
    """Submit queued filings to their carriers (and, under a backlog, other fresh ones up to
    BATCH_SIZE); nothing for those that have moved on."""
    batch = filings_submit(filing_ids=filing_ids, top_up=True)
    if batch.retry:
        _retry_later(self, batch.retry)


@shared_task(bind=True, max_retries=5, name=CHECK_TASK)
def filings_check_task(self, filing_ids: list[int]) -> None:
    """Ask the carriers for filings' results (query or test send); the periodic poll asks
    again later when there is no answer yet."""
    batch = filings_check(filing_ids=filing_ids)
    if batch.retry:
        _retry_later(self, batch.retry)


@shared_task(name="carriers.tasks.filings_sweep_task")
def filings_sweep_task() -> None:
    """Re-send filings left queued (CELERY_BEAT_SCHEDULE)."""
    filings_sweep()
    callback_nonces_prune()


@shared_task(name="carriers.tasks.filings_poll_task")
def filings_poll_task() -> None:
    """Check the results of submitted filings."""
    filings_poll()


@shared_task(name="carriers.tasks.filings_clearance_task")
def filings_clearance_task() -> None:
    """Check registered signatures for a carrier's clearance (daily)."""
    filings_clearance_check()


@shared_task(name="carriers.tasks.inactivity_warn_task")
def inactivity_warn_task() -> None:
    """Warn customers of signatures about to be cleared for lack of use."""
    inactivity_warn()
