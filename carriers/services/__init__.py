"""Writes for carrier filings (SPEC §5): the outbox and submissions (``forwarding``), results
(``results``), signed callbacks (``callbacks``), staff actions (``staff``), customers' re-files
(``refile``), signature use and clearance (``usage``), the carrier-reason catalogue
(``reasons``). Everything public is importable from here."""

from carriers.services.callbacks import (
    CallbackRefused,
    CallbackResult,
    callback_handle,
    callback_nonces_prune,
    callback_secret,
    callback_signature,
)
from carriers.services.common import CHECK_TASK, SUBMIT_TASK, FilingError
from carriers.services.forwarding import (
    SubmitBatch,
    SubmitRetry,
    filing_submit,
    filings_create_for_approval,
    filings_submit,
    filings_sweep,
    request_for,
)
from carriers.services.reasons import carrier_reason_create, carrier_reason_update
from carriers.services.refile import RefileRefused, filing_refile_by_customer
from carriers.services.results import (
    CheckBatch,
    Result,
    filing_check,
    filing_probe,
    filing_result_record,
    filings_check,
    filings_clearance_check,
    filings_poll,
    filings_results_record,
    probe_allowed,
)
from carriers.services.staff import filing_availability_set, filing_refile, filing_result_enter
from carriers.services.usage import UsageRefused, inactivity_warn, signature_usage_record

__all__ = [
    "CHECK_TASK",
    "SUBMIT_TASK",
    "CallbackRefused",
    "CallbackResult",
    "CheckBatch",
    "FilingError",
    "RefileRefused",
    "Result",
    "SubmitBatch",
    "SubmitRetry",
    "UsageRefused",
    "callback_handle",
    "callback_nonces_prune",
    "callback_secret",
    "callback_signature",
    "carrier_reason_create",
    "carrier_reason_update",
    "filing_availability_set",
    "filing_check",
    "filing_probe",
    "filing_refile",
    "filing_refile_by_customer",
    "filing_result_enter",
    "filing_result_record",
    "filing_submit",
    "filings_check",
    "filings_clearance_check",
    "filings_create_for_approval",
    "filings_poll",
    "filings_results_record",
    "filings_submit",
    "filings_sweep",
    "inactivity_warn",
    "probe_allowed",
    "request_for",
    "signature_usage_record",
]
