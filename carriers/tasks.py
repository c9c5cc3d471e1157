"""Celery tasks of the carriers app: thin, they take ids, re-fetch, call one service, and return
quietly when the work is done. Retries, backoff and jitter live in the decorators."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from carriers.gateways import GatewayTransientError
from carriers.services import (
    SubmitRetry,
    callback_nonces_prune,
    filing_check,
    filing_submit,
    filings_clearance_check,
    filings_poll,
    filings_sweep,
    inactivity_warn,
)

_POLICY = settings.CARRIER_POLICY


@shared_task(
    autoretry_for=(SubmitRetry,),
    retry_backoff=_POLICY["RETRY_BACKOFF_SECONDS"],
    retry_backoff_max=_POLICY["RETRY_BACKOFF_MAX_SECONDS"],
    retry_jitter=True,
    # Our own attempt counter (MAX_ATTEMPTS) decides when a filing fails; this only keeps
    # Celery from giving up first.
    max_retries=_POLICY["MAX_ATTEMPTS"] + 2,
)
def filing_submit_task(filing_id: int) -> None:
    """Submit one queued filing to its carrier; nothing if it has moved on."""
    filing_submit(filing_id=filing_id)


@shared_task(
    autoretry_for=(GatewayTransientError,),
    retry_backoff=_POLICY["RETRY_BACKOFF_SECONDS"],
    retry_backoff_max=_POLICY["RETRY_BACKOFF_MAX_SECONDS"],
    retry_jitter=True,
    max_retries=5,
)
def filing_check_task(filing_id: int) -> None:
    """Ask the carrier for a filing's result (query or test send); the periodic poll asks again
    later when there is no answer yet."""
    filing_check(filing_id=filing_id)


@shared_task
def filings_sweep_task() -> None:
    """Re-send filings left queued (CELERY_BEAT_SCHEDULE)."""
    filings_sweep()
    callback_nonces_prune()


@shared_task
def filings_poll_task() -> None:
    """Check the results of submitted filings."""
    filings_poll()


@shared_task
def filings_clearance_task() -> None:
    """Check registered signatures for a carrier's clearance (daily)."""
    filings_clearance_check()


@shared_task
def inactivity_warn_task() -> None:
    """Warn customers of signatures about to be cleared for lack of use."""
    inactivity_warn()
