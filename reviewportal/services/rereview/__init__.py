"""Bulk re-review after a policy change (SPEC §7; seed 004: app names refused from 2026-05-01).

``rereview_run`` re-runs the pre-check as of a date over the approved signatures or templates,
streaming them in keyset batches (primary-key order, never OFFSET) so that memory stays constant
over millions of rows. The inputs of a whole batch are gathered with a fixed number of queries
(by what each kind's app registers: ``signatures.rereview``, ``templates.rereview``) and fed to
the same pure rules the submission pre-check uses.

A dry run (the default) writes nothing but its CSV report. A committed run flags the items of
each batch that now have a blocking finding with one ``review_flag_for_rereview_batch`` (the
batched twin of ``review_flag_for_rereview``); each batch's flags, the rows recording them and
the run's checkpoint commit in one transaction, so an interruption loses at most the batch under
way and running again with the same options resumes after the checkpoint. Items already under
re-review are not approved and are therefore never flagged twice. At the end every account is
told once, in one message listing its items.

Modules: ``checks`` reads and checks the batches (no writes), ``run`` runs a dry or committed
run and writes its report, ``notify`` tells the customers.
"""

from reviewportal.services.rereview.checks import (
    DEFAULT_BATCH_SIZE,
    Batch,
    BatchChecker,
    Checked,
    Row,
    approved_items,
)
from reviewportal.services.rereview.notify import NOTIFICATION_ITEM_LIMIT, rereview_notify
from reviewportal.services.rereview.run import (
    REPORT_HEADER,
    RereviewInputError,
    RereviewStats,
    default_report_path,
    rereview_account,
    rereview_codes,
    rereview_operator,
    rereview_run,
)

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "NOTIFICATION_ITEM_LIMIT",
    "REPORT_HEADER",
    "Batch",
    "BatchChecker",
    "Checked",
    "RereviewInputError",
    "RereviewStats",
    "Row",
    "approved_items",
    "default_report_path",
    "rereview_account",
    "rereview_codes",
    "rereview_notify",
    "rereview_operator",
    "rereview_run",
]
