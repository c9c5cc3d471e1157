"""Running a bulk re-review (SPEC §7): input checks, the dry and committed runs, the report.

A dry run (the default) writes nothing but its CSV report. A committed run flags the items of
each batch that now have a blocking finding with one ``review_flag_for_rereview_batch``; each
batch's flags, the rows recording them and the run's checkpoint commit in one transaction, so an
interruption loses at most the batch under way and running again with the same options resumes
after the checkpoint.
Items already under re-review are not approved and are therefore never flagged twice. At the end
every account is told once, in one message listing its items (``notify``).
"""

from __future__ import annotations

import csv
import datetime as dt
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reviewportal.errors import ReviewError
from reviewportal.identifiers import parse_row_id
from reviewportal.models import Account, RereviewRun, RereviewRunItem, User
from reviewportal.permissions import PERM_FLAG, is_staff_user
from reviewportal.precheck import known_codes
from reviewportal.services.lifecycle import review_flag_for_rereview_batch
from reviewportal.services.rereview.checks import (
    DEFAULT_BATCH_SIZE,
    BatchChecker,
    Checked,
    approved_items,
    confirmed_codes,
    item_model,
    rule_kinds,
)
from reviewportal.services.rereview.notify import rereview_notify

#: CSV report: its columns, and the actions of a dry run (stable English words for scripts).
REPORT_HEADER = ("item", "account", "rule_codes", "action", "detail")
WOULD_FLAG = "would_flag"
WOULD_FLAG_SUSPENDED = "would_flag_suspended"
A = RereviewRunItem.Action


class RereviewInputError(ReviewError):
    """Bad input to a run (rule code, account, operator); raised before anything is written."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="rereview_input")


# --- Input ------------------------------------------------------------------------------------


def rereview_codes(kind: str, codes: Collection[str] | None) -> tuple[str, ...]:
    """The rule codes to check, validated against ``kind`` and sorted; () for every rule.
    A code of the other kind is refused like a typo: it would silently check nothing."""
    rule_kind = rule_kinds().get(kind)
    if rule_kind is None:
        raise RereviewInputError(_("Unknown kind %(kind)s.") % {"kind": kind})
    wanted = sorted({c.strip().upper() for c in codes or () if c.strip()})
    known = known_codes(rule_kind)
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise RereviewInputError(
            _("Unknown %(kind)s rule code(s): %(codes)s. Known: %(known)s.")
            % {"kind": rule_kind, "codes": ", ".join(unknown), "known": ", ".join(known)}
        )
    return tuple(wanted)


def rereview_account(value: str | None) -> Account | None:
    """The account given by its public ID (``ACC…``) or its numeric primary key."""
    if value is None or not str(value).strip():
        return None
    value = str(value).strip()
    found = Account.objects.filter(public_id=value.upper()).first()
    if found is None and (pk := parse_row_id(value)):
        found = Account.objects.filter(pk=pk).first()
    if found is None:
        raise RereviewInputError(_("No account %(account)s.") % {"account": value})
    return found


def rereview_operator(username: str | None) -> User:
    """The staff user in whose name items are flagged: must hold the re-review permission."""
    if not username:
        raise RereviewInputError(
            _("A committed run needs --user: the staff member in whose name items are flagged.")
        )
    user = User.objects.filter(username=username).first()
    if not _may_flag(user):
        raise RereviewInputError(
            _("%(user)s is not an active staff member allowed to flag items for re-review.")
            % {"user": username}
        )
    return user


def _may_flag(user: User | None) -> bool:
    return user is not None and is_staff_user(user) and user.has_perm(PERM_FLAG)


# --- The run ----------------------------------------------------------------------------------


@dataclass
class RereviewStats:
    """What a run has done so far; passed to the ``on_batch`` callback after every batch."""

    kind: str
    commit: bool
    total: int
    checked: int = 0
    noncompliant: int = 0
    flagged: int = 0
    kept: int = 0
    skipped: int = 0
    batches: int = 0
    accounts_notified: int = 0
    resumed_after: int = 0
    run_id: int | None = None
    report_path: str = ""
    started: float = field(default_factory=time.monotonic)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def rate(self) -> float:
        return self.checked / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        if not self.rate:
            return None
        return max(self.total - self.checked, 0) / self.rate


def default_report_path(kind: str, *, commit: bool) -> Path:
    """``var/rereview/<kind>-<UTC time>[-dry-run].csv``."""
    stamp = timezone.now().astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S")
    suffix = "" if commit else "-dry-run"
    return Path(settings.VAR_DIR) / "rereview" / f"{kind}-{stamp}{suffix}.csv"


def _open_report(path: Path):
    """The report file opened for appending (its header written when it is new); raises
    ``RereviewInputError`` when it cannot be written."""
    if path.is_dir():
        raise RereviewInputError(
            _("The report path %(path)s is a folder; give a file name, e.g. %(example)s.")
            % {"path": path, "example": path / "report.csv"}
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        new = not path.exists() or path.stat().st_size == 0
        handle = path.open("a", newline="", encoding="utf-8")
    except OSError as exc:
        raise RereviewInputError(
            _("The report cannot be written to %(path)s: %(reason)s")
            % {"path": path, "reason": exc.strerror or exc}
        ) from None
    writer = csv.writer(handle)
    if new:
        writer.writerow(REPORT_HEADER)
    return handle, writer


def _run_key(kind, codes, on, account, suspend) -> str:
    return "|".join(
        [kind, " ".join(codes), on.isoformat(), str(account.pk if account else ""), str(suspend)]
    )


def rereview_run(
    *,
    kind: str,
    on: dt.date,
    codes: Collection[str] = (),
    account: Account | None = None,
    commit: bool = False,
    suspend: bool = False,
    user: User | None = None,
    report_path: Path | str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[RereviewStats], None] | None = None,
) -> RereviewStats:
    """Re-run the pre-check as of ``on`` over the approved items of ``kind`` (``signatures`` or
    ``templates``), limited to rule ``codes`` and to ``account`` when given.

    Validates everything first (unknown codes or codes of the other kind, the operator ``user``
    for a committed run) and raises ``RereviewInputError`` before any change.

    Dry run (``commit=False``): writes only the CSV report, one row per non-compliant item with
    the action a committed run would take. Committed run, in order: the unfinished run with the
    same options is resumed (or a new ``RereviewRun`` started); per batch, in one transaction,
    each non-compliant item is flagged through ``review_flag_for_rereview`` with its blocking
    findings (suspended too with ``suspend``; the customer is not told per item), unless a
    senior reviewer already confirmed it over the same codes; a ``RereviewRunItem`` per
    non-compliant item and the run's checkpoint are saved; then its report rows are written and
    ``on_batch`` is called. After the last batch each account with flagged items gets one
    notification listing them, and the run is marked finished. An exception (Ctrl-C included)
    rolls back the batch under way only; running again resumes."""
    codes = rereview_codes(kind, codes)
    if commit and not _may_flag(user):
        raise RereviewInputError(
            _("%(user)s is not an active staff member allowed to flag items for re-review.")
            % {"user": user}
        )
    if report_path is not None:
        # Before anything is recorded: a committed run remembers where its report goes.
        _open_report(Path(report_path))[0].close()
    run = None
    after = 0
    if commit:
        with transaction.atomic():
            run, _created = RereviewRun.objects.get_or_create(
                key=_run_key(kind, codes, on, account, suspend),
                finished_at__isnull=True,
                defaults={
                    "kind": kind,
                    "codes": " ".join(codes),
                    "checks_on": on,
                    "account": account,
                    "suspend": suspend,
                    "started_by": user,
                    "report_path": str(report_path or default_report_path(kind, commit=True)),
                },
            )
        after = run.last_pk
        if report_path is None:
            report_path = run.report_path
    path = Path(report_path or default_report_path(kind, commit=commit))
    stats = RereviewStats(
        kind=kind,
        commit=commit,
        total=approved_items(kind, account=account).filter(pk__gt=after).count(),
        resumed_after=after,
        run_id=run.pk if run else None,
        report_path=str(path),
    )
    handle, writer = _open_report(path)
    try:
        if commit:
            _run_committed(
                run, stats, writer, handle, codes, on, account, user, batch_size, on_batch
            )
            stats.accounts_notified = rereview_notify(run=run)
            RereviewRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())
        else:
            _run_dry(stats, writer, handle, codes, on, account, suspend, batch_size, on_batch)
    finally:
        handle.close()
    return stats


def _run_dry(stats, writer, handle, codes, on, account, suspend, batch_size, on_batch) -> None:
    would = WOULD_FLAG_SUSPENDED if suspend else WOULD_FLAG
    after = 0
    for batch in BatchChecker(
        stats.kind, on=on, codes=codes, account=account, batch_size=batch_size
    ):
        confirmed = confirmed_codes(stats.kind, batch, after=after)
        after = batch.last_pk
        for checked in batch.noncompliant:
            kept = set(checked.codes) <= confirmed.get(checked.row.pk, set())
            stats.kept += kept
            stats.flagged += not kept
            writer.writerow(_report_row(checked, A.KEPT_CONFIRMED if kept else would, ""))
        _batch_done(stats, batch, handle, on_batch)


def _run_committed(
    run, stats, writer, handle, codes, on, account, user, batch_size, on_batch
) -> None:
    action = A.FLAGGED_SUSPENDED if run.suspend else A.FLAGGED
    model = item_model(stats.kind)
    checker = BatchChecker(stats.kind, on=on, codes=codes, account=account, batch_size=batch_size)
    while True:
        with transaction.atomic():
            # The run row's lock makes a second process running the same run wait, then
            # continue after this one's checkpoint.
            locked = RereviewRun.objects.select_for_update().get(pk=run.pk)
            batch = checker.batch(after=locked.last_pk)
            if batch is None:
                return
            confirmed = confirmed_codes(stats.kind, batch, after=locked.last_pk)
            findings = {c.row.pk: [f.to_dict() for f in c.findings] for c in batch.noncompliant}
            to_flag = [
                c for c in batch.noncompliant if not set(c.codes) <= confirmed.get(c.row.pk, set())
            ]
            flagged_pks, skipped_why = _flag(model, to_flag, findings, user, run.suspend)
            records, report = [], []
            flagged = kept = skipped = 0
            for checked in batch.noncompliant:
                pk, detail = checked.row.pk, ""
                if pk in flagged_pks:
                    taken = action
                    flagged += 1
                elif pk in skipped_why:
                    # Changed since it was read (edited, flagged by someone else, held by
                    # another transaction): report it and go on with the others.
                    taken, detail = A.SKIPPED, skipped_why[pk]
                    skipped += 1
                else:
                    taken = A.KEPT_CONFIRMED
                    kept += 1
                records.append(
                    RereviewRunItem(
                        run=run,
                        object_id=pk,
                        public_id=checked.row.public_id,
                        label=checked.row.label[:200],
                        account_id=checked.row.account_id,
                        action=taken,
                        findings=findings[pk],
                        detail=detail,
                    )
                )
                report.append(_report_row(checked, taken, detail))
            RereviewRunItem.objects.bulk_create(records)
            locked.last_pk = batch.last_pk
            locked.checked += len(batch.rows)
            locked.flagged += flagged
            locked.save(update_fields=["last_pk", "checked", "flagged"])
        # Counted once the batch has committed: a batch rolled back did nothing.
        stats.flagged += flagged
        stats.kept += kept
        stats.skipped += skipped
        writer.writerows(report)
        _batch_done(stats, batch, handle, on_batch)


def _flag(model, to_flag, findings, user, suspend) -> tuple[set[int], dict[int, str]]:
    """Flag the items of ``to_flag`` with one batched transition; returns the primary keys
    flagged and, for the others, why not. A refusal of the whole batch (no calendar for the new
    due time) skips every item of it with that reason."""
    if not to_flag:
        return set(), {}
    try:
        # The service locks and re-reads the rows itself.
        result = review_flag_for_rereview_batch(
            items=[model(pk=c.row.pk) for c in to_flag],
            user=user,
            findings_by_item={c.row.pk: findings[c.row.pk] for c in to_flag},
            suspend=suspend,
        )
    except ReviewError as exc:
        return set(), {c.row.pk: str(exc) for c in to_flag}
    return {item.pk for item in result.flagged}, result.skipped


def _report_row(checked: Checked, action: str, detail: str) -> tuple:
    return (
        checked.row.public_id,
        checked.row.account_public_id,
        " ".join(checked.codes),
        str(action),
        detail,
    )


def _batch_done(stats, batch, handle, on_batch) -> None:
    handle.flush()
    stats.batches += 1
    stats.checked += len(batch.rows)
    stats.noncompliant += len(batch.noncompliant)
    if on_batch is not None:
        on_batch(stats)
