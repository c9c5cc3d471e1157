"""Pre-check rules for signature applications (SPEC §4, seed 004, seed 000).

Each rule is a pure function of a ``SignatureCheckInput``; what needs the database (is the same
signature approved or pending for another qualification? which words are neutral?) the caller
computes and passes in. Run them with ``reviewportal.precheck.run_signature_checks``.

Severity per code — everything the carriers refuse blocks; only the one rule the carriers read
differently is left to the reviewer:

=============================  ========  =========================================================
code                           severity  why
=============================  ========  =========================================================
SIG_LENGTH                     block     platform limit (SIGNATURE_MIN_LENGTH..MAX_LENGTH)
SIG_FORBIDDEN_CHARS            block     carriers accept Chinese characters only
SIG_DIGITS                     block     seed 004 2025.6.3: "contain no digits"
SIG_LATIN                      block     seed 004: "no English characters", "pure English"
SIG_NEUTRAL                    block     seed 004: neutral signatures are not accepted
SIG_TYPE_NOT_ACCEPTED          block     seed 004: types refused for filing (dated)
SIG_NOT_ENTITY_NAME            block     seed 004 "Abbreviation": characters in order
SIG_ABBREV_SKIPS               warn      "no skipping" is read differently by carriers
SIG_TAKEN                      block     seed 004: must not collide with another entity
SIG_TRADEMARK_MISMATCH         block     seed 004: trademark owned by the entity
SIG_AUTHORIZATION_REQUIRED     block     seed 000/004: other-use needs the partner's authorization
SIG_NON_MAINLAND               block     seed 004: non-mainland entities are not accepted
SIG_MATERIALS_MISSING          block     seed 004 "Real-name requirements"
QUA_MATERIALS_MISSING          block     the same requirements, for the qualification itself
=============================  ========  =========================================================

A finding's ``field`` names the part of the application it is about: ``content``, ``sig_type``,
``trademark``, ``authorization``, ``qualification`` or ``materials``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from reviewportal.precheck.engine import (
    QUALIFICATION,
    SIGNATURE,
    Hit,
    Severity,
    format_list,
    hit,
    rule,
)
from reviewportal.precheck.text import normalize

# --- Vocabulary shared with the model layer ------------------------------------------------------

# Signature types (SPEC §2).
COMPANY = "company"
INSTITUTION = "institution"
TRADEMARK = "trademark"
APP = "app"
WEBSITE = "website"
MINI_PROGRAM = "mini_program"
OFFICIAL_ACCOUNT = "official_account"
SIGNATURE_TYPES = (COMPANY, INSTITUTION, TRADEMARK, APP, WEBSITE, MINI_PROGRAM, OFFICIAL_ACCOUNT)
#: Types whose content must be the entity's (or the authorizing partner's) name.
ENTITY_NAME_TYPES = frozenset({COMPANY, INSTITUTION})
#: Types refused for filing since the 2025-03-27 notice (seed 004).
NAME_OF_PRODUCT_TYPES = frozenset({WEBSITE, MINI_PROGRAM, OFFICIAL_ACCOUNT})

# Signature purposes (seed 000 "Signature Purpose").
PURPOSE_SELF = "self"
PURPOSE_OTHER = "other"
PURPOSES = (PURPOSE_SELF, PURPOSE_OTHER)

# Entity kinds of a qualification (SPEC §2).
ENTERPRISE = "enterprise"
PUBLIC_INSTITUTION = "public_institution"
GOVERNMENT = "government"
NON_PROFIT = "non_profit"
OTHER_ENTITY = "other"
ENTITY_KINDS = (ENTERPRISE, PUBLIC_INSTITUTION, GOVERNMENT, NON_PROFIT, OTHER_ENTITY)
#: Entities that may give the agent's ID card instead of the legal representative's (seed 004).
AGENT_ID_ALLOWED_KINDS = frozenset({PUBLIC_INSTITUTION, NON_PROFIT})

# Material kinds (SPEC §2).
BUSINESS_LICENSE = "business_license"
INSTITUTION_CERTIFICATE = "institution_certificate"
LEGAL_REP_ID_FRONT = "legal_rep_id_front"
LEGAL_REP_ID_BACK = "legal_rep_id_back"
AGENT_ID_FRONT = "agent_id_front"
AGENT_ID_BACK = "agent_id_back"
AUTHORIZATION_LETTER = "authorization_letter"
TRADEMARK_CERTIFICATE = "trademark_certificate"
LIVE_STREAMING_COMMITMENT_LETTER = "live_streaming_commitment_letter"
ICP_SCREENSHOT = "icp_screenshot"
SPECIAL_PERMIT = "special_permit"
OTHER_MATERIAL = "other"
MATERIAL_KINDS = (
    BUSINESS_LICENSE,
    INSTITUTION_CERTIFICATE,
    LEGAL_REP_ID_FRONT,
    LEGAL_REP_ID_BACK,
    AGENT_ID_FRONT,
    AGENT_ID_BACK,
    AUTHORIZATION_LETTER,
    TRADEMARK_CERTIFICATE,
    LIVE_STREAMING_COMMITMENT_LETTER,
    ICP_SCREENSHOT,
    SPECIAL_PERMIT,
    OTHER_MATERIAL,
)

# --- Policy: the numbers and dates of our choice or of the carriers' announcements ---------------

SIGNATURE_MIN_LENGTH = 2
SIGNATURE_MAX_LENGTH = 20
#: Seed 004 2025.3.27: website, mini-program and official-account names not accepted.
PRODUCT_NAMES_REFUSED_FROM = dt.date(2025, 3, 27)
#: Seed 004 2026.4.23: "Starting May 1, 2026, ICP-filed app names will no longer be accepted".
APP_NAMES_REFUSED_FROM = dt.date(2026, 5, 1)

#: Neutral signatures (SPEC §4 examples and what operators commonly refuse). The list in force is
#: kept in the admin; this is its initial content and the default of ``SignatureCheckInput``.
DEFAULT_NEUTRAL_WORDS = (
    "测试",
    "客服通知",
    "客户您好",
    "验证码",
    "系统通知",
    "短信通知",
    "温馨提示",
    "通知",
    "提醒",
    "会员服务",
    "客服",
    "服务通知",
    "消息通知",
    "系统消息",
    "安全提醒",
    "账户通知",
    "订单通知",
    "物流通知",
    "活动通知",
    "平台通知",
    "校验码",
    "动态码",
    "尊敬的用户",
    "亲爱的用户",
    "官方",
    "公告",
    "测试签名",
)

# --- Codes and messages ------------------------------------------------------------------------

SIG_LENGTH = "SIG_LENGTH"
SIG_FORBIDDEN_CHARS = "SIG_FORBIDDEN_CHARS"
SIG_DIGITS = "SIG_DIGITS"
SIG_LATIN = "SIG_LATIN"
SIG_NEUTRAL = "SIG_NEUTRAL"
SIG_TYPE_NOT_ACCEPTED = "SIG_TYPE_NOT_ACCEPTED"
SIG_NOT_ENTITY_NAME = "SIG_NOT_ENTITY_NAME"
SIG_ABBREV_SKIPS = "SIG_ABBREV_SKIPS"
SIG_TAKEN = "SIG_TAKEN"
SIG_TRADEMARK_MISMATCH = "SIG_TRADEMARK_MISMATCH"
SIG_AUTHORIZATION_REQUIRED = "SIG_AUTHORIZATION_REQUIRED"
SIG_NON_MAINLAND = "SIG_NON_MAINLAND"
SIG_MATERIALS_MISSING = "SIG_MATERIALS_MISSING"
QUA_MATERIALS_MISSING = "QUA_MATERIALS_MISSING"

_LIST_SEPARATOR = pgettext_lazy("list separator", ", ")

SIGNATURE_TYPE_LABELS = {
    COMPANY: _("company name"),
    INSTITUTION: _("institution name"),
    TRADEMARK: _("trademark"),
    APP: _("app name"),
    WEBSITE: _("website name"),
    MINI_PROGRAM: _("mini-program name"),
    OFFICIAL_ACCOUNT: _("official-account name"),
}

#: What SIG_MATERIALS_MISSING reports as missing: one entry per requirement, each met by one or
#: more material kinds.
REQUIREMENT_LABELS = {
    "entity_certificate": _("business licence or institution legal person certificate"),
    "legal_rep_id": _("legal representative's ID card (front and back)"),
    "legal_rep_or_agent_id": _("legal representative's or agent's ID card (front and back)"),
    "business_license": _("business licence"),
    "institution_certificate": _("institution legal person certificate"),
    "trademark_certificate": _("trademark registration certificate"),
    "icp_screenshot": _("ICP filing screenshot of the app"),
    "authorization_letter": _("authorization letter"),
    "partner_qualification": _("qualification of the authorizing partner"),
}

_MSG_LENGTH = _("The signature has %(length)d characters; it must have %(min)d to %(max)d.")
_MSG_FORBIDDEN_CHARS = _(
    "A signature may contain Chinese characters only: no spaces, brackets, punctuation or "
    "symbols (found %(chars)s)."
)
_MSG_DIGITS = _("A signature must not contain digits (found %(chars)s).")
_MSG_LATIN = _(
    "A signature must not contain Latin letters; English signatures are not accepted "
    "(found %(chars)s)."
)
_MSG_NEUTRAL = _(
    "“%(content)s” is a neutral signature (%(words)s) that does not show who sends the message."
)
_MSG_TYPE_REFUSED = _(
    "Signatures of the type “%(type)s” are not accepted for filing from %(since)s; use the full "
    "name or an abbreviation of the entity, or a registered trademark."
)
_MSG_TYPE_UNKNOWN = _("“%(type)s” is not a signature type.")
_MSG_NOT_ENTITY_NAME = _(
    "The signature must be the registered full name “%(name)s” or an abbreviation of it whose "
    "characters all appear in the full name in the same order."
)
_MSG_ABBREV_SKIPS = _(
    "The abbreviation takes the characters of “%(name)s” in order but skips some in between; "
    "carriers read “no skipping” differently, so the reviewer decides."
)
_MSG_TAKEN = _(
    "The signature “%(content)s” is already approved or pending for another qualification; a "
    "signature must be unique."
)
_MSG_TRADEMARK_MISSING = _("A trademark signature needs the trademark it is based on.")
_MSG_TRADEMARK_NAME = _(
    "The signature must be the trademark name “%(trademark)s” or an abbreviation of it."
)
_MSG_TRADEMARK_OWNER = _("The trademark owner “%(owner)s” must be the entity “%(name)s”.")
_MSG_AUTHORIZATION = _(
    "A signature used for another entity needs that partner's authorization letter and "
    "qualification (missing: %(missing)s)."
)
_MSG_NON_MAINLAND = _("Signatures of entities outside mainland China are not accepted for filing.")
_MSG_MATERIALS = _("Required materials are missing: %(missing)s.")


def _quoted(items: Iterable[Any]) -> str:
    return format_list(items, _LIST_SEPARATOR)


def _labels(keys: Iterable[str], labels: Mapping[str, Any]) -> str:
    return str(_LIST_SEPARATOR).join(str(labels.get(key, key)) for key in keys)


def _chars_message(message: Any) -> Any:
    def render(params: Mapping[str, Any]) -> str:
        return str(message) % {"chars": _quoted(params["chars"])}

    return render


def _neutral_message(params: Mapping[str, Any]) -> str:
    return str(_MSG_NEUTRAL) % {"content": params["content"], "words": _quoted(params["words"])}


def _type_message(params: Mapping[str, Any]) -> str:
    label = SIGNATURE_TYPE_LABELS.get(params["type"], params["type"])
    if "since" in params:
        return str(_MSG_TYPE_REFUSED) % {"type": label, "since": params["since"]}
    return str(_MSG_TYPE_UNKNOWN) % {"type": params["type"]}


def _trademark_message(params: Mapping[str, Any]) -> str:
    problem = params["problem"]
    if problem == "no_trademark":
        return str(_MSG_TRADEMARK_MISSING)
    if problem == "name":
        return str(_MSG_TRADEMARK_NAME) % params
    return str(_MSG_TRADEMARK_OWNER) % params


def _missing_message(message: Any, labels: Mapping[str, Any]) -> Any:
    def render(params: Mapping[str, Any]) -> str:
        return str(message) % {"missing": _labels(params["missing"], labels)}

    return render


# --- Input -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignatureCheckInput:
    """Everything the signature rules look at. ``entity_*`` describe the applicant's
    qualification; ``partner_name`` is the authorizing partner's registered name for other-use;
    ``taken`` says whether the same content is approved or pending for another qualification (the
    caller asks the database); ``neutral_words`` is the admin-managed list."""

    content: str
    sig_type: str = COMPANY
    purpose: str = PURPOSE_SELF
    entity_name: str = ""
    entity_kind: str = ENTERPRISE
    is_mainland: bool = True
    material_kinds: frozenset[str] = field(default_factory=frozenset)
    trademark_name: str = ""
    trademark_owner: str = ""
    partner_name: str = ""
    has_authorization_letter: bool = False
    neutral_words: tuple[str, ...] = DEFAULT_NEUTRAL_WORDS
    taken: bool = False

    def __post_init__(self) -> None:
        # Callers pass lists and sets from forms and querysets; keep the input hashable.
        object.__setattr__(self, "material_kinds", frozenset(self.material_kinds))
        object.__setattr__(self, "neutral_words", tuple(self.neutral_words))

    def normalized(self) -> SignatureCheckInput:
        """A copy with every text NFKC-normalised (names also stripped of surrounding space;
        the content is not, since a space in it is itself a finding)."""
        texts = {
            "content": normalize(self.content),
            "entity_name": normalize(self.entity_name).strip(),
            "trademark_name": normalize(self.trademark_name).strip(),
            "trademark_owner": normalize(self.trademark_owner).strip(),
            "partner_name": normalize(self.partner_name).strip(),
        }
        # Most input is normalised already (normalize and strip then return the very same
        # objects); copying the dataclass would cost more than all the rules together.
        if all(value is getattr(self, name) for name, value in texts.items()):
            return self
        return replace(self, **texts)

    @property
    def reference_name(self) -> str:
        """The name the signature must reflect: the partner's for other-use, else the entity's."""
        return self.partner_name if self.purpose == PURPOSE_OTHER else self.entity_name


# --- Helpers -----------------------------------------------------------------------------------

# CJK Unified Ideographs with extensions A–H and the compatibility block.
_IDEOGRAPHS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_LATIN = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
_LATIN_RE = re.compile(f"[{_LATIN}]")
_DIGIT_RE = re.compile(r"\d")
# Digits and Latin letters have codes of their own; this is everything else that is not Chinese.
_FORBIDDEN_RE = re.compile(rf"[^{_IDEOGRAPHS}{_LATIN}\d]")
_MAX_LISTED_CHARS = 10


def _distinct(chars: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(chars))[:_MAX_LISTED_CHARS]


def _compact(name: str) -> str:
    """A name without what a signature cannot contain (brackets, spaces, punctuation), so that
    ``腾讯科技(深圳)有限公司`` compares with a signature ``腾讯科技深圳``."""
    return _FORBIDDEN_RE.sub("", name)


def _in_order(short: str, long: str) -> bool:
    """Whether every character of ``short`` appears in ``long`` in the same order."""
    remaining = iter(long)
    return all(char in remaining for char in short)


def neutral_word_form(word: str) -> str:
    """``word`` as the neutral-word check compares it: NFKC-normalised, without what a signature
    cannot contain (spaces, brackets, punctuation); empty when nothing is left. The console
    stores neutral words in this form, so the list shows exactly what is matched."""
    return _compact(normalize(word))


# Keyed by the words themselves, not by a version of the list: a changed list is another key,
# so a word added or disabled in the console counts from the next check on.
@lru_cache(maxsize=64)
def _neutral_vocabulary(words: tuple[str, ...]) -> tuple[frozenset[str], int]:
    normalized = frozenset(w for w in (neutral_word_form(word) for word in words) if w)
    return normalized, max((len(w) for w in normalized), default=0)


def _neutral_parts(content: str, words: tuple[str, ...]) -> list[str] | None:
    """The neutral words ``content`` is made of (``系统通知提醒`` = 系统通知 + 提醒), or None
    when it is not made of neutral words only."""
    vocabulary, longest = _neutral_vocabulary(words)
    if not content or not vocabulary:
        return None
    # parts[i] is a segmentation of content[:i] into neutral words, if there is one.
    parts: list[list[str] | None] = [None] * (len(content) + 1)
    parts[0] = []
    for end in range(1, len(content) + 1):
        for start in range(max(0, end - longest), end):
            before = parts[start]
            if before is not None and content[start:end] in vocabulary:
                parts[end] = [*before, content[start:end]]
                break
    return parts[-1]


# --- Rules -------------------------------------------------------------------------------------


@rule(SIG_LENGTH, kind=SIGNATURE, severity=Severity.BLOCK, field="content", message=_MSG_LENGTH)
def check_length(data: SignatureCheckInput) -> Iterator[Hit]:
    """2–20 characters (platform limit)."""
    length = len(data.content)
    if not SIGNATURE_MIN_LENGTH <= length <= SIGNATURE_MAX_LENGTH:
        yield hit(length=length, min=SIGNATURE_MIN_LENGTH, max=SIGNATURE_MAX_LENGTH)


@rule(
    SIG_FORBIDDEN_CHARS,
    kind=SIGNATURE,
    severity=Severity.BLOCK,
    field="content",
    message=_chars_message(_MSG_FORBIDDEN_CHARS),
)
def check_forbidden_chars(data: SignatureCheckInput) -> Iterator[Hit]:
    """Only Chinese characters: no spaces, brackets, punctuation or symbols."""
    found = _FORBIDDEN_RE.findall(data.content)
    if found:
        yield hit(chars=_distinct(found))


@rule(
    SIG_DIGITS,
    kind=SIGNATURE,
    severity=Severity.BLOCK,
    field="content",
    message=_chars_message(_MSG_DIGITS),
)
def check_digits(data: SignatureCheckInput) -> Iterator[Hit]:
    """No digits (full-width digits count, after NFKC)."""
    found = _DIGIT_RE.findall(data.content)
    if found:
        yield hit(chars=_distinct(found))


@rule(
    SIG_LATIN,
    kind=SIGNATURE,
    severity=Severity.BLOCK,
    field="content",
    message=_chars_message(_MSG_LATIN),
)
def check_latin(data: SignatureCheckInput) -> Iterator[Hit]:
    """No Latin letters (full-width letters count, after NFKC)."""
    found = _LATIN_RE.findall(data.content)
    if found:
        yield hit(chars=_distinct(found))


@rule(
    SIG_NEUTRAL, kind=SIGNATURE, severity=Severity.BLOCK, field="content", message=_neutral_message
)
def check_neutral(data: SignatureCheckInput) -> Iterator[Hit]:
    """Not a neutral signature: not one of the neutral words, nor made of them only."""
    content = _compact(data.content)
    parts = _neutral_parts(content, data.neutral_words)
    if parts:
        yield hit(content=data.content, words=list(dict.fromkeys(parts)))


@rule(
    SIG_TYPE_NOT_ACCEPTED,
    kind=SIGNATURE,
    severity=Severity.BLOCK,
    field="sig_type",
    message=_type_message,
)
def check_type_known(data: SignatureCheckInput) -> Iterator[Hit]:
    """The type is one of SIGNATURE_TYPES."""
    if data.sig_type not in SIGNATURE_TYPES:
        yield hit(type=data.sig_type)


@rule(
    SIG_TYPE_NOT_ACCEPTED,
    kind=SIGNATURE,
    severity=Severity.BLOCK,
    field="sig_type",
    effective_from=PRODUCT_NAMES_REFUSED_FROM,
)
def check_product_names_refused(data: SignatureCheckInput) -> Iterator[Hit]:
    """Website, mini-program and official-account names are refused (seed 004 2025.3.27)."""
    if data.sig_type in NAME_OF_PRODUCT_TYPES:
        yield hit(type=data.sig_type, since=PRODUCT_NAMES_REFUSED_FROM.isoformat())


@rule(
    SIG_TYPE_NOT_ACCEPTED,
    kind=SIGNATURE,
    severity=Severity.BLOCK,
    field="sig_type",
    effective_from=APP_NAMES_REFUSED_FROM,
)
def check_app_names_refused(data: SignatureCheckInput) -> Iterator[Hit]:
    """App names are refused from 2026-05-01 (seed 004 2026.4.23)."""
    if data.sig_type == APP:
        yield hit(type=APP, since=APP_NAMES_REFUSED_FROM.isoformat())


@rule(
    SIG_NOT_ENTITY_NAME,
    kind=SIGNATURE,
    severity=Severity.BLOCK,
    field="content",
    message=_MSG_NOT_ENTITY_NAME,
)
def check_entity_name(data: SignatureCheckInput) -> Iterator[Hit]:
    """Company and institution signatures are the registered full name, or an abbreviation whose
    characters appear in the full name in the same order (the partner's name for other-use)."""
    if data.sig_type not in ENTITY_NAME_TYPES:
        return
    name = _compact(data.reference_name)
    # Without a name there is nothing to compare with: SIG_AUTHORIZATION_REQUIRED reports a
    # missing partner, and a qualification always has a name.
    if not name:
        return
    content = _compact(data.content)
    if not _in_order(content, name):
        yield hit(name=data.reference_name)


@rule(
    SIG_ABBREV_SKIPS,
    kind=SIGNATURE,
    severity=Severity.WARN,
    field="content",
    message=_MSG_ABBREV_SKIPS,
)
def check_abbreviation_skips(data: SignatureCheckInput) -> Iterator[Hit]:
    """An abbreviation in order that is not one contiguous run of the full name (``和讯华谷``
    from ``深圳市和讯华谷信息技术有限公司`` is contiguous; ``深圳华谷`` skips)."""
    if data.sig_type not in ENTITY_NAME_TYPES:
        return
    name = _compact(data.reference_name)
    content = _compact(data.content)
    if name and content and content not in name and _in_order(content, name):
        yield hit(name=data.reference_name)


@rule(SIG_TAKEN, kind=SIGNATURE, severity=Severity.BLOCK, field="content", message=_MSG_TAKEN)
def check_taken(data: SignatureCheckInput) -> Iterator[Hit]:
    """Unique: not approved or pending for another qualification (the caller looks it up)."""
    if data.taken:
        yield hit(content=data.content)


@rule(
    SIG_TRADEMARK_MISMATCH,
    kind=SIGNATURE,
    severity=Severity.BLOCK,
    field="content",
    message=_trademark_message,
)
def check_trademark(data: SignatureCheckInput) -> Iterator[Hit]:
    """Trademark signatures are the trademark name or an abbreviation of it, and the
    trademark's owner is the entity (the partner, for other-use)."""
    if data.sig_type != TRADEMARK:
        return
    trademark = _compact(data.trademark_name)
    if not trademark:
        yield hit(field="trademark", problem="no_trademark")
        return
    if not _in_order(_compact(data.content), trademark):
        yield hit(problem="name", trademark=data.trademark_name)
    expected = data.reference_name
    if expected and _compact(data.trademark_owner).casefold() != _compact(expected).casefold():
        yield hit(field="trademark", problem="owner", owner=data.trademark_owner, name=expected)


@rule(
    SIG_AUTHORIZATION_REQUIRED,
    kind=SIGNATURE,
    severity=Severity.BLOCK,
    field="authorization",
    message=_missing_message(_MSG_AUTHORIZATION, REQUIREMENT_LABELS),
)
def check_authorization(data: SignatureCheckInput) -> Iterator[Hit]:
    """Other-use needs the partner's qualification and authorization letter."""
    if data.purpose != PURPOSE_OTHER:
        return
    missing = []
    if not data.partner_name:
        missing.append("partner_qualification")
    if not data.has_authorization_letter:
        missing.append("authorization_letter")
    if missing:
        yield hit(missing=missing)


@rule(
    SIG_NON_MAINLAND,
    kind=SIGNATURE,
    severity=Severity.BLOCK,
    field="qualification",
    message=_MSG_NON_MAINLAND,
)
def check_mainland(data: SignatureCheckInput) -> Iterator[Hit]:
    """The entity is a mainland China entity."""
    if not data.is_mainland:
        yield hit()


def missing_requirements(data: SignatureCheckInput) -> list[str]:
    """The material requirements (keys of REQUIREMENT_LABELS) that ``data``'s materials do not
    meet: an entity certificate; ID card front and back (the legal representative's, or for public
    institutions and non-profits also the agent's); the trademark certificate for trademarks; the
    ICP screenshot for apps; the authorization letter for other-use."""
    kinds = data.material_kinds
    missing = []
    if BUSINESS_LICENSE not in kinds and INSTITUTION_CERTIFICATE not in kinds:
        missing.append("entity_certificate")
    legal_rep = LEGAL_REP_ID_FRONT in kinds and LEGAL_REP_ID_BACK in kinds
    if data.entity_kind in AGENT_ID_ALLOWED_KINDS:
        if not legal_rep and not (AGENT_ID_FRONT in kinds and AGENT_ID_BACK in kinds):
            missing.append("legal_rep_or_agent_id")
    elif not legal_rep:
        missing.append("legal_rep_id")
    if data.sig_type == TRADEMARK and TRADEMARK_CERTIFICATE not in kinds:
        missing.append("trademark_certificate")
    if data.sig_type == APP and ICP_SCREENSHOT not in kinds:
        missing.append("icp_screenshot")
    if data.purpose == PURPOSE_OTHER and AUTHORIZATION_LETTER not in kinds:
        missing.append("authorization_letter")
    return missing


@rule(
    SIG_MATERIALS_MISSING,
    kind=SIGNATURE,
    severity=Severity.BLOCK,
    field="materials",
    message=_missing_message(_MSG_MATERIALS, REQUIREMENT_LABELS),
)
def check_materials(data: SignatureCheckInput) -> Iterator[Hit]:
    """The materials the type and entity need are attached (see ``missing_requirements``)."""
    missing = missing_requirements(data)
    if missing:
        yield hit(missing=missing)


# --- Qualifications ------------------------------------------------------------------------------

#: The material slots the wizard shows for each entity kind: an enterprise has a business
#: licence and its legal representative's ID card; institutions have their certificate, and
#: those that may (AGENT_ID_ALLOWED_KINDS) the agent's ID card as an alternative; "other"
#: entities either document.
QUALIFICATION_SLOTS = {
    ENTERPRISE: (BUSINESS_LICENSE, LEGAL_REP_ID_FRONT, LEGAL_REP_ID_BACK),
    PUBLIC_INSTITUTION: (
        INSTITUTION_CERTIFICATE,
        LEGAL_REP_ID_FRONT,
        LEGAL_REP_ID_BACK,
        AGENT_ID_FRONT,
        AGENT_ID_BACK,
    ),
    GOVERNMENT: (INSTITUTION_CERTIFICATE, LEGAL_REP_ID_FRONT, LEGAL_REP_ID_BACK),
    NON_PROFIT: (
        INSTITUTION_CERTIFICATE,
        LEGAL_REP_ID_FRONT,
        LEGAL_REP_ID_BACK,
        AGENT_ID_FRONT,
        AGENT_ID_BACK,
    ),
    OTHER_ENTITY: (
        BUSINESS_LICENSE,
        INSTITUTION_CERTIFICATE,
        LEGAL_REP_ID_FRONT,
        LEGAL_REP_ID_BACK,
    ),
}


#: The slots that are required on their own for each entity kind (what the wizard marks with an
#: asterisk); the alternatives (the legal representative's or the agent's ID card, either
#: certificate of an "other" entity) are explained beside them instead.
QUALIFICATION_REQUIRED = {
    ENTERPRISE: (BUSINESS_LICENSE, LEGAL_REP_ID_FRONT, LEGAL_REP_ID_BACK),
    PUBLIC_INSTITUTION: (INSTITUTION_CERTIFICATE,),
    GOVERNMENT: (INSTITUTION_CERTIFICATE, LEGAL_REP_ID_FRONT, LEGAL_REP_ID_BACK),
    NON_PROFIT: (INSTITUTION_CERTIFICATE,),
    OTHER_ENTITY: (LEGAL_REP_ID_FRONT, LEGAL_REP_ID_BACK),
}


def entity_kinds_with(kind: str, table: Mapping[str, Iterable[str]]) -> list[str]:
    """The entity kinds whose entry in ``table`` names material ``kind``."""
    return [entity for entity, kinds in table.items() if kind in kinds]


@dataclass(frozen=True, slots=True)
class QualificationCheckInput:
    """What the qualification rules look at: the entity kind and its materials' kinds."""

    entity_kind: str
    material_kinds: frozenset[str] = frozenset()

    def normalized(self) -> QualificationCheckInput:
        return self


def qualification_missing(data: QualificationCheckInput) -> list[str]:
    """The requirements (keys of REQUIREMENT_LABELS) ``data``'s materials do not meet."""
    kinds, entity = data.material_kinds, data.entity_kind
    missing = []
    if entity == ENTERPRISE:
        if BUSINESS_LICENSE not in kinds:
            missing.append("business_license")
    elif entity == OTHER_ENTITY:
        if BUSINESS_LICENSE not in kinds and INSTITUTION_CERTIFICATE not in kinds:
            missing.append("entity_certificate")
    elif INSTITUTION_CERTIFICATE not in kinds:
        missing.append("institution_certificate")
    legal_rep = LEGAL_REP_ID_FRONT in kinds and LEGAL_REP_ID_BACK in kinds
    if entity in AGENT_ID_ALLOWED_KINDS:
        if not legal_rep and not (AGENT_ID_FRONT in kinds and AGENT_ID_BACK in kinds):
            missing.append("legal_rep_or_agent_id")
    elif not legal_rep:
        missing.append("legal_rep_id")
    return missing


@rule(
    QUA_MATERIALS_MISSING,
    kind=QUALIFICATION,
    severity=Severity.BLOCK,
    field="materials",
    message=_missing_message(_MSG_MATERIALS, REQUIREMENT_LABELS),
)
def check_qualification_materials(data: QualificationCheckInput) -> Iterator[Hit]:
    """The documents the entity kind needs are attached (see ``qualification_missing``)."""
    missing = qualification_missing(data)
    if missing:
        yield hit(missing=missing)
