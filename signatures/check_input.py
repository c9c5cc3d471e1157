"""The one builder of the signature rules' input (``SignatureCheckInput``): the submission's
check, the portal's live check and bulk re-review gather the facts of an application each their
own way and build the input here (docs/architecture.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from signatures.rules import DEFAULT_NEUTRAL_WORDS, ENTERPRISE, SignatureCheckInput


@dataclass(frozen=True, slots=True)
class QualificationFacts:
    """What the signature rules need of the applicant's qualification."""

    name: str
    entity_kind: str = ENTERPRISE
    is_mainland: bool = True
    material_kinds: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class TrademarkFacts:
    """What the signature rules need of the trademark a trademark signature names."""

    name: str
    owner_name: str
    has_certificate: bool


@dataclass(frozen=True, slots=True)
class AuthorizationFacts:
    """What the signature rules need of the partner's authorization (other-use signatures)."""

    partner_name: str
    has_letter: bool
    valid_from: dt.date
    valid_until: dt.date
    partner_kinds: frozenset[str] = frozenset()


def signature_input(
    *,
    content: str,
    sig_type: str,
    purpose: str,
    on: dt.date,
    qualification: QualificationFacts | None = None,
    own_kinds: Iterable[str] = (),
    trademark: TrademarkFacts | None = None,
    authorization: AuthorizationFacts | None = None,
    neutral_words: Iterable[str] = DEFAULT_NEUTRAL_WORDS,
    taken: bool = False,
) -> SignatureCheckInput:
    """The input of the signature rules as of ``on``: the one place that decides which
    documents an application has (its own, its qualification's, the trademark certificate,
    the partner's documents, and the authorization letter while it is valid on ``on``). The
    submission's check, the portal's live check and bulk re-review gather these facts each
    their own way (an item, a form being typed, a batch of rows) and build the input here."""
    letter_valid = bool(
        authorization is not None
        and authorization.has_letter
        and authorization.valid_from <= on <= authorization.valid_until
    )
    kinds = set(qualification.material_kinds if qualification is not None else ())
    kinds |= set(own_kinds)
    if trademark is not None and trademark.has_certificate:
        kinds.add("trademark_certificate")
    if authorization is not None:
        kinds |= authorization.partner_kinds
        if letter_valid:
            kinds.add("authorization_letter")
    return SignatureCheckInput(
        content=content,
        sig_type=sig_type,
        purpose=purpose,
        entity_name=qualification.name if qualification is not None else "",
        entity_kind=qualification.entity_kind if qualification is not None else ENTERPRISE,
        is_mainland=qualification.is_mainland if qualification is not None else True,
        material_kinds=frozenset(kinds),
        trademark_name=trademark.name if trademark is not None else "",
        trademark_owner=trademark.owner_name if trademark is not None else "",
        partner_name=authorization.partner_name if authorization is not None else "",
        has_authorization_letter=letter_valid,
        neutral_words=neutral_words,
        taken=taken,
    )
