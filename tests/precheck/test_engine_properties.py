"""The engine: registry, effective dates, findings as stored JSON; and properties of both rule
sets over generated input (no crash; full-width and half-width text give the same verdict)."""

import dataclasses
import datetime as dt
import json

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewportal.precheck import (
    SIGNATURE,
    TEMPLATE,
    Finding,
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
from reviewportal.precheck.engine import QUALIFICATION, Rule, hit, registry, rule
from signatures import rules as signature_rules
from signatures.rules import SignatureCheckInput
from templates import rules as template_rules
from templates.rules import TemplateCheckInput

SPEC_SIGNATURE_CODES = {
    "SIG_LENGTH",
    "SIG_FORBIDDEN_CHARS",
    "SIG_DIGITS",
    "SIG_LATIN",
    "SIG_NEUTRAL",
    "SIG_TYPE_NOT_ACCEPTED",
    "SIG_NOT_ENTITY_NAME",
    "SIG_ABBREV_SKIPS",
    "SIG_TAKEN",
    "SIG_TRADEMARK_MISMATCH",
    "SIG_AUTHORIZATION_REQUIRED",
    "SIG_NON_MAINLAND",
    "SIG_MATERIALS_MISSING",
}
SPEC_TEMPLATE_CODES = {
    "TPL_LENGTH",
    "TPL_BRACKETS",
    "TPL_VARIABLE_SYNTAX",
    "TPL_TOO_MANY_LINKS",
    "TPL_TOO_MANY_CONTACTS",
    "TPL_TOO_MANY_IPS",
    "TPL_LINK_NOT_OWNED",
    "TPL_FILING_REQUIRED",
    "TPL_VERIFICATION_KEYWORD",
    "TPL_MARKETING_OPT_OUT",
    "TPL_LIVE_STREAMING_LETTER",
    "TPL_SIGNATURE_NOT_APPROVED",
}
ON = dt.date(2026, 6, 1)


# --- Registry and dates ----------------------------------------------------------------------


#: The documents a qualification needs (SPEC §2, seed 004), checked when it is submitted.
QUALIFICATION_CODES = {"QUA_MATERIALS_MISSING"}


def test_known_codes_are_exactly_the_spec_codes():
    assert set(known_codes(SIGNATURE)) == SPEC_SIGNATURE_CODES
    assert set(known_codes(TEMPLATE)) == SPEC_TEMPLATE_CODES
    assert set(known_codes(QUALIFICATION)) == QUALIFICATION_CODES
    assert set(known_codes()) == SPEC_SIGNATURE_CODES | SPEC_TEMPLATE_CODES | QUALIFICATION_CODES


def test_known_codes_rejects_unknown_kind():
    with pytest.raises(ValueError, match="unknown rule kind"):
        known_codes("sms")


@pytest.mark.parametrize(
    ("on", "applies"),
    [
        (dt.date(2026, 4, 30), False),
        (dt.date(2026, 5, 1), True),
        (dt.date(2026, 5, 31), True),
        (dt.date(2026, 6, 1), False),
    ],
)
def test_rule_applies_on_is_inclusive_at_both_ends(on, applies):
    dated = Rule(
        code="X",
        kind=SIGNATURE,
        severity=Severity.INFO,
        field="content",
        check=lambda data: (),
        effective_from=dt.date(2026, 5, 1),
        effective_until=dt.date(2026, 5, 31),
    )
    assert dated.applies_on(on) is applies


class _Input:
    """A minimal check input for a private registry; normalising strips it."""

    def __init__(self, value):
        self.value = value

    def normalized(self):
        return _Input(self.value.strip())


def _registry():
    private = RuleRegistry()

    @rule(
        "T_ALWAYS",
        kind=SIGNATURE,
        severity=Severity.WARN,
        field="value",
        message="always",
        into=private,
    )
    def always(data):
        yield hit(value=data.value)

    @rule(
        "T_DATED",
        kind=SIGNATURE,
        severity=Severity.BLOCK,
        field="value",
        message="dated %(since)s",
        effective_until=dt.date(2026, 4, 30),
        into=private,
    )
    def until_april(data):
        yield hit(field="other", since="before")

    @rule(
        "T_DATED",
        kind=SIGNATURE,
        severity=Severity.BLOCK,
        field="value",
        effective_from=dt.date(2026, 5, 1),
        into=private,
    )
    def from_may(data):
        yield hit(since="after")

    return private


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (
            dt.date(2026, 4, 30),
            [("T_ALWAYS", "value", {"value": "x"}), ("T_DATED", "other", {"since": "before"})],
        ),
        (
            dt.date(2026, 5, 1),
            [("T_ALWAYS", "value", {"value": "x"}), ("T_DATED", "value", {"since": "after"})],
        ),
    ],
)
def test_run_checks_runs_only_rules_in_force_on_the_date(on, expected):
    found = run_checks(SIGNATURE, _Input(" x "), on=on, using=_registry())
    assert [(f.code, f.field, dict(f.params)) for f in found] == expected


def test_run_checks_filters_by_codes():
    found = run_checks(SIGNATURE, _Input("x"), on=ON, codes={"T_DATED"}, using=_registry())
    assert [f.code for f in found] == ["T_DATED"]


def test_run_checks_rejects_unknown_codes():
    with pytest.raises(UnknownRuleCode, match="T_NOPE"):
        run_checks(SIGNATURE, _Input("x"), on=ON, codes={"T_NOPE"}, using=_registry())


def test_run_checks_of_other_kind_finds_nothing():
    assert run_checks(TEMPLATE, _Input("x"), on=ON, using=_registry()) == []


def test_registry_first_rule_of_a_code_needs_a_message():
    private = RuleRegistry()
    with pytest.raises(ValueError, match="needs a message"):
        private.register(Rule("T", SIGNATURE, Severity.BLOCK, "f", lambda data: ()))


def test_registry_refuses_a_second_severity_for_a_code():
    private = _registry()
    with pytest.raises(ValueError, match="another kind or severity"):
        private.register(Rule("T_ALWAYS", SIGNATURE, Severity.BLOCK, "f", lambda data: ()))


def test_registry_refuses_a_second_message_for_a_code():
    private = _registry()
    with pytest.raises(ValueError, match="another message"):
        private.register(Rule("T_ALWAYS", SIGNATURE, Severity.WARN, "f", lambda d: ()), "other")


def test_registry_refuses_an_empty_period():
    private = RuleRegistry()
    backwards = Rule(
        "T",
        SIGNATURE,
        Severity.BLOCK,
        "f",
        lambda data: (),
        effective_from=dt.date(2026, 5, 1),
        effective_until=dt.date(2026, 4, 30),
    )
    with pytest.raises(ValueError, match="before effective_from"):
        private.register(backwards, "m")


def test_run_signature_checks_filters_by_codes():
    data = SignatureCheckInput(content="测试1", entity_name="测试有限公司")
    found = run_signature_checks(data, on=ON, codes={"SIG_DIGITS"})
    assert [f.code for f in found] == ["SIG_DIGITS"]


def test_run_signature_checks_rejects_template_codes():
    with pytest.raises(UnknownRuleCode, match="TPL_LENGTH"):
        run_signature_checks(SignatureCheckInput(content="和讯"), on=ON, codes={"TPL_LENGTH"})


def test_run_template_checks_rejects_unknown_codes():
    with pytest.raises(UnknownRuleCode):
        run_template_checks(TemplateCheckInput(content="您好"), on=ON, codes={"TPL_NOPE"})


def test_every_registered_rule_has_a_description():
    assert all(r.description for r in registry.rules())


# --- Findings --------------------------------------------------------------------------------


def _sample_findings():
    data = SignatureCheckInput(
        content="和讯1", sig_type="app", entity_name="深圳市和讯华谷有限公司"
    )
    return run_signature_checks(data, on=ON)


def test_finding_to_dict_has_exactly_the_stored_keys():
    for item in findings_to_dicts(_sample_findings()):
        assert set(item) == {"code", "severity", "field", "message", "params"}
        json.dumps(item)


def test_finding_from_dict_round_trips():
    original = _sample_findings()
    assert findings_from_dicts(findings_to_dicts(original)) == original


def test_finding_from_dict_rerenders_in_another_language():
    with translation.override("zh-hans"):
        stored = findings_to_dicts(_sample_findings())
    assert "签名不能包含数字" in stored[0]["message"]
    with translation.override("en"):
        rebuilt = findings_from_dicts(stored)
        assert rebuilt[0].message == "A signature must not contain digits (found “1”)."


def test_finding_from_dict_keeps_stored_text_for_retired_code():
    stored = {
        "code": "SIG_RETIRED",
        "severity": "warn",
        "field": "content",
        "message": "old",
        "params": {},
    }
    assert Finding.from_dict(stored).message == "old"


def test_finding_from_dict_keeps_stored_text_when_params_no_longer_fit():
    stored = {
        "code": "SIG_LENGTH",
        "severity": "block",
        "field": "content",
        "message": "old",
        "params": {},
    }
    assert Finding.from_dict(stored).message == "old"


def test_finding_is_immutable_and_hashable():
    finding = Finding("SIG_TAKEN", "block", "content", {"content": "和讯"})
    assert finding.severity is Severity.BLOCK
    assert hash(finding) == hash(Finding("SIG_TAKEN", Severity.BLOCK, "content", {"content": "x"}))
    with pytest.raises(TypeError):
        finding.params["content"] = "changed"
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.code = "SIG_LENGTH"


def test_finding_to_dict_params_are_a_copy():
    finding = Finding("SIG_DIGITS", Severity.BLOCK, "content", {"chars": ["1"]})
    finding.to_dict()["params"]["chars"].append("2")
    assert finding.params["chars"] == ["1"]


@pytest.mark.parametrize(
    ("severities", "blocked"),
    [([], False), (["info", "warn"], False), (["warn", "block"], True)],
)
def test_has_blocking_reads_findings_and_stored_dicts(severities, blocked):
    items = [Finding("SIG_TAKEN", s, "content", {"content": "x"}) for s in severities]
    assert has_blocking(items) is blocked
    assert has_blocking(findings_to_dicts(items)) is blocked


# --- Properties ------------------------------------------------------------------------------

CHINESE = "和讯华谷深圳市信息技术有限公司测试通知验证码客服您好拒收请回复退订详情见查看电话"
ASCII = "abcxyzABCRTD0123456789.:/-_@${} ()[],!?"
EXTRA = "【】·。、～①％　"
ALPHABET = st.sampled_from(CHINESE + ASCII + EXTRA)
TEXT = st.text(ALPHABET, max_size=60)
FRAGMENTS = st.sampled_from(
    [
        "详情见abc.cn查看",
        "t.cn/xyz",
        "https://www.example.com/a?b=1",
        "1.2.3.4",
        "13800138000",
        "+86 138 0013 8000",
        "010-12345678",
        "400-123-4567",
        "95588",
        "kf@abc.com",
        "${code}",
        "${",
        "拒收请回复R",
        "回T退订",
        "验证码",
    ]
)
SMS = st.lists(st.one_of(TEXT, FRAGMENTS), max_size=8).map("".join)
DATES = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2028, 12, 31))
MATERIALS = st.frozensets(st.sampled_from(signature_rules.MATERIAL_KINDS))

ENTITY = "深圳市和讯华谷信息技术有限公司"
SIGNATURE_CONTENTS = st.sampled_from(
    [
        "和讯华谷",
        "深圳华谷",
        "华谷和讯",
        ENTITY,
        "测试",
        "系统通知提醒",
        "JPush",
        "和讯1号",
        "和讯 华谷",
    ]
)
NAMES = st.one_of(TEXT, st.just(ENTITY), st.just("腾讯科技(深圳)有限公司"))

SIGNATURES = st.builds(
    SignatureCheckInput,
    content=st.one_of(TEXT, st.text(max_size=30), SIGNATURE_CONTENTS),
    sig_type=st.one_of(st.sampled_from(signature_rules.SIGNATURE_TYPES), st.text(max_size=5)),
    purpose=st.sampled_from(signature_rules.PURPOSES),
    entity_name=NAMES,
    entity_kind=st.sampled_from(signature_rules.ENTITY_KINDS),
    is_mainland=st.booleans(),
    material_kinds=MATERIALS,
    trademark_name=TEXT,
    trademark_owner=NAMES,
    partner_name=NAMES,
    has_authorization_letter=st.booleans(),
    neutral_words=st.one_of(
        st.just(signature_rules.DEFAULT_NEUTRAL_WORDS), st.lists(TEXT, max_size=4).map(tuple)
    ),
    taken=st.booleans(),
)
TEMPLATES = st.builds(
    TemplateCheckInput,
    content=st.one_of(SMS, st.text(max_size=80)),
    kind=st.sampled_from(template_rules.TEMPLATE_KINDS),
    industry=st.sampled_from(["", template_rules.LIVE_STREAMING, "ecommerce"]),
    material_kinds=MATERIALS,
    verified_domains=st.lists(
        st.sampled_from(["abc.cn", "example.com", "1.2.3.4", "例子.中国", ""])
    ),
    signature_approved=st.booleans(),
)


def full_width(text: str) -> str:
    """The visually identical full-width form of the ASCII characters of ``text``."""
    return "".join(
        "\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text
    )


def verdict(found):
    return [
        (f.code, f.severity, f.field, json.dumps(dict(f.params), sort_keys=True)) for f in found
    ]


def _assert_renders(found):
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for item in findings_to_dicts(found):
                json.dumps(item)
                # A message that fell back to the bare code would mean a broken catalogue entry.
                assert item["message"] and item["message"] != item["code"]


@settings(max_examples=300, deadline=None)
@given(data=SIGNATURES, on=DATES)
def test_signature_checks_never_crash_and_always_render(data, on):
    found = run_signature_checks(data, on=on)
    assert all(f.code in SPEC_SIGNATURE_CODES for f in found)
    _assert_renders(found)


@settings(max_examples=300, deadline=None)
@given(data=TEMPLATES, on=DATES)
def test_template_checks_never_crash_and_always_render(data, on):
    found = run_template_checks(data, on=on)
    assert all(f.code in SPEC_TEMPLATE_CODES for f in found)
    _assert_renders(found)


@settings(max_examples=300, deadline=None)
@given(data=SIGNATURES, on=DATES)
def test_signature_checks_full_width_gives_same_verdict(data, on):
    wide = dataclasses.replace(
        data,
        content=full_width(data.content),
        entity_name=full_width(data.entity_name),
        trademark_name=full_width(data.trademark_name),
        trademark_owner=full_width(data.trademark_owner),
        partner_name=full_width(data.partner_name),
    )
    assert verdict(run_signature_checks(wide, on=on)) == verdict(run_signature_checks(data, on=on))


@settings(max_examples=300, deadline=None)
@given(data=TEMPLATES, on=DATES)
def test_template_checks_full_width_gives_same_verdict(data, on):
    wide = dataclasses.replace(data, content=full_width(data.content))
    assert verdict(run_template_checks(wide, on=on)) == verdict(run_template_checks(data, on=on))


@settings(max_examples=200, deadline=None)
@given(data=TEMPLATES, codes=st.sets(st.sampled_from(sorted(SPEC_TEMPLATE_CODES))))
def test_template_checks_code_filter_is_a_subset_of_the_full_run(data, codes):
    full = [f for f in run_template_checks(data, on=ON) if f.code in codes]
    assert run_template_checks(data, on=ON, codes=codes) == full


@settings(max_examples=200, deadline=None)
@given(data=SIGNATURES)
def test_signature_checks_app_verdict_changes_only_at_the_cutover(data):
    app = dataclasses.replace(data, sig_type=signature_rules.APP)
    before = run_signature_checks(app, on=dt.date(2026, 4, 30))
    after = run_signature_checks(app, on=dt.date(2026, 5, 1))
    assert "SIG_TYPE_NOT_ACCEPTED" not in [f.code for f in before]
    assert [f for f in after if f.code != "SIG_TYPE_NOT_ACCEPTED"] == before
