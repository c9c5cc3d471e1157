"""The automatic pre-check of signature and template applications (SPEC §4).

The engine and the text analysis live here; the rules themselves live with their apps, in
``signatures.rules`` and ``templates.rules``, and register into ``engine.registry`` when imported
(which the run functions do on first use).
"""

from reviewportal.precheck.engine import (
    SIGNATURE,
    TEMPLATE,
    Finding,
    Rule,
    RuleRegistry,
    Severity,
    UnknownRuleCode,
    findings_from_dicts,
    findings_to_dicts,
    has_blocking,
    known_codes,
    run_checks,
    run_signature_checks,
    run_template_checks,
)

__all__ = [
    "SIGNATURE",
    "TEMPLATE",
    "Finding",
    "Rule",
    "RuleRegistry",
    "Severity",
    "UnknownRuleCode",
    "findings_from_dicts",
    "findings_to_dicts",
    "has_blocking",
    "known_codes",
    "run_checks",
    "run_signature_checks",
    "run_template_checks",
]
