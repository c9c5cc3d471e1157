"""The pre-check engine (SPEC §4): a registry of dated rules and the functions that run them.

A rule is a pure function from a frozen input (``SignatureCheckInput`` or ``TemplateCheckInput``)
to zero or more hits; the engine turns hits into ``Finding`` objects carrying the rule's stable
code and severity. Nothing here touches the database: whatever a rule needs from it (is the
signature taken? which domains are verified?) the caller computes and puts into the input.

Effective dates are inclusive at both ends: a rule with ``effective_from=2026-05-01`` runs for a
check "as of" 2026-05-01 and later; one with ``effective_until=2026-04-30`` runs up to and
including 2026-04-30. ``None`` means "since always" and "for good". A rule that does not apply on
the date of a check is not run at all. A code may be registered by several rules (say, one per
period, or one per group of refused signature types); they share the code's severity and message.

Messages are not rendered when a finding is made: a finding keeps its code and parameters, and its
``message`` is rendered on access, in the active Django language. A finding stored as JSON
(``to_dict``) can be rebuilt (``Finding.from_dict``) and shown in another language later. All
user-facing text lives in the rules modules (``signatures.rules``, ``templates.rules``), so that
it sits in those apps' translation catalogues.
"""

from __future__ import annotations

import copy
import datetime as dt
import enum
import importlib
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple, Protocol, Self

from django.utils.functional import Promise

__all__ = [
    "KINDS",
    "QUALIFICATION",
    "SIGNATURE",
    "TEMPLATE",
    "Finding",
    "Hit",
    "MessageSpec",
    "Rule",
    "RuleRegistry",
    "Severity",
    "UnknownRuleCode",
    "findings_from_dicts",
    "findings_to_dicts",
    "format_list",
    "has_blocking",
    "hit",
    "known_codes",
    "registry",
    "rule",
    "run_checks",
    "run_signature_checks",
    "run_template_checks",
]

SIGNATURE = "signature"
TEMPLATE = "template"
QUALIFICATION = "qualification"
KINDS = (SIGNATURE, TEMPLATE, QUALIFICATION)

# The modules whose import registers the rules of each kind. Imported on first use rather than
# here, because they import this module to register themselves.
_RULE_MODULES = {
    SIGNATURE: "signatures.rules",
    TEMPLATE: "templates.rules",
    QUALIFICATION: "signatures.rules",
}


class Severity(enum.StrEnum):
    """How a finding weighs: ``block`` stops submission and needs a second reviewer to approve
    over it; ``warn`` is for the reviewer to judge; ``info`` is for the customer's attention."""

    BLOCK = "block"
    WARN = "warn"
    INFO = "info"


class UnknownRuleCode(ValueError):
    """A rule code that no rule of the requested kind is registered under."""


class CheckInput(Protocol):
    """What a rule input provides: a copy of itself with its text NFKC-normalised."""

    def normalized(self) -> Self: ...


#: A code's message: a (lazy) string formatted with the finding's params (``%(name)s``), or a
#: function of the params returning the rendered text, for codes whose text depends on them.
MessageSpec = str | Promise | Callable[[Mapping[str, Any]], str]


class Hit(NamedTuple):
    """What a rule function yields: the finding's params and, when it differs from the rule's
    default, the input field it is about."""

    params: dict[str, Any]
    field: str | None = None


def hit(field: str | None = None, **params: Any) -> Hit:
    """Build a ``Hit``; ``params`` must be JSON-serialisable (they are stored with a revision)."""
    return Hit(params, field)


RuleFunction = Callable[[Any], Iterable[Hit]]


@dataclass(frozen=True, slots=True)
class Rule:
    """One registered rule: ``check`` runs on checks as of a date within
    [``effective_from``, ``effective_until``] (inclusive; ``None`` is open-ended)."""

    code: str
    kind: str
    severity: Severity
    field: str
    check: RuleFunction
    effective_from: dt.date | None = None
    effective_until: dt.date | None = None

    def applies_on(self, on: dt.date) -> bool:
        """Whether the rule is in force on ``on`` (both ends inclusive)."""
        if self.effective_from is not None and on < self.effective_from:
            return False
        return self.effective_until is None or on <= self.effective_until

    @property
    def description(self) -> str:
        """The first line of the rule function's docstring."""
        doc = (self.check.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else ""


def _render(spec: MessageSpec, params: Mapping[str, Any]) -> str:
    if callable(spec):
        return str(spec(params))
    # Formatting even without params: a message that needs some then fails loudly (KeyError)
    # instead of showing its placeholders.
    return str(spec) % params


@dataclass(frozen=True, slots=True)
class Finding:
    """The result of one rule on one input. ``message`` is rendered from ``code`` and
    ``params`` when read, in the active language; ``stored_message`` is the text a stored finding
    had, shown only if its code is no longer known or its params no longer fit the message."""

    code: str
    severity: Severity
    field: str
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)
    stored_message: str = field(default="", compare=False, repr=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "severity", Severity(self.severity))
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    @property
    def message(self) -> str:
        """The message in the active Django language."""
        spec = registry.message_spec(self.code)
        if spec is None:
            return self.stored_message or self.code
        try:
            return _render(spec, self.params)
        except (KeyError, TypeError, ValueError):
            # A finding stored by an older version whose params no longer fit the message: the
            # text it had then is still the best description of it.
            return self.stored_message or self.code

    @property
    def is_blocking(self) -> bool:
        return self.severity is Severity.BLOCK

    def to_dict(self) -> dict[str, Any]:
        """The JSON form stored with a revision: code, severity, field, message (rendered now,
        in the active language) and params."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "field": self.field,
            "message": self.message,
            "params": copy.deepcopy(dict(self.params)),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """Rebuild a finding from ``to_dict`` output; its message is rendered again on access."""
        return cls(
            code=str(data["code"]),
            severity=Severity(data["severity"]),
            field=str(data.get("field") or ""),
            params=dict(data.get("params") or {}),
            stored_message=str(data.get("message") or ""),
        )


def findings_to_dicts(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    """``to_dict`` of each finding, in order."""
    return [finding.to_dict() for finding in findings]


def findings_from_dicts(items: Iterable[Mapping[str, Any]]) -> list[Finding]:
    """``Finding.from_dict`` of each stored finding, in order."""
    return [Finding.from_dict(item) for item in items]


def has_blocking(findings: Iterable[Finding | Mapping[str, Any]]) -> bool:
    """Whether any finding (a ``Finding`` or its stored dict) has severity ``block``."""
    for finding in findings:
        severity = finding.get("severity") if isinstance(finding, Mapping) else finding.severity
        if severity == Severity.BLOCK:
            return True
    return False


class RuleRegistry:
    """Rules by kind, in registration order (which is the order of findings), and each code's
    severity and message."""

    def __init__(self) -> None:
        self._rules: list[Rule] = []
        self._codes: dict[str, tuple[str, Severity]] = {}
        self._messages: dict[str, MessageSpec] = {}
        self._active: dict[tuple[str, dt.date, frozenset[str] | None], tuple[Rule, ...]] = {}

    def register(self, rule: Rule, message: MessageSpec | None = None) -> Rule:
        """Add ``rule``. The first rule of a code must bring its message; later rules of the same
        code must agree on kind and severity and may omit it."""
        if rule.kind not in KINDS:
            raise ValueError(f"unknown rule kind {rule.kind!r}")
        if (
            rule.effective_from is not None
            and rule.effective_until is not None
            and rule.effective_until < rule.effective_from
        ):
            raise ValueError(f"{rule.code}: effective_until is before effective_from")
        known = self._codes.get(rule.code)
        if known is None:
            if message is None:
                raise ValueError(f"{rule.code}: the first rule of a code needs a message")
            self._codes[rule.code] = (rule.kind, rule.severity)
            self._messages[rule.code] = message
        else:
            if known != (rule.kind, rule.severity):
                raise ValueError(f"{rule.code}: registered before with another kind or severity")
            if message is not None and message is not self._messages[rule.code]:
                raise ValueError(f"{rule.code}: registered before with another message")
        self._rules.append(rule)
        self._active.clear()
        return rule

    def message_spec(self, code: str) -> MessageSpec | None:
        return self._messages.get(code)

    def codes(self, kind: str | None = None) -> tuple[str, ...]:
        """The registered codes (of one kind), in registration order."""
        return tuple(code for code, (k, _) in self._codes.items() if kind is None or k == kind)

    def severity(self, code: str) -> Severity:
        return self._codes[code][1]

    def rules(self, kind: str | None = None) -> tuple[Rule, ...]:
        """Every registered rule (of one kind), in registration order."""
        return tuple(r for r in self._rules if kind is None or r.kind == kind)

    def active(
        self, kind: str, on: dt.date, codes: Collection[str] | None = None
    ) -> tuple[Rule, ...]:
        """The rules of ``kind`` in force on ``on``, limited to ``codes`` when given; raises
        ``UnknownRuleCode`` for a code that no rule of ``kind`` has."""
        wanted = None if codes is None else frozenset(codes)
        if wanted is not None:
            # A code of the other kind is as wrong as a typo: `rereview signatures --rule
            # TPL_LENGTH` would otherwise silently check nothing.
            unknown = wanted - set(self.codes(kind))
            if unknown:
                raise UnknownRuleCode(f"unknown {kind} rule code(s): {', '.join(sorted(unknown))}")
        key = (kind, on, wanted)
        found = self._active.get(key)
        if found is None:
            found = tuple(
                r
                for r in self._rules
                if r.kind == kind and r.applies_on(on) and (wanted is None or r.code in wanted)
            )
            # Checks run in bulk (re-review, the bench) with a handful of dates and filters.
            if len(self._active) > 256:
                self._active.clear()
            self._active[key] = found
        return found


#: The registry the rules modules register into.
registry = RuleRegistry()


def rule(
    code: str,
    *,
    kind: str,
    severity: Severity,
    field: str,
    message: MessageSpec | None = None,
    effective_from: dt.date | None = None,
    effective_until: dt.date | None = None,
    into: RuleRegistry | None = None,
) -> Callable[[RuleFunction], RuleFunction]:
    """Decorator registering a rule function under ``code`` (see ``RuleRegistry.register``).
    ``field`` is the input field a finding is about unless the hit names another."""

    def decorator(function: RuleFunction) -> RuleFunction:
        (into or registry).register(
            Rule(
                code=code,
                kind=kind,
                severity=severity,
                field=field,
                check=function,
                effective_from=effective_from,
                effective_until=effective_until,
            ),
            message,
        )
        return function

    return decorator


_loaded = False


def _load_rule_modules() -> None:
    global _loaded
    if not _loaded:
        for module in _RULE_MODULES.values():
            importlib.import_module(module)
        _loaded = True


def known_codes(kind: str | None = None) -> tuple[str, ...]:
    """Every rule code (of ``kind``: "signature", "template" or "qualification"), to validate
    user input such as ``rereview --rule CODE``."""
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown rule kind {kind!r}")
    _load_rule_modules()
    return registry.codes(kind)


def run_checks(
    kind: str,
    data: CheckInput,
    *,
    on: dt.date,
    codes: Collection[str] | None = None,
    using: RuleRegistry | None = None,
) -> list[Finding]:
    """Run the rules of ``kind`` in force on ``on`` (only those under ``codes``, when given) on
    the normalised ``data``; findings come in rule registration order. Raises
    ``UnknownRuleCode`` for a code in ``codes`` that is not registered."""
    if using is None:
        _load_rule_modules()
        using = registry
    data = data.normalized()
    findings: list[Finding] = []
    for active in using.active(kind, on, codes):
        for result in active.check(data):
            findings.append(
                Finding(active.code, active.severity, result.field or active.field, result.params)
            )
    return findings


def run_signature_checks(
    data: CheckInput, *, on: dt.date, codes: Collection[str] | None = None
) -> list[Finding]:
    """The signature pre-check of ``data`` (a ``signatures.rules.SignatureCheckInput``) as of
    ``on``; see ``run_checks``."""
    return run_checks(SIGNATURE, data, on=on, codes=codes)


def run_template_checks(
    data: CheckInput, *, on: dt.date, codes: Collection[str] | None = None
) -> list[Finding]:
    """The template pre-check of ``data`` (a ``templates.rules.TemplateCheckInput``) as of
    ``on``; see ``run_checks``."""
    return run_checks(TEMPLATE, data, on=on, codes=codes)


def format_list(items: Iterable[Any], separator: str) -> str:
    """``items`` each in Chinese-style quotes, joined by ``separator`` (the rules modules pass a
    translated one: ", " in English, "、" in Chinese)."""
    return str(separator).join(f"“{item}”" for item in items)
