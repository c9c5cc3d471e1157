"""The template pre-check runs the rules in force on the date it is asked about, through each of
its three entry points (the findings stored with a revision, the live check of the form, the
plain values of the ``precheck`` command): no template rule is dated today, so a dated one is
put beside the real rules here, as a rule change announced by a carrier would be."""

import datetime as dt

import pytest

from reviewportal.precheck import RuleRegistry, Severity, engine
from reviewportal.precheck.engine import TEMPLATE, hit, rule
from templates import rules as tpl_rules
from templates.selectors import (
    template_findings,
    template_live_findings,
    template_precheck_values,
)
from tests.factories import TemplateApplicationFactory

FROM = dt.date(2027, 1, 1)
BEFORE = FROM - dt.timedelta(days=1)
DATED = "TPL_DATED_FOR_THE_TEST"


@pytest.fixture
def dated_rule(monkeypatch):
    """The real rules plus ``DATED``, in force from ``FROM``, in a registry of the test's own
    (the module's registry is swapped for the test only)."""
    engine.known_codes()  # loads the rule modules into the real registry
    private = RuleRegistry()
    for real in engine.registry.rules():
        private.register(real, engine.registry.message_spec(real.code))

    @rule(
        DATED,
        kind=TEMPLATE,
        severity=Severity.WARN,
        field="content",
        message="dated",
        effective_from=FROM,
        into=private,
    )
    def dated(data):
        yield hit()

    monkeypatch.setattr(engine, "registry", private)
    return DATED


def _codes(findings):
    return [f["code"] if isinstance(f, dict) else f.code for f in findings]


def test_the_findings_of_a_revision_are_those_of_its_date(dated_rule, approved_signature):
    item = TemplateApplicationFactory(signature=approved_signature, content="您的订单已发货。")
    assert dated_rule not in _codes(template_findings(item, on=BEFORE))
    assert dated_rule in _codes(template_findings(item, on=FROM))


def test_the_live_check_is_that_of_its_date(dated_rule, approved_signature):
    def live(on):
        return _codes(
            template_live_findings(
                signature=approved_signature,
                content="您的订单已发货。",
                kind=tpl_rules.NOTIFICATION,
                industry="",
                own_kinds=(),
                on=on,
            )
        )

    assert dated_rule not in live(BEFORE)
    assert dated_rule in live(FROM)


def test_plain_values_are_checked_as_of_their_date(dated_rule):
    def plain(on):
        return _codes(
            template_precheck_values(content="您的订单已发货。", kind=tpl_rules.NOTIFICATION, on=on)
        )

    assert plain(BEFORE) == []
    assert plain(FROM) == [dated_rule]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (tpl_rules.MARKETING, [tpl_rules.TPL_MARKETING_OPT_OUT]),
        (tpl_rules.NOTIFICATION, []),
    ],
)
def test_the_live_check_reads_the_kind_typed_in_the_form(approved_signature, kind, expected):
    found = template_live_findings(
        signature=approved_signature,
        content="新品上市，全场八折。",
        kind=kind,
        industry="",
        own_kinds=(),
        on=dt.date(2026, 11, 23),
    )
    assert _codes(found) == expected
