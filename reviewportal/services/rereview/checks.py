"""Checking approved items batch after batch for bulk re-review (SPEC §7).

``BatchChecker`` reads the approved signatures or templates in keyset batches (primary-key
order, never OFFSET) and gathers the inputs of a whole batch with a fixed number of queries
(``SignatureInputs``, ``TemplateInputs``, the batched twins of the per-item builders in
``signatures.selectors`` and ``templates.selectors``), then feeds them to the same pure rules the
submission pre-check uses. Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections
from django.db.models import Max, Min

from reviewportal.models import Account, DecisionOutcome, RereviewRun, ReviewState, Revision
from reviewportal.precheck import SIGNATURE, TEMPLATE, Finding, run_checks
from reviewportal.precheck.text import normalize

#: Items read, checked and (with --commit) flagged per transaction.
DEFAULT_BATCH_SIZE = 1000

SIGNATURES = RereviewRun.Kind.SIGNATURES
TEMPLATES = RereviewRun.Kind.TEMPLATES
RULE_KINDS = {SIGNATURES: SIGNATURE, TEMPLATES: TEMPLATE}

#: Signature codes decided by the signature row alone (content and type): a run limited to them
#: does not read qualifications, materials, trademarks or authorizations.
_CONTENT_ONLY_CODES = frozenset(
    {
        "SIG_LENGTH",
        "SIG_FORBIDDEN_CHARS",
        "SIG_DIGITS",
        "SIG_LATIN",
        "SIG_NEUTRAL",
        "SIG_TYPE_NOT_ACCEPTED",
    }
)


# --- Batched check inputs ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    """One approved item as a batch reads it."""

    pk: int
    public_id: str
    account_id: int
    account_public_id: str
    label: str


def _kinds_by(pairs: Iterable[tuple[int, str]]) -> dict[int, set[str]]:
    kinds: dict[int, set[str]] = defaultdict(set)
    for owner, kind in pairs:
        kinds[owner].add(kind)
    return kinds


def _own_material_kinds(through, owner: str, *, after: int, last: int) -> dict[int, set[str]]:
    """The material kinds of the items ``after < pk <= last`` of an m2m ``through`` table, by
    item: the links by primary-key range, then the kinds of the materials linked. Two small
    queries instead of one join, whose plan reads the whole material table once it is smaller
    than the batch's share of it would be to look up."""
    from signatures.models import Material

    links = list(
        through.objects.filter(**{f"{owner}__gt": after, f"{owner}__lte": last}).values_list(
            owner, "material_id"
        )
    )
    if not links:
        return {}
    kinds = dict(Material.objects.filter(pk__in={m for _o, m in links}).values_list("pk", "kind"))
    return _kinds_by((o, kinds[m]) for o, m in links)


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


SIGNATURE_FIELDS = (
    "pk",
    "public_id",
    "account_id",
    "qualification_id",
    "sig_type",
    "content",
    "purpose",
    "trademark_id",
    "authorization_id",
)
TEMPLATE_FIELDS = (
    "pk",
    "public_id",
    "account_id",
    "name",
    "content",
    "kind",
    "industry",
    "signature__state",
    "signature__qualification__verified_domains",
)


class SignatureInputs:
    """``signatures.selectors.signature_check_input`` for whole batches, with a fixed number of
    queries per batch whatever its size: the batch's own materials are read for its primary-key
    range (two parameters, not a thousand), the neutral words once per run, qualifications with
    their materials and the holders of each signature text (SIG_TAKEN) once per run too, in
    bounded caches (so memory stays constant however many there are). Related rows are read
    only when a checked code needs them."""

    #: Qualifications and signature texts kept between batches; a cache starts again when full.
    CACHE_SIZE = 100_000

    def __init__(self, *, on: dt.date, codes: Collection[str] = ()) -> None:
        from signatures.selectors import neutral_words

        codes = frozenset(codes)
        self.on = on
        self.need_related = not codes or bool(codes - _CONTENT_ONLY_CODES)
        self.need_taken = not codes or "SIG_TAKEN" in codes
        self.neutral_words = neutral_words() if not codes or "SIG_NEUTRAL" in codes else ()
        self._qualifications: dict[int, tuple[str, str, bool, frozenset[str]]] = {}
        self._holders: dict[str, tuple[int, int] | None] = {}

    def qualifications(self, ids: set[int]) -> dict[int, tuple[str, str, bool, frozenset[str]]]:
        """(name, entity kind, mainland, material kinds) of each qualification in ``ids``."""
        from signatures.models import Qualification

        missing = ids - self._qualifications.keys()
        if missing:
            if len(self._qualifications) + len(missing) > self.CACHE_SIZE:
                # Full: forget the qualifications this batch does not need.
                self._qualifications = {
                    pk: row for pk, row in self._qualifications.items() if pk in ids
                }
            kinds = _kinds_by(
                Qualification.materials.through.objects.filter(
                    qualification_id__in=missing
                ).values_list("qualification_id", "material__kind")
            )
            for pk, name, entity_kind, is_mainland in Qualification.objects.filter(
                pk__in=missing
            ).values_list("pk", "name", "entity_kind", "is_mainland"):
                self._qualifications[pk] = (
                    name,
                    entity_kind,
                    is_mainland,
                    frozenset(kinds.get(pk, ())),
                )
        return self._qualifications

    def holders(self, values: Sequence[tuple]) -> dict[str, tuple[int, int] | None]:
        """The lowest and highest qualification holding each signature text of ``values`` that
        the cache does not know yet (None when nobody holds it), with one grouped query. Only
        reads the cache, so it may run ahead in another thread."""
        from signatures.models import SignatureApplication
        from signatures.selectors import HOLDING_STATES

        if not values or not self.need_taken:
            return {}
        missing = {text for v in values if (text := normalize(v[5]).strip()) not in self._holders}
        if not missing:
            return {}
        found = {
            content: (lowest, highest)
            for content, lowest, highest in SignatureApplication.objects.filter(
                content__in=missing, state__in=HOLDING_STATES
            )
            .order_by()
            .values("content")
            .annotate(lowest=Min("qualification_id"), highest=Max("qualification_id"))
            .values_list("content", "lowest", "highest")
        }
        return {content: found.get(content) for content in missing}

    def _remember(self, holders: dict[str, tuple[int, int] | None], keep: set[str]) -> None:
        """Add ``holders`` to the cache; when it is full, forget the texts not in ``keep`` (the
        batch's own) first."""
        if len(self._holders) + len(holders) > self.CACHE_SIZE:
            self._holders = {text: h for text, h in self._holders.items() if text in keep}
        self._holders.update(holders)

    def taken(self, values: Sequence[tuple], *, ahead: dict | None = None) -> set[int]:
        """The items of the batch whose signature is approved or pending for another
        qualification (SIG_TAKEN). For each signature text the lowest and highest qualification
        holding it are read once per run (``holders``: one grouped query per batch for the
        texts not seen yet, possibly read ahead): it is taken by another qualification unless
        both are the item's own."""
        texts = [normalize(v[5]).strip() for v in values]
        if ahead:
            self._remember(ahead, keep=set(texts))
        if any(text not in self._holders for text in texts):
            self._remember(self.holders(values), keep=set(texts))
        taken = set()
        for v, text in zip(values, texts, strict=True):
            holders = self._holders[text]
            if holders is not None and holders != (v[3], v[3]):
                taken.add(v[0])
        return taken

    def read_ahead(self, values: Sequence[tuple], *, after: int) -> dict:
        """What ``__call__`` reads from the database for ``values`` beyond the cached
        qualifications, as its keyword arguments: read by another thread ahead of the call."""
        return {"own": self.own_materials(values, after=after), "ahead": self.holders(values)}

    def own_materials(self, values: Sequence[tuple], *, after: int) -> dict[int, set[str]]:
        """The kinds of the items' own materials (rows ``values``, all above ``after``)."""
        from signatures.models import SignatureApplication

        if not values or not self.need_related:
            return {}
        return _own_material_kinds(
            SignatureApplication.materials.through,
            "signatureapplication_id",
            after=after,
            last=values[-1][0],
        )

    def __call__(
        self,
        values: Sequence[tuple],
        *,
        after: int,
        own: dict[int, set[str]] | None = None,
        ahead: dict | None = None,
    ) -> list:
        """The check inputs of ``values`` (rows of ``SIGNATURE_FIELDS`` in primary-key order,
        all above ``after``); ``own`` and ``ahead`` are what ``read_ahead`` returned for them,
        read here when not given."""
        from signatures.models import Authorization, Trademark
        from signatures.rules import SignatureCheckInput

        if not values:
            return []
        taken = self.taken(values, ahead=ahead) if self.need_taken else set()
        if not self.need_related:
            return [
                SignatureCheckInput(
                    content=content,
                    sig_type=sig_type,
                    purpose=purpose,
                    neutral_words=self.neutral_words,
                    taken=pk in taken,
                )
                for pk, _p, _a, _q, sig_type, content, purpose, _t, _au in values
            ]
        qualifications = self.qualifications({v[3] for v in values})
        if own is None:
            own = self.own_materials(values, after=after)
        trademarks: dict[int, tuple] = {}
        authorizations: dict[int, tuple] = {}
        partner_kinds: dict[int, set[str]] = {}
        t_ids = {v[7] for v in values if v[7]}
        if t_ids:
            trademarks = {
                t[0]: t
                for t in Trademark.objects.filter(pk__in=t_ids).values_list(
                    "pk", "name", "owner_name", "certificate_id"
                )
            }
        a_ids = {v[8] for v in values if v[8]}
        if a_ids:
            authorizations = {
                a[0]: a
                for a in Authorization.objects.filter(pk__in=a_ids).values_list(
                    "pk", "partner_name", "letter_id", "valid_from", "valid_until"
                )
            }
            partner_kinds = _kinds_by(
                Authorization.partner_materials.through.objects.filter(
                    authorization_id__in=a_ids
                ).values_list("authorization_id", "material__kind")
            )
        inputs = []
        for pk, _p, _a, q_id, sig_type, content, purpose, t_id, a_id in values:
            name, entity_kind, is_mainland, q_kinds = qualifications[q_id]
            kinds = q_kinds
            trademark = trademarks.get(t_id)
            authorization = authorizations.get(a_id)
            letter_valid = False
            # Most items have no material of their own, trademark or authorization: they use
            # the qualification's frozenset as it is.
            if pk in own or trademark is not None or authorization is not None:
                kinds = set(q_kinds) | own.get(pk, set())
                if trademark is not None and trademark[3]:
                    kinds.add("trademark_certificate")
                letter_valid = bool(
                    authorization is not None
                    and authorization[2]
                    and authorization[3] <= self.on <= authorization[4]
                )
                if authorization is not None:
                    kinds |= partner_kinds.get(a_id, set())
                    if letter_valid:
                        kinds.add("authorization_letter")
            inputs.append(
                SignatureCheckInput(
                    content=content,
                    sig_type=sig_type,
                    purpose=purpose,
                    entity_name=name,
                    entity_kind=entity_kind,
                    is_mainland=is_mainland,
                    material_kinds=frozenset(kinds),
                    trademark_name=trademark[1] if trademark else "",
                    trademark_owner=trademark[2] if trademark else "",
                    partner_name=authorization[1] if authorization else "",
                    has_authorization_letter=letter_valid,
                    neutral_words=self.neutral_words,
                    taken=pk in taken,
                )
            )
        return inputs


class TemplateInputs:
    """``templates.selectors.template_check_input`` for whole batches: the signature's state
    and the qualification's domains come with the batch's rows, the materials in one query over
    the batch's primary-key range."""

    def read_ahead(self, values: Sequence[tuple], *, after: int) -> dict:
        return {"own": self.own_materials(values, after=after)}

    def own_materials(self, values: Sequence[tuple], *, after: int) -> dict[int, set[str]]:
        from templates.models import TemplateApplication

        if not values:
            return {}
        return _own_material_kinds(
            TemplateApplication.materials.through,
            "templateapplication_id",
            after=after,
            last=values[-1][0],
        )

    def __call__(
        self, values: Sequence[tuple], *, after: int, own: dict[int, set[str]] | None = None
    ) -> list:
        from templates.rules import TemplateCheckInput

        if not values:
            return []
        kinds = self.own_materials(values, after=after) if own is None else own
        return [
            TemplateCheckInput(
                content=content,
                kind=kind,
                industry=industry,
                material_kinds=frozenset(kinds.get(pk, ())),
                verified_domains=tuple(domains or ()),
                signature_approved=signature_state == ReviewState.APPROVED,
            )
            for pk, _p, _a, _n, content, kind, industry, signature_state, domains in values
        ]


def item_model(kind: str):
    """The application model a run of ``kind`` (signatures or templates) checks."""
    if kind == SIGNATURES:
        from signatures.models import SignatureApplication

        return SignatureApplication
    from templates.models import TemplateApplication

    return TemplateApplication


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
        if kind == SIGNATURES:
            self.fields, self.inputs = SIGNATURE_FIELDS, SignatureInputs(on=on, codes=codes)
        else:
            self.fields, self.inputs = TEMPLATE_FIELDS, TemplateInputs()

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
        rule_kind = RULE_KINDS[self.kind]
        signatures = self.kind == SIGNATURES
        rows, noncompliant = [], []
        for v, data in zip(values, inputs, strict=True):
            row = Row(v[0], v[1], v[2], accounts[v[2]], f"【{v[5]}】" if signatures else v[3])
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
