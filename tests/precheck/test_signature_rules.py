"""Signature rules (SPEC §4): a passing and a failing table for every code, and the date edges."""

import dataclasses
import datetime as dt

import pytest
from django.utils import translation

from reviewportal.precheck import Severity, run_signature_checks
from signatures import rules
from signatures.rules import SignatureCheckInput

ON = dt.date(2026, 6, 1)
ENTITY = "深圳市和讯华谷信息技术有限公司"
PARTNER = "北京小桔科技有限公司"
ENTERPRISE_MATERIALS = frozenset(
    {rules.BUSINESS_LICENSE, rules.LEGAL_REP_ID_FRONT, rules.LEGAL_REP_ID_BACK}
)

VALID = SignatureCheckInput(
    content="和讯华谷",
    sig_type=rules.COMPANY,
    entity_name=ENTITY,
    material_kinds=ENTERPRISE_MATERIALS,
)


def findings(on=ON, **changes):
    return run_signature_checks(dataclasses.replace(VALID, **changes), on=on)


def codes(on=ON, **changes):
    return [finding.code for finding in findings(on=on, **changes)]


def test_signature_checks_valid_company_abbreviation_has_no_findings():
    assert findings() == []


def test_signature_checks_valid_full_name_has_no_findings():
    assert findings(content=ENTITY) == []


# --- SIG_LENGTH ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    ["和", "", ENTITY + "深圳市和讯华", "和" * 21],
)
def test_sig_length_outside_limits_blocks(content):
    found = [f for f in findings(content=content) if f.code == rules.SIG_LENGTH]
    assert len(found) == 1
    assert found[0].severity is Severity.BLOCK
    assert found[0].params == {"length": len(content), "min": 2, "max": 20}


@pytest.mark.parametrize("content", ["和讯", "和" * 20])
def test_sig_length_within_limits_passes(content):
    assert rules.SIG_LENGTH not in codes(content=content)


# --- SIG_FORBIDDEN_CHARS ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "chars"),
    [
        ("和讯 华谷", [" "]),
        ("和讯　华谷", [" "]),  # ideographic space, NFKC'd
        ("【和讯华谷】", ["【", "】"]),
        ("[和讯华谷]", ["[", "]"]),
        ("和讯（华谷）", ["(", ")"]),
        ("和讯·华谷", ["·"]),
        ("和讯华谷！", ["!"]),
        ("和讯华谷。", ["。"]),
        ("和讯&华谷", ["&"]),
        ("和讯〇华谷", ["〇"]),
    ],
)
def test_sig_forbidden_chars_blocks(content, chars):
    found = [f for f in findings(content=content) if f.code == rules.SIG_FORBIDDEN_CHARS]
    assert [f.params["chars"] for f in found] == [chars]
    assert found[0].severity is Severity.BLOCK


@pytest.mark.parametrize("content", ["和讯华谷", "和讯1号", "和讯ABC", "𠀀和讯"])
def test_sig_forbidden_chars_passes_chinese_digits_and_latin(content):
    # Digits and Latin letters have codes of their own; CJK extension B is Chinese.
    assert rules.SIG_FORBIDDEN_CHARS not in codes(content=content)


# --- SIG_DIGITS / SIG_LATIN ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "chars"),
    [("和讯1号", ["1"]), ("和讯１号", ["1"]), ("和讯２０２５", ["2", "0", "5"])],
)
def test_sig_digits_blocks_half_and_full_width(content, chars):
    found = [f for f in findings(content=content) if f.code == rules.SIG_DIGITS]
    assert [f.params["chars"] for f in found] == [chars]


@pytest.mark.parametrize("content", ["和讯一号", "和讯华谷"])
def test_sig_digits_passes_chinese_numerals(content):
    assert rules.SIG_DIGITS not in codes(content=content)


@pytest.mark.parametrize(
    ("content", "chars"),
    [
        ("和讯ABC", ["A", "B", "C"]),
        ("和讯ＡＢＣ", ["A", "B", "C"]),
        ("JPush", ["J", "P", "u", "s", "h"]),
        ("和讯Café", ["C", "a", "f", "é"]),
    ],
)
def test_sig_latin_blocks_half_and_full_width(content, chars):
    found = [f for f in findings(content=content) if f.code == rules.SIG_LATIN]
    assert [f.params["chars"] for f in found] == [chars]


def test_sig_latin_passes_chinese_only():
    assert rules.SIG_LATIN not in codes(content="和讯华谷")


# --- SIG_NEUTRAL -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("测试", ["测试"]),
        ("客服通知", ["客服通知"]),
        ("客户您好", ["客户您好"]),
        ("验证码", ["验证码"]),
        ("系统通知", ["系统通知"]),
        ("系统通知提醒", ["系统通知", "提醒"]),
        ("通知通知", ["通知"]),
        ("测试 ", ["测试"]),
    ],
)
def test_sig_neutral_blocks_default_words_and_combinations(content, words):
    found = [f for f in findings(content=content) if f.code == rules.SIG_NEUTRAL]
    assert [f.params["words"] for f in found] == [words]


def test_sig_neutral_uses_the_callers_list():
    assert rules.SIG_NEUTRAL in codes(content="和讯", neutral_words=("和讯",))
    assert rules.SIG_NEUTRAL not in codes(content="测试", neutral_words=("通知",))


@pytest.mark.parametrize("content", ["和讯华谷", "和讯通知", "通知和讯"])
def test_sig_neutral_passes_names_with_a_neutral_part(content):
    assert rules.SIG_NEUTRAL not in codes(content=content)


def test_sig_neutral_default_words_include_spec_examples():
    assert {"测试", "客服通知", "客户您好", "验证码", "系统通知"} <= set(
        rules.DEFAULT_NEUTRAL_WORDS
    )
    assert len(rules.DEFAULT_NEUTRAL_WORDS) >= 17


# --- SIG_TYPE_NOT_ACCEPTED -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sig_type", "on", "since"),
    [
        (rules.APP, dt.date(2026, 5, 1), "2026-05-01"),
        (rules.APP, dt.date(2027, 1, 1), "2026-05-01"),
        (rules.WEBSITE, dt.date(2025, 3, 27), "2025-03-27"),
        (rules.MINI_PROGRAM, dt.date(2025, 3, 27), "2025-03-27"),
        (rules.OFFICIAL_ACCOUNT, dt.date(2030, 1, 1), "2025-03-27"),
    ],
)
def test_sig_type_not_accepted_blocks_from_its_date(sig_type, on, since):
    found = [f for f in findings(on=on, sig_type=sig_type) if f.code == rules.SIG_TYPE_NOT_ACCEPTED]
    assert [f.params for f in found] == [{"type": sig_type, "since": since}]
    assert found[0].field == "sig_type"


@pytest.mark.parametrize(
    ("sig_type", "on"),
    [
        (rules.APP, dt.date(2026, 4, 30)),
        (rules.APP, dt.date(2025, 1, 1)),
        (rules.WEBSITE, dt.date(2025, 3, 26)),
        (rules.OFFICIAL_ACCOUNT, dt.date(2025, 3, 26)),
        (rules.COMPANY, dt.date(2030, 1, 1)),
        (rules.INSTITUTION, dt.date(2030, 1, 1)),
        (rules.TRADEMARK, dt.date(2030, 1, 1)),
    ],
)
def test_sig_type_not_accepted_passes_before_its_date_or_accepted_types(sig_type, on):
    assert rules.SIG_TYPE_NOT_ACCEPTED not in codes(on=on, sig_type=sig_type)


@pytest.mark.parametrize("on", [dt.date(2020, 1, 1), dt.date(2030, 1, 1)])
def test_sig_type_not_accepted_blocks_unknown_type_on_any_date(on):
    found = [f for f in findings(on=on, sig_type="app_name") if f.code == "SIG_TYPE_NOT_ACCEPTED"]
    assert [f.params for f in found] == [{"type": "app_name"}]


# --- SIG_NOT_ENTITY_NAME / SIG_ABBREV_SKIPS --------------------------------------------------


@pytest.mark.parametrize(
    ("content", "changes"),
    [
        ("华谷和讯", {}),  # out of order
        ("和讯科技", {}),  # 科 is not in the name
        ("极光推送", {}),
        ("北京和讯", {}),
        ("和讯华谷", {"sig_type": rules.INSTITUTION, "entity_name": "深圳市人民医院"}),
        # Other-use compares with the partner's name, not the applicant's.
        ("和讯华谷", {"purpose": rules.PURPOSE_OTHER, "partner_name": PARTNER}),
    ],
)
def test_sig_not_entity_name_blocks(content, changes):
    found = [f for f in findings(content=content, **changes) if f.code == "SIG_NOT_ENTITY_NAME"]
    assert len(found) == 1
    assert found[0].severity is Severity.BLOCK
    assert found[0].params == {
        "name": changes.get("partner_name", changes.get("entity_name", ENTITY))
    }


@pytest.mark.parametrize(
    ("content", "changes"),
    [
        (ENTITY, {}),
        ("和讯华谷", {}),
        ("深圳华谷", {}),  # in order, with skips: a warning, not this block
        ("和讯华谷信息技术", {}),
        ("腾讯科技深圳", {"entity_name": "腾讯科技（深圳）有限公司"}),
        ("腾讯科技深圳有限公司", {"entity_name": "腾讯科技(深圳)有限公司"}),
        ("小桔科技", {"purpose": rules.PURPOSE_OTHER, "partner_name": PARTNER}),
        ("人民医院", {"sig_type": rules.INSTITUTION, "entity_name": "深圳市人民医院"}),
        ("极光", {"sig_type": rules.TRADEMARK}),  # not a name type
        ("极光", {"sig_type": rules.APP}),
    ],
)
def test_sig_not_entity_name_passes(content, changes):
    assert rules.SIG_NOT_ENTITY_NAME not in codes(content=content, **changes)


@pytest.mark.parametrize(
    ("content", "name"),
    [("深圳华谷", ENTITY), ("和讯技术", ENTITY), ("深圳医院", "深圳市人民医院")],
)
def test_sig_abbrev_skips_warns_when_not_contiguous(content, name):
    found = [f for f in findings(content=content, entity_name=name) if f.code == "SIG_ABBREV_SKIPS"]
    assert len(found) == 1
    assert found[0].severity is Severity.WARN
    assert found[0].params == {"name": name}


@pytest.mark.parametrize("content", ["和讯华谷", ENTITY, "深圳市", "华谷和讯", "有限公司"])
def test_sig_abbrev_skips_passes_contiguous_or_not_in_order(content):
    assert rules.SIG_ABBREV_SKIPS not in codes(content=content)


def test_sig_abbrev_skips_passes_non_name_types():
    assert rules.SIG_ABBREV_SKIPS not in codes(content="深圳华谷", sig_type=rules.APP)


# --- SIG_TAKEN -------------------------------------------------------------------------------


def test_sig_taken_blocks_when_the_caller_found_it_taken():
    found = [f for f in findings(taken=True) if f.code == rules.SIG_TAKEN]
    assert [(f.severity, f.params) for f in found] == [(Severity.BLOCK, {"content": "和讯华谷"})]


def test_sig_taken_passes_when_free():
    assert rules.SIG_TAKEN not in codes(taken=False)


# --- SIG_TRADEMARK_MISMATCH ------------------------------------------------------------------

TRADEMARK = {
    "sig_type": rules.TRADEMARK,
    "trademark_name": "极光推送",
    "trademark_owner": ENTITY,
    "material_kinds": ENTERPRISE_MATERIALS | {rules.TRADEMARK_CERTIFICATE},
}


@pytest.mark.parametrize(
    ("changes", "problems"),
    [
        ({"content": "和讯华谷"}, ["name"]),
        ({"content": "推送极光"}, ["name"]),
        ({"content": "极光", "trademark_owner": "北京极光科技有限公司"}, ["owner"]),
        ({"content": "华谷", "trademark_owner": "别人"}, ["name", "owner"]),
        ({"content": "极光", "trademark_name": ""}, ["no_trademark"]),
        (
            {"content": "极光", "purpose": rules.PURPOSE_OTHER, "partner_name": PARTNER},
            ["owner"],
        ),
    ],
)
def test_sig_trademark_mismatch_blocks(changes, problems):
    found = [
        f for f in findings(**{**TRADEMARK, **changes}) if f.code == rules.SIG_TRADEMARK_MISMATCH
    ]
    assert [f.params["problem"] for f in found] == problems
    assert all(f.severity is Severity.BLOCK for f in found)


@pytest.mark.parametrize(
    "changes",
    [
        {"content": "极光推送"},
        {"content": "极光"},
        {"content": "极光", "trademark_owner": "深圳市和讯华谷信息技术有限公司 "},
        {
            "content": "极光",
            "purpose": rules.PURPOSE_OTHER,
            "partner_name": PARTNER,
            "trademark_owner": PARTNER,
        },
        {"content": "和讯华谷", "sig_type": rules.COMPANY, "trademark_name": ""},
    ],
)
def test_sig_trademark_mismatch_passes(changes):
    assert rules.SIG_TRADEMARK_MISMATCH not in codes(**{**TRADEMARK, **changes})


def test_sig_trademark_mismatch_owner_compares_nfkc():
    assert rules.SIG_TRADEMARK_MISMATCH not in codes(
        **{
            **TRADEMARK,
            "content": "极光",
            "entity_name": "腾讯科技(深圳)有限公司",
            "trademark_owner": "腾讯科技（深圳）有限公司",
        }
    )


# --- SIG_AUTHORIZATION_REQUIRED --------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "missing"),
    [
        ({"partner_name": PARTNER}, ["authorization_letter"]),
        ({"has_authorization_letter": True}, ["partner_qualification"]),
        ({}, ["partner_qualification", "authorization_letter"]),
    ],
)
def test_sig_authorization_required_blocks_other_use_without_it(changes, missing):
    found = [
        f
        for f in findings(content="小桔科技", purpose=rules.PURPOSE_OTHER, **changes)
        if f.code == rules.SIG_AUTHORIZATION_REQUIRED
    ]
    assert [f.params["missing"] for f in found] == [missing]


@pytest.mark.parametrize(
    "changes",
    [
        {"purpose": rules.PURPOSE_OTHER, "partner_name": PARTNER, "has_authorization_letter": True},
        {"purpose": rules.PURPOSE_SELF},
    ],
)
def test_sig_authorization_required_passes(changes):
    assert rules.SIG_AUTHORIZATION_REQUIRED not in codes(content="小桔科技", **changes)


# --- SIG_NON_MAINLAND ------------------------------------------------------------------------


@pytest.mark.parametrize(("is_mainland", "blocked"), [(False, True), (True, False)])
def test_sig_non_mainland_blocks_only_non_mainland(is_mainland, blocked):
    assert (rules.SIG_NON_MAINLAND in codes(is_mainland=is_mainland)) is blocked


# --- SIG_MATERIALS_MISSING -------------------------------------------------------------------

R = rules  # shorter rows below


@pytest.mark.parametrize(
    ("changes", "missing"),
    [
        ({"material_kinds": frozenset()}, ["entity_certificate", "legal_rep_id"]),
        ({"material_kinds": {R.LEGAL_REP_ID_FRONT, R.LEGAL_REP_ID_BACK}}, ["entity_certificate"]),
        ({"material_kinds": {R.BUSINESS_LICENSE, R.LEGAL_REP_ID_FRONT}}, ["legal_rep_id"]),
        (
            {"material_kinds": {R.BUSINESS_LICENSE, R.AGENT_ID_FRONT, R.AGENT_ID_BACK}},
            ["legal_rep_id"],  # an enterprise may not give the agent's ID
        ),
        (
            {
                "entity_kind": R.GOVERNMENT,
                "material_kinds": {R.INSTITUTION_CERTIFICATE, R.AGENT_ID_FRONT, R.AGENT_ID_BACK},
            },
            ["legal_rep_id"],
        ),
        (
            {
                "entity_kind": R.PUBLIC_INSTITUTION,
                "material_kinds": {R.INSTITUTION_CERTIFICATE, R.AGENT_ID_FRONT},
            },
            ["legal_rep_or_agent_id"],
        ),
        ({"sig_type": R.TRADEMARK, "content": "极光"}, ["trademark_certificate"]),
        ({"sig_type": R.APP, "content": "极光"}, ["icp_screenshot"]),
        (
            {"purpose": R.PURPOSE_OTHER, "partner_name": PARTNER, "content": "小桔科技"},
            ["authorization_letter"],
        ),
    ],
)
def test_sig_materials_missing_blocks(changes, missing):
    found = [f for f in findings(**changes) if f.code == rules.SIG_MATERIALS_MISSING]
    assert [f.params["missing"] for f in found] == [missing]
    assert found[0].field == "materials"


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"material_kinds": {R.INSTITUTION_CERTIFICATE, R.LEGAL_REP_ID_FRONT, R.LEGAL_REP_ID_BACK}},
        {
            "entity_kind": R.PUBLIC_INSTITUTION,
            "material_kinds": {R.INSTITUTION_CERTIFICATE, R.AGENT_ID_FRONT, R.AGENT_ID_BACK},
        },
        {
            "entity_kind": R.NON_PROFIT,
            "material_kinds": {R.BUSINESS_LICENSE, R.AGENT_ID_FRONT, R.AGENT_ID_BACK},
        },
        {
            "sig_type": R.TRADEMARK,
            "material_kinds": ENTERPRISE_MATERIALS | {R.TRADEMARK_CERTIFICATE},
        },
        {"sig_type": R.APP, "material_kinds": ENTERPRISE_MATERIALS | {R.ICP_SCREENSHOT}},
        {
            "purpose": R.PURPOSE_OTHER,
            "material_kinds": ENTERPRISE_MATERIALS | {R.AUTHORIZATION_LETTER},
        },
    ],
)
def test_sig_materials_missing_passes(changes):
    assert rules.SIG_MATERIALS_MISSING not in codes(**changes)


# --- Inputs, messages ------------------------------------------------------------------------


def test_signature_input_accepts_lists_and_stays_hashable():
    data = SignatureCheckInput(
        content="和讯", material_kinds=["business_license"], neutral_words=[]
    )
    assert data.material_kinds == frozenset({"business_license"})
    assert hash(data) == hash(dataclasses.replace(data))


def test_signature_checks_findings_follow_the_spec_order():
    found = codes(
        content="测试！", sig_type="other", taken=True, is_mainland=False, material_kinds=()
    )
    assert found == [
        rules.SIG_FORBIDDEN_CHARS,
        rules.SIG_NEUTRAL,
        rules.SIG_TYPE_NOT_ACCEPTED,
        rules.SIG_TAKEN,
        rules.SIG_NON_MAINLAND,
        rules.SIG_MATERIALS_MISSING,
    ]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "A signature must not contain digits (found “1”, “2”)."),
        ("zh-hans", "签名不能包含数字（发现“1”、“2”）。"),
    ],
)
def test_signature_finding_message_renders_in_the_active_language(language, expected):
    (finding,) = [f for f in findings(content="和讯12") if f.code == rules.SIG_DIGITS]
    with translation.override(language):
        assert finding.message == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            "Required materials are missing: business licence or institution legal person "
            "certificate, legal representative's ID card (front and back).",
        ),
        ("zh-hans", "缺少必要材料：营业执照或事业单位法人证书、法定代表人身份证（正反面）。"),
    ],
)
def test_sig_materials_missing_message_lists_requirements(language, expected):
    (finding,) = findings(material_kinds=frozenset())
    with translation.override(language):
        assert finding.message == expected


@pytest.mark.parametrize(
    ("language", "fragment"),
    [("en", "“app name”"), ("zh-hans", "“应用名称”")],
)
def test_sig_type_not_accepted_message_names_the_type(language, fragment):
    (finding,) = [
        f
        for f in findings(
            sig_type=rules.APP, material_kinds=ENTERPRISE_MATERIALS | {"icp_screenshot"}
        )
        if f.code == rules.SIG_TYPE_NOT_ACCEPTED
    ]
    with translation.override(language):
        assert fragment in finding.message
        assert "2026-05-01" in finding.message
