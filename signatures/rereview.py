"""What bulk re-review reads of approved signatures: the rows of a batch and the inputs of the
signature rules for all of them with a fixed number of queries (registered as the signature
kind's ``RereviewSource``, ``signatures.apps``)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence

from django.db.models import Max, Min

from reviewportal.precheck.text import normalize
from signatures.check_input import (
    AuthorizationFacts,
    QualificationFacts,
    TrademarkFacts,
    signature_input,
)
from signatures.models import (
    Authorization,
    Material,
    Qualification,
    SignatureApplication,
    Trademark,
)
from signatures.selectors import HOLDING_STATES, neutral_words

#: Signature codes decided by the signature row alone (content and type): a run limited to them
#: does not read qualifications, materials, trademarks or authorizations.
CONTENT_ONLY_CODES = frozenset(
    {
        "SIG_LENGTH",
        "SIG_FORBIDDEN_CHARS",
        "SIG_DIGITS",
        "SIG_LATIN",
        "SIG_NEUTRAL",
        "SIG_TYPE_NOT_ACCEPTED",
    }
)


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


def kinds_by(pairs: Iterable[tuple[int, str]]) -> dict[int, set[str]]:
    kinds: dict[int, set[str]] = defaultdict(set)
    for owner, kind in pairs:
        kinds[owner].add(kind)
    return kinds


def own_material_kinds(through, owner: str, *, after: int, last: int) -> dict[int, set[str]]:
    """The material kinds of the items ``after < pk <= last`` of an m2m ``through`` table, by
    item: the links by primary-key range, then the kinds of the materials linked. Two small
    queries instead of one join, whose plan reads the whole material table once it is smaller
    than the batch's share of it would be to look up."""
    links = list(
        through.objects.filter(**{f"{owner}__gt": after, f"{owner}__lte": last}).values_list(
            owner, "material_id"
        )
    )
    if not links:
        return {}
    kinds = dict(Material.objects.filter(pk__in={m for _o, m in links}).values_list("pk", "kind"))
    return kinds_by((o, kinds[m]) for o, m in links)


class SignatureInputs:
    """``signatures.selectors.signature_check_input`` for whole batches (the same builder,
    ``signatures.rules.signature_input``, over facts read for the batch), with a fixed number of
    queries per batch whatever its size: the batch's own materials are read for its primary-key
    range (two parameters, not a thousand), the neutral words once per run, qualifications with
    their materials and the holders of each signature text (SIG_TAKEN) once per run too, in
    bounded caches (so memory stays constant however many there are). Related rows are read
    only when a checked code needs them."""

    #: Qualifications and signature texts kept between batches; a cache starts again when full.
    CACHE_SIZE = 100_000

    def __init__(self, *, on: dt.date, codes: Collection[str] = ()) -> None:
        codes = frozenset(codes)
        self.on = on
        self.need_related = not codes or bool(codes - CONTENT_ONLY_CODES)
        self.need_taken = not codes or "SIG_TAKEN" in codes
        self.neutral_words = neutral_words() if not codes or "SIG_NEUTRAL" in codes else ()
        self._qualifications: dict[int, tuple[str, str, bool, frozenset[str]]] = {}
        self._holders: dict[str, tuple[int, int] | None] = {}

    def qualifications(self, ids: set[int]) -> dict[int, tuple[str, str, bool, frozenset[str]]]:
        """(name, entity kind, mainland, material kinds) of each qualification in ``ids``."""
        missing = ids - self._qualifications.keys()
        if missing:
            if len(self._qualifications) + len(missing) > self.CACHE_SIZE:
                # Full: forget the qualifications this batch does not need.
                self._qualifications = {
                    pk: row for pk, row in self._qualifications.items() if pk in ids
                }
            kinds = kinds_by(
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
        if not values or not self.need_related:
            return {}
        return own_material_kinds(
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
        if not values:
            return []
        taken = self.taken(values, ahead=ahead) if self.need_taken else set()
        if not self.need_related:
            return [
                signature_input(
                    content=content,
                    sig_type=sig_type,
                    purpose=purpose,
                    on=self.on,
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
            partner_kinds = kinds_by(
                Authorization.partner_materials.through.objects.filter(
                    authorization_id__in=a_ids
                ).values_list("authorization_id", "material__kind")
            )
        inputs = []
        for pk, _p, _a, q_id, sig_type, content, purpose, t_id, a_id in values:
            name, entity_kind, is_mainland, q_kinds = qualifications[q_id]
            trademark = trademarks.get(t_id)
            authorization = authorizations.get(a_id)
            inputs.append(
                signature_input(
                    content=content,
                    sig_type=sig_type,
                    purpose=purpose,
                    on=self.on,
                    qualification=QualificationFacts(
                        name=name,
                        entity_kind=entity_kind,
                        is_mainland=is_mainland,
                        material_kinds=q_kinds,
                    ),
                    own_kinds=own.get(pk, ()),
                    trademark=TrademarkFacts(
                        name=trademark[1],
                        owner_name=trademark[2],
                        has_certificate=bool(trademark[3]),
                    )
                    if trademark is not None
                    else None,
                    authorization=AuthorizationFacts(
                        partner_name=authorization[1],
                        has_letter=bool(authorization[2]),
                        valid_from=authorization[3],
                        valid_until=authorization[4],
                        partner_kinds=frozenset(partner_kinds.get(a_id, ())),
                    )
                    if authorization is not None
                    else None,
                    neutral_words=self.neutral_words,
                    taken=pk in taken,
                )
            )
        return inputs


def signature_row_label(values: tuple) -> str:
    """How a report names the signature of a batch row: its text in 【】."""
    return f"【{values[5]}】"
