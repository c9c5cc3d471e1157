"""Pre-check rules for template applications (SPEC §4, seed 003, seed 004).

Each rule is a pure function of a ``TemplateCheckInput``; the caller passes what needs the
database (the qualification's verified domains, whether the signature is approved, the kinds of
the attached materials). Run them with ``reviewportal.precheck.run_template_checks``.

Severity per code:

=============================  ========  =========================================================
code                           severity  why
=============================  ========  =========================================================
TPL_LENGTH                     block     platform limit (TEMPLATE_MIN_LENGTH..MAX_LENGTH)
TPL_BRACKETS                   block     the signature's 【】 are added when sending
TPL_VARIABLE_SYNTAX            block     a malformed variable cannot be filled in
TPL_TOO_MANY_LINKS             block     seed 004 2025.7.2: at most 1 link may be filed
TPL_TOO_MANY_CONTACTS          block     seed 004 2025.7.2: at most 2 contact methods
TPL_TOO_MANY_IPS               block     seed 004 2025.6.3: at most 1 IP address
TPL_LINK_NOT_OWNED             block     seed 004 2025.6.3: links and IPs are the company's own
TPL_FILING_REQUIRED            info      seed 004 2025.7.2: "file before sending"
TPL_VERIFICATION_KEYWORD       block     carriers route verification codes on these words
TPL_MARKETING_OPT_OUT          block     marketing messages must offer an opt-out
TPL_LIVE_STREAMING_LETTER      block     seed 003: China Telecom rejects live streaming without it
TPL_SIGNATURE_NOT_APPROVED     block     seed 003: templates are created after the signature
=============================  ========  =========================================================

A finding's ``field`` names the part of the application it is about: ``content``, ``materials``
or ``signature``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, NamedTuple

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from reviewportal.precheck.engine import TEMPLATE, Hit, Severity, format_list, hit, rule
from reviewportal.precheck.text import TextScan, host_of, mask, normalize, registrable_domain, scan

# --- Vocabulary shared with the model layer ------------------------------------------------------

VERIFICATION = "verification"
NOTIFICATION = "notification"
MARKETING = "marketing"
TEMPLATE_KINDS = (VERIFICATION, NOTIFICATION, MARKETING)

LIVE_STREAMING = "live_streaming"
LIVE_STREAMING_COMMITMENT_LETTER = "live_streaming_commitment_letter"

# --- Policy --------------------------------------------------------------------------------------

TEMPLATE_MIN_LENGTH = 1
TEMPLATE_MAX_LENGTH = 500
MAX_LINKS = 1
MAX_CONTACTS = 2
MAX_IPS = 1
VERIFICATION_KEYWORDS = ("验证码", "校验码", "动态码", "注册码")

# --- Codes and messages ------------------------------------------------------------------------

TPL_LENGTH = "TPL_LENGTH"
TPL_BRACKETS = "TPL_BRACKETS"
TPL_VARIABLE_SYNTAX = "TPL_VARIABLE_SYNTAX"
TPL_TOO_MANY_LINKS = "TPL_TOO_MANY_LINKS"
TPL_TOO_MANY_CONTACTS = "TPL_TOO_MANY_CONTACTS"
TPL_TOO_MANY_IPS = "TPL_TOO_MANY_IPS"
TPL_LINK_NOT_OWNED = "TPL_LINK_NOT_OWNED"
TPL_FILING_REQUIRED = "TPL_FILING_REQUIRED"
TPL_VERIFICATION_KEYWORD = "TPL_VERIFICATION_KEYWORD"
TPL_MARKETING_OPT_OUT = "TPL_MARKETING_OPT_OUT"
TPL_LIVE_STREAMING_LETTER = "TPL_LIVE_STREAMING_LETTER"
TPL_SIGNATURE_NOT_APPROVED = "TPL_SIGNATURE_NOT_APPROVED"

_LIST_SEPARATOR = pgettext_lazy("list separator", ", ")

_MSG_LENGTH = _("The template text has %(length)d characters; it must have %(min)d to %(max)d.")
_MSG_BRACKETS = _(
    "Remove %(chars)s from the template: the signature in 【】 is added when the message is sent."
)
_MSG_VARIABLE = {
    "unclosed": _("A variable is not closed: “%(text)s”; write variables as ${name}."),
    "empty_name": _("A variable has no name: “%(text)s”."),
    "invalid_name": _(
        "A variable name may contain only letters, digits and underscores: “%(text)s”."
    ),
    "adjacent": _("Two variables are side by side: “%(text)s”; put fixed text between them."),
    "only_variables": _("The template consists of variables only; it needs fixed text."),
}
_MSG_TOO_MANY_LINKS = _(
    "The template has %(count)d links (%(items)s); carriers accept at most %(max)d."
)
_MSG_TOO_MANY_CONTACTS = _(
    "The template has %(count)d contact methods (%(items)s); carriers accept at most %(max)d."
)
_MSG_TOO_MANY_IPS = _(
    "The template has %(count)d IP addresses (%(items)s); carriers accept at most %(max)d."
)
_MSG_LINK_NOT_OWNED = _(
    "Links and IP addresses must belong to the domains the entity owns (listed in its "
    "qualification); not among them: %(items)s."
)
_MSG_FILING_REQUIRED = _(
    "The template contains links or contact details: carriers must have it on file before it "
    "can be sent."
)
_MSG_VERIFICATION_KEYWORD = _(
    "A verification-code template must contain one of the words %(keywords)s."
)
_MSG_VERIFICATION_VARIABLE = _(
    "A verification-code template must contain a variable for the code, such as ${code}."
)
_MSG_OPT_OUT = _(
    "A marketing template must end with a way to opt out, such as “拒收请回复R” or “回T退订”."
)
_MSG_LIVE_STREAMING = _(
    "Live-streaming templates need a live-streaming commitment letter among the materials."
)
_MSG_SIGNATURE = _(
    "The template's signature is not approved; a template can be submitted only with an "
    "approved signature."
)


def _quoted(items: Iterable[Any]) -> str:
    return format_list(items, _LIST_SEPARATOR)


def _variable_message(params: Mapping[str, Any]) -> str:
    return str(_MSG_VARIABLE[params["problem"]]) % params


def _count_message(message: Any) -> Any:
    def render(params: Mapping[str, Any]) -> str:
        return str(message) % {**params, "items": _quoted(params["items"])}

    return render


def _items_message(message: Any) -> Any:
    def render(params: Mapping[str, Any]) -> str:
        return str(message) % {"items": _quoted(params["items"])}

    return render


def _verification_message(params: Mapping[str, Any]) -> str:
    if params["problem"] == "no_keyword":
        return str(_MSG_VERIFICATION_KEYWORD) % {"keywords": _quoted(params["keywords"])}
    return str(_MSG_VERIFICATION_VARIABLE)


# --- Input -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TemplateCheckInput:
    """Everything the template rules look at. ``verified_domains`` are the qualification's
    verified domains (or IP addresses); ``signature_approved`` defaults to False so that a caller
    who forgets it is told rather than waved through."""

    content: str
    kind: str = NOTIFICATION
    industry: str = ""
    material_kinds: frozenset[str] = field(default_factory=frozenset)
    verified_domains: tuple[str, ...] = ()
    signature_approved: bool = False

    def __post_init__(self) -> None:
        # Callers pass lists and sets from forms and JSON fields; keep the input hashable.
        object.__setattr__(self, "material_kinds", frozenset(self.material_kinds))
        object.__setattr__(self, "verified_domains", tuple(self.verified_domains))

    def normalized(self) -> TemplateCheckInput:
        """A copy with the content NFKC-normalised."""
        content = normalize(self.content)
        return self if content is self.content else replace(self, content=content)


# --- Analysis shared by the rules ----------------------------------------------------------------


class Variable(NamedTuple):
    """A ``${…}`` with a closing brace, valid or not: ``start``/``end`` span the whole of it."""

    name: str
    start: int
    end: int

    @property
    def valid(self) -> bool:
        return _NAME_RE.fullmatch(self.name) is not None


class Analysis(NamedTuple):
    """What several rules need from one content, computed once."""

    variables: tuple[Variable, ...]
    problems: tuple[tuple[str, str], ...]  # (problem, text) of TPL_VARIABLE_SYNTAX
    found: TextScan


_NAME_RE = re.compile(r"[A-Za-z0-9_]+")
# A letter, digit or ideograph: what counts as fixed text next to the variables.
_WORD_CHAR_RE = re.compile(r"[^\W_]")
_SNIPPET = 12


def parse_variables(content: str) -> tuple[tuple[Variable, ...], tuple[tuple[str, str], ...]]:
    """The closed ``${…}`` of ``content`` and its syntax problems as ``(problem, text)`` pairs, at
    most one per problem: ``unclosed``, ``empty_name``, ``invalid_name``, ``adjacent``,
    ``only_variables``."""
    variables: list[Variable] = []
    problems: dict[str, str] = {}
    position = content.find("${")
    while position != -1:
        close = content.find("}", position + 2)
        reopen = content.find("${", position + 2)
        if close == -1 or (reopen != -1 and reopen < close):
            problems.setdefault("unclosed", content[position : position + _SNIPPET])
            position = reopen
            continue
        variable = Variable(content[position + 2 : close], position, close + 1)
        variables.append(variable)
        if not variable.name:
            problems.setdefault("empty_name", content[position : close + 1])
        elif not variable.valid:
            problems.setdefault("invalid_name", content[position : close + 1])
        position = content.find("${", close + 1)
    for before, after in itertools.pairwise(variables):
        # Only blank space between two variables lets them run into each other when filled in.
        if not content[before.end : after.start].strip():
            problems.setdefault("adjacent", content[before.start : after.end])
            break
    if variables:
        rest = mask(content, [(v.start, v.end) for v in variables])
        if _WORD_CHAR_RE.search(rest.replace("\x00", "")) is None:
            problems.setdefault("only_variables", "")
    return tuple(variables), tuple(problems.items())


@lru_cache(maxsize=256)
def analyse(content: str) -> Analysis:
    """Variables, their problems, and the links, IPs and contacts of ``content`` (normalised);
    variables are hidden from the scan, as their values are unknown."""
    variables, problems = parse_variables(content)
    masked = mask(content, [(v.start, v.end) for v in variables]) if variables else content
    return Analysis(variables, problems, scan(masked))


@lru_cache(maxsize=64)
def _verified_hosts(domains: tuple[str, ...]) -> frozenset[str]:
    return frozenset(host for host in (host_of(domain) for domain in domains) if host)


def _owned(host: str, verified: frozenset[str]) -> bool:
    # A verified domain covers itself and its subdomains.
    if host in verified:
        return True
    return any(host.endswith("." + domain) for domain in verified)


# --- Rules -------------------------------------------------------------------------------------


@rule(TPL_LENGTH, kind=TEMPLATE, severity=Severity.BLOCK, field="content", message=_MSG_LENGTH)
def check_length(data: TemplateCheckInput) -> Iterator[Hit]:
    """1–500 characters, not counting surrounding blank space."""
    length = len(data.content.strip())
    if not TEMPLATE_MIN_LENGTH <= length <= TEMPLATE_MAX_LENGTH:
        yield hit(length=length, min=TEMPLATE_MIN_LENGTH, max=TEMPLATE_MAX_LENGTH)


@rule(
    TPL_BRACKETS,
    kind=TEMPLATE,
    severity=Severity.BLOCK,
    field="content",
    message=lambda params: str(_MSG_BRACKETS) % {"chars": _quoted(params["chars"])},
)
def check_brackets(data: TemplateCheckInput) -> Iterator[Hit]:
    """No 【 or 】: the signature is added when sending."""
    chars = [char for char in "【】" if char in data.content]
    if chars:
        yield hit(chars=chars)


@rule(
    TPL_VARIABLE_SYNTAX,
    kind=TEMPLATE,
    severity=Severity.BLOCK,
    field="content",
    message=_variable_message,
)
def check_variable_syntax(data: TemplateCheckInput) -> Iterator[Hit]:
    """Variables are ``${name}`` (letters, digits, underscore), closed, named, not side by
    side, and not all there is."""
    for problem, text in analyse(data.content).problems:
        yield hit(problem=problem, text=text)


@rule(
    TPL_TOO_MANY_LINKS,
    kind=TEMPLATE,
    severity=Severity.BLOCK,
    field="content",
    message=_count_message(_MSG_TOO_MANY_LINKS),
)
def check_links(data: TemplateCheckInput) -> Iterator[Hit]:
    """At most MAX_LINKS distinct links (URLs, bare domains, IP links)."""
    links = analyse(data.content).found.distinct_links
    if len(links) > MAX_LINKS:
        yield hit(count=len(links), max=MAX_LINKS, items=list(links))


@rule(
    TPL_TOO_MANY_CONTACTS,
    kind=TEMPLATE,
    severity=Severity.BLOCK,
    field="content",
    message=_count_message(_MSG_TOO_MANY_CONTACTS),
)
def check_contacts(data: TemplateCheckInput) -> Iterator[Hit]:
    """At most MAX_CONTACTS distinct contact methods (phones, 400/800/95xxx, e-mails)."""
    contacts = analyse(data.content).found.distinct_contacts
    if len(contacts) > MAX_CONTACTS:
        yield hit(count=len(contacts), max=MAX_CONTACTS, items=list(contacts))


@rule(
    TPL_TOO_MANY_IPS,
    kind=TEMPLATE,
    severity=Severity.BLOCK,
    field="content",
    message=_count_message(_MSG_TOO_MANY_IPS),
)
def check_ips(data: TemplateCheckInput) -> Iterator[Hit]:
    """At most MAX_IPS distinct IP addresses (bare or as a link's host)."""
    ips = analyse(data.content).found.distinct_ips
    if len(ips) > MAX_IPS:
        yield hit(count=len(ips), max=MAX_IPS, items=list(ips))


@rule(
    TPL_LINK_NOT_OWNED,
    kind=TEMPLATE,
    severity=Severity.BLOCK,
    field="content",
    message=_items_message(_MSG_LINK_NOT_OWNED),
)
def check_link_ownership(data: TemplateCheckInput) -> Iterator[Hit]:
    """Every link's host and every IP is a verified domain (or under one); reported by the
    registrable domain the customer would have to verify."""
    found = analyse(data.content).found
    if not found.links and not found.ips:
        return
    verified = _verified_hosts(data.verified_domains)
    unowned: dict[str, None] = {}
    for link in found.links:
        if not _owned(link.host, verified):
            unowned[link.host if link.is_ip else registrable_domain(link.host)] = None
    for ip in found.ips:
        if ip not in verified:
            unowned[ip] = None
    if unowned:
        yield hit(items=list(unowned))


@rule(
    TPL_FILING_REQUIRED,
    kind=TEMPLATE,
    severity=Severity.INFO,
    field="content",
    message=_MSG_FILING_REQUIRED,
)
def check_filing_required(data: TemplateCheckInput) -> Iterator[Hit]:
    """A link, IP or contact means carriers must have the template on file before sending."""
    found = analyse(data.content).found
    if found.links or found.ips or found.contacts:
        yield hit(
            links=len(found.distinct_links),
            ips=len(found.distinct_ips),
            contacts=len(found.distinct_contacts),
        )


@rule(
    TPL_VERIFICATION_KEYWORD,
    kind=TEMPLATE,
    severity=Severity.BLOCK,
    field="content",
    message=_verification_message,
)
def check_verification_keyword(data: TemplateCheckInput) -> Iterator[Hit]:
    """Verification templates contain 验证码/校验码/动态码/注册码 and a variable."""
    if data.kind != VERIFICATION:
        return
    if not any(keyword in data.content for keyword in VERIFICATION_KEYWORDS):
        yield hit(problem="no_keyword", keywords=list(VERIFICATION_KEYWORDS))
    if not any(variable.valid for variable in analyse(data.content).variables):
        yield hit(problem="no_variable")


# The reply that opts out: T, TD, R, N or 0, perhaps in quotes.
_REPLY = r"[\"'“”‘’「」]?(?:TD|T|R|N|0)[\"'“”‘’「」]?"
_OPT_OUT_RE = re.compile(
    # 拒收请回复R, 退订回T, 退订请回复TD, 拒收回R, 退订回复:N …
    rf"(?:(?:拒收|退订)请?(?:回复|回|发送|发)[:：]?\s*{_REPLY}"
    # 回T退订, 回TD退订, 回复T退订, 回R拒收, 回复0即可退订 …
    rf"|回复?[:：]?\s*{_REPLY}\s*(?:即可)?(?:退订|拒收))$",
    re.IGNORECASE | re.ASCII,
)
# What may follow the opt-out at the very end: blank space, a full stop, an exclamation mark, a
# closing bracket.
_TRAILING_RE = re.compile(r"[\s。.!！~～)）\]】]+$")


def ends_with_opt_out(content: str) -> bool:
    """Whether ``content`` (normalised) ends with an opt-out instruction."""
    return _OPT_OUT_RE.search(_TRAILING_RE.sub("", content)) is not None


@rule(
    TPL_MARKETING_OPT_OUT,
    kind=TEMPLATE,
    severity=Severity.BLOCK,
    field="content",
    message=_MSG_OPT_OUT,
)
def check_marketing_opt_out(data: TemplateCheckInput) -> Iterator[Hit]:
    """Marketing templates end with an opt-out such as 拒收请回复R or 回T退订."""
    if data.kind == MARKETING and not ends_with_opt_out(data.content):
        yield hit()


@rule(
    TPL_LIVE_STREAMING_LETTER,
    kind=TEMPLATE,
    severity=Severity.BLOCK,
    field="materials",
    message=_MSG_LIVE_STREAMING,
)
def check_live_streaming_letter(data: TemplateCheckInput) -> Iterator[Hit]:
    """Industry live_streaming needs a live-streaming commitment letter (seed 003)."""
    if data.industry == LIVE_STREAMING and LIVE_STREAMING_COMMITMENT_LETTER not in (
        data.material_kinds
    ):
        yield hit()


@rule(
    TPL_SIGNATURE_NOT_APPROVED,
    kind=TEMPLATE,
    severity=Severity.BLOCK,
    field="signature",
    message=_MSG_SIGNATURE,
)
def check_signature_approved(data: TemplateCheckInput) -> Iterator[Hit]:
    """The template's signature is approved (seed 003: signature first, then templates)."""
    if not data.signature_approved:
        yield hit()
