"""Checking approved items batch after batch for bulk re-review (SPEC §7).

``BatchChecker`` reads the approved items of one kind in keyset batches (primary-key order,
never OFFSET) and gathers the inputs of a whole batch with a fixed number of queries, with what
the kind's app registered (``reviewportal.kinds.RereviewSource``: ``signatures.rereview``,
``templates.rereview``, which gather the facts of a batch and build each input with the same
builder as the per-item check), then feeds them to the same pure rules the submission pre-check
uses. Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections

from reviewportal.kinds import kinds, rereview_source
from reviewportal.models import Account, DecisionOutcome, ReviewState, Revision
from reviewportal.precheck import Finding, run_checks

#: Items read, checked and (with --commit) flagged per transaction.
DEFAULT_BATCH_SIZE = 1000

# --- Batched check inputs ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    """One approved item as a batch reads it."""

    pk: int
    public_id: str
    account_id: int
    account_public_id: str
    label: str


class AccountIds:
    """The public IDs of the accounts a run meets, read once per run (one query per batch for
    the accounts not seen yet, none once all are known), in a bounded cache: the batch's rows
    then need no join."""

    CACHE_SIZE = 100_000

    def __init__(self) -> None:
        self._ids: dict[int, str] = {}

    def __call__(self, ids: set[int]) -> dict[int, str]:
        missing = ids - self._ids.keys()
        if missing:
            if len(self._ids) + len(missing) > self.CACHE_SIZE:
                # Full: forget the accounts this batch does not need (never the ones it does).
                self._ids = {pk: public_id for pk, public_id in self._ids.items() if pk in ids}
            self._ids.update(Account.objects.filter(pk__in=missing).values_list("pk", "public_id"))
        return self._ids


def item_model(kind: str):
    """The application model a run of ``kind`` (``RereviewRun.kind``) checks."""
    return rereview_source(kind)[0]


def rule_kinds() -> dict[str, str]:
    """The pre-check rule kind of each kind of run (``RereviewRun.kind`` → rule kind)."""
    return {k.rereview.run_kind: k.rereview.rule_kind for k in kinds() if k.rereview}


def approved_items(kind: str, *, account: Account | None = None):
    """The approved items of ``kind`` a run checks (of one account when given)."""
    items = item_model(kind).objects.filter(state=ReviewState.APPROVED)
    if account is not None:
        items = items.filter(account=account)
    return items


@dataclass(slots=True)
class Checked:
    """An item of a batch that now has blocking findings."""

    row: Row
    findings: list[Finding]

    @property
    def codes(self) -> list[str]:
        return list(dict.fromkeys(f.code for f in self.findings))


@dataclass
class Batch:
    rows: list[Row]
    noncompliant: list[Checked]

    @property
    def last_pk(self) -> int:
        return self.rows[-1].pk


class BatchChecker:
    """Checks the approved items of one kind batch after batch, as of ``on``, limited to
    ``codes`` (every rule when empty) and to ``account``."""

    def __init__(
        self,
        kind: str,
        *,
        on: dt.date,
        codes: Sequence[str] = (),
        account: Account | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:
        self.kind = kind
        self.on = on
        self.codes = tuple(codes) or None
        self.batch_size = batch_size
        self.items = approved_items(kind, account=account).order_by("pk")
        self.accounts = AccountIds()
        self.source = rereview_source(kind)[1]
        self.fields, self.inputs = self.source.fields, self.source.inputs(on=on, codes=codes)

    def _page(self, after: int) -> tuple[list[tuple], dict]:
        """The rows of the next page after ``after`` and what the inputs read for them."""
        values = list(self.items.filter(pk__gt=after).values_list(*self.fields)[: self.batch_size])
        return values, self.inputs.read_ahead(values, after=after)

    def batch(self, *, after: int) -> Batch | None:
        """The next ``batch_size`` items above primary key ``after`` (keyset order), with
        those that have a ``block`` finding; None when there are no more."""
        values, ahead = self._page(after)
        return self._check(values, ahead, after=after)

    def _check(self, values: list[tuple], ahead: dict, *, after: int) -> Batch | None:
        if not values:
            return None
        inputs = self.inputs(values, after=after, **ahead)
        accounts = self.accounts({v[2] for v in values})
        rule_kind = self.source.rule_kind
        label = self.source.label
        rows, noncompliant = [], []
        for v, data in zip(values, inputs, strict=True):
            row = Row(v[0], v[1], v[2], accounts[v[2]], label(v))
            rows.append(row)
            blocks = [
                f
                for f in run_checks(rule_kind, data, on=self.on, codes=self.codes)
                if f.is_blocking
            ]
            if blocks:
                noncompliant.append(Checked(row, blocks))
        return Batch(rows, noncompliant)

    def __iter__(self) -> Iterator[Batch]:
        """Every batch, in order. Outside a transaction (a dry run) a helper thread with its own
        database connection reads the next page of rows (their materials, the holders of their
        texts) while this one checks the current page, so that the database's work overlaps the
        rules' (the thread waits on the socket without holding the interpreter). Inside a
        transaction the pages are read here, in it: another connection would not see the
        transaction's own writes."""
        if connection.in_atomic_block:
            after = 0
            while (batch := self.batch(after=after)) is not None:
                yield batch
                after = batch.last_pk
            return
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="rereview-read") as reader:
            try:
                after, (values, ahead) = 0, self._page(0)
                while values:
                    following = reader.submit(self._page, values[-1][0])
                    yield self._check(values, ahead, after=after)
                    after, (values, ahead) = values[-1][0], following.result()
            finally:
                reader.submit(connections.close_all).result()


def confirmed_codes(kind: str, batch: Batch, *, after: int) -> dict[int, set[str]]:
    """For each non-compliant item of ``batch``, the blocking codes a senior reviewer already
    confirmed it over after an earlier re-review: a later run does not flag it again for those.
    One query over the batch's primary-key range, only when it has non-compliant items."""
    if not batch.noncompliant:
        return {}
    content_type = ContentType.objects.get_for_model(item_model(kind))
    confirmed: dict[int, set[str]] = defaultdict(set)
    for object_id, findings in Revision.objects.filter(
        content_type=content_type,
        object_id__gt=after,
        object_id__lte=batch.last_pk,
        decisions__outcome=DecisionOutcome.CONFIRM,
    ).values_list("object_id", "findings"):
        confirmed[object_id] |= {f["code"] for f in findings or () if f.get("severity") == "block"}
    return confirmed
