"""Template rules (SPEC §4): a passing and a failing table for every code."""

import dataclasses
import datetime as dt

import pytest
from django.utils import translation

from reviewportal.precheck import Severity, run_template_checks
from templates import rules
from templates.rules import TemplateCheckInput, ends_with_opt_out, parse_variables

ON = dt.date(2026, 6, 1)

VALID = TemplateCheckInput(
    content="您的订单${order_no}已发货，物流单号${tracking}。",
    kind=rules.NOTIFICATION,
    verified_domains=("example.com",),
    signature_approved=True,
)


def findings(**changes):
    return run_template_checks(dataclasses.replace(VALID, **changes), on=ON)


def codes(**changes):
    return [finding.code for finding in findings(**changes)]


def only(code, **changes):
    return [finding for finding in findings(**changes) if finding.code == code]


def test_template_checks_valid_notification_has_no_findings():
    assert findings() == []


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        ("您的验证码为${code}，5分钟内有效，请勿泄露。", rules.VERIFICATION),
        ("会员日全场8折，详询门店。拒收请回复R", rules.MARKETING),
        ("尊敬的${name}，您预约的${service}将于${time}开始。", rules.NOTIFICATION),
    ],
)
def test_template_checks_valid_templates_of_each_kind_have_no_findings(content, kind):
    assert findings(content=content, kind=kind) == []


# --- TPL_LENGTH ------------------------------------------------------------------------------


@pytest.mark.parametrize(("content", "length"), [("", 0), ("   ", 0), ("好" * 501, 501)])
def test_tpl_length_outside_limits_blocks(content, length):
    found = only(rules.TPL_LENGTH, content=content)
    assert [(f.severity, f.params) for f in found] == [
        (Severity.BLOCK, {"length": length, "min": 1, "max": 500})
    ]


@pytest.mark.parametrize("content", ["好", "好" * 500, "  好" + "啊" * 498 + "  "])
def test_tpl_length_within_limits_passes(content):
    assert rules.TPL_LENGTH not in codes(content=content)


# --- TPL_BRACKETS ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "chars"),
    [("【和讯】您好", ["【", "】"]), ("您好】", ["】"]), ("【您好", ["【"])],
)
def test_tpl_brackets_blocks(content, chars):
    assert [f.params["chars"] for f in only(rules.TPL_BRACKETS, content=content)] == [chars]


@pytest.mark.parametrize("content", ["[和讯]您好", "(和讯)您好", "您好"])
def test_tpl_brackets_passes_other_brackets(content):
    assert rules.TPL_BRACKETS not in codes(content=content)


# --- TPL_VARIABLE_SYNTAX ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "problems"),
    [
        # The snippet comes from the NFKC-normalised text: the full-width comma is now ",".
        ("您的验证码为${code，请查收", [("unclosed", "${code,请查收")]),
        ("您好${name，订单${no}", [("unclosed", "${name,订单${n")]),
        ("您好${}", [("empty_name", "${}")]),
        ("您好${user-name}", [("invalid_name", "${user-name}")]),
        ("您好${姓名}", [("invalid_name", "${姓名}")]),
        ("您好${a}${b}", [("adjacent", "${a}${b}")]),
        ("您好${a} ${b}", [("adjacent", "${a} ${b}")]),
        ("${code}", [("only_variables", "")]),
        ("${a}，${b}", [("only_variables", "")]),
        ("${a}${b}", [("adjacent", "${a}${b}"), ("only_variables", "")]),
    ],
)
def test_tpl_variable_syntax_blocks(content, problems):
    found = only(rules.TPL_VARIABLE_SYNTAX, content=content)
    assert [(f.params["problem"], f.params["text"]) for f in found] == problems


@pytest.mark.parametrize(
    "content",
    [
        "您好${name}",
        "您好${Name_1}，订单${order2}",
        "您好${a}和${b}",
        "价格$100，{备注}",  # a dollar or a brace alone is text
        "您好${ｎａｍｅ}",  # full-width letters are letters
        "无变量的通知",
    ],
)
def test_tpl_variable_syntax_passes(content):
    assert rules.TPL_VARIABLE_SYNTAX not in codes(content=content)


def test_parse_variables_returns_spans():
    variables, problems = parse_variables("a${x}b${y_2}")
    assert [(v.name, v.start, v.end) for v in variables] == [("x", 1, 5), ("y_2", 6, 12)]
    assert problems == ()


# --- TPL_TOO_MANY_LINKS / CONTACTS / IPS -----------------------------------------------------


@pytest.mark.parametrize(
    ("content", "items"),
    [
        ("详情见abc.cn查看，或t.cn/xyz", ["abc.cn", "t.cn/xyz"]),
        ("访问https://a.example.com和example.com/b", ["a.example.com", "example.com/b"]),
        ("访问ａｂｃ．ｃｎ或ｄｅｆ．ｃｏｍ", ["abc.cn", "def.com"]),
        ("打开http://1.2.3.4/x或abc.cn", ["1.2.3.4/x", "abc.cn"]),
    ],
)
def test_tpl_too_many_links_blocks(content, items):
    found = only(rules.TPL_TOO_MANY_LINKS, content=content)
    assert [f.params for f in found] == [{"count": len(items), "max": 1, "items": items}]


@pytest.mark.parametrize(
    "content",
    ["详情见abc.cn查看", "详见abc.cn或https://ABC.cn", "联系kf@abc.com或kf@def.com", "无链接"],
)
def test_tpl_too_many_links_passes_one_link(content):
    assert rules.TPL_TOO_MANY_LINKS not in codes(content=content)


@pytest.mark.parametrize(
    ("content", "count"),
    [
        ("电话13800138000，座机010-12345678，热线400-123-4567", 3),
        ("客服95588、邮箱kf@abc.com、手机13800138000", 3),
        ("联系+86 138 0013 8000、0755 1234 5678、800 123 4567、a@b.cn", 4),
    ],
)
def test_tpl_too_many_contacts_blocks(content, count):
    found = only(rules.TPL_TOO_MANY_CONTACTS, content=content)
    assert [(f.params["count"], f.params["max"]) for f in found] == [(count, 2)]


@pytest.mark.parametrize(
    "content",
    [
        "电话13800138000，热线400-123-4567",
        "电话13800138000或+86 138-0013-8000，热线400-123-4567",  # the same mobile twice
        "您的验证码为123456，订单号20250101123456，金额95000元",
        "您的手机号${phone}已绑定，客服95588",
    ],
)
def test_tpl_too_many_contacts_passes(content):
    assert rules.TPL_TOO_MANY_CONTACTS not in codes(content=content)


@pytest.mark.parametrize(
    ("content", "items"),
    [
        ("主1.2.3.4备5.6.7.8", ["1.2.3.4", "5.6.7.8"]),
        ("访问http://1.2.3.4/x或5.6.7.8", ["1.2.3.4", "5.6.7.8"]),
    ],
)
def test_tpl_too_many_ips_blocks(content, items):
    found = only(rules.TPL_TOO_MANY_IPS, content=content)
    assert [f.params for f in found] == [{"count": 2, "max": 1, "items": items}]


@pytest.mark.parametrize("content", ["服务器1.2.3.4", "1.2.3.4和1.2.3.4", "版本1.2.3"])
def test_tpl_too_many_ips_passes(content):
    assert rules.TPL_TOO_MANY_IPS not in codes(content=content)


# --- TPL_LINK_NOT_OWNED ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "verified", "items"),
    [
        ("详见t.cn/xyz", ("example.com",), ["t.cn"]),
        ("详见a.b.other.com.cn/x", ("example.com",), ["other.com.cn"]),
        ("详见example.com.cn", ("example.com",), ["example.com.cn"]),
        ("详见notexample.com", ("example.com",), ["notexample.com"]),
        ("详见example.com", ("shop.example.com",), ["example.com"]),
        ("登录1.2.3.4", ("example.com",), ["1.2.3.4"]),
        ("登录http://1.2.3.4:8080/x", ("5.6.7.8",), ["1.2.3.4"]),
        ("详见example.com", (), ["example.com"]),
    ],
)
def test_tpl_link_not_owned_blocks(content, verified, items):
    found = only(rules.TPL_LINK_NOT_OWNED, content=content, verified_domains=verified)
    assert [f.params for f in found] == [{"items": items}]
    assert found[0].severity is Severity.BLOCK


@pytest.mark.parametrize(
    ("content", "verified"),
    [
        ("详见example.com", ("example.com",)),
        ("详见https://www.example.com/a", ("example.com",)),
        ("详见m.shop.example.com", ("shop.example.com",)),
        ("详见ＥＸＡＭＰＬＥ．ＣＯＭ", ("example.com",)),
        ("详见example.com", ("https://Example.com/",)),
        ("详见例子.中国", ("example.com",)),  # Chinese domains are not recognised in text
        ("登录1.2.3.4", ("1.2.3.4",)),
        ("联系kf@other.com", ("example.com",)),  # an e-mail is not a link
    ],
)
def test_tpl_link_not_owned_passes(content, verified):
    assert rules.TPL_LINK_NOT_OWNED not in codes(content=content, verified_domains=verified)


# --- TPL_FILING_REQUIRED ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "params"),
    [
        ("详见example.com", {"links": 1, "ips": 0, "contacts": 0}),
        ("客服95588", {"links": 0, "ips": 0, "contacts": 1}),
        ("登录1.2.3.4", {"links": 0, "ips": 1, "contacts": 0}),
        ("http://1.2.3.4/x，电话010-12345678", {"links": 1, "ips": 1, "contacts": 1}),
    ],
)
def test_tpl_filing_required_informs(content, params):
    found = only(rules.TPL_FILING_REQUIRED, content=content, verified_domains=("1.2.3.4",))
    assert [(f.severity, f.params) for f in found] == [(Severity.INFO, params)]


@pytest.mark.parametrize("content", ["您的验证码为${code}", "您的订单已发货"])
def test_tpl_filing_required_passes_without_links_or_contacts(content):
    assert rules.TPL_FILING_REQUIRED not in codes(content=content)


# --- TPL_VERIFICATION_KEYWORD ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "problems"),
    [
        ("您的登录密码为${code}", ["no_keyword"]),
        ("您的验证码为123456", ["no_variable"]),
        ("您的验证码为${}", ["no_variable"]),
        ("您好", ["no_keyword", "no_variable"]),
    ],
)
def test_tpl_verification_keyword_blocks(content, problems):
    found = only(rules.TPL_VERIFICATION_KEYWORD, content=content, kind=rules.VERIFICATION)
    assert [f.params["problem"] for f in found] == problems


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        ("您的验证码为${code}", rules.VERIFICATION),
        ("校验码：${c}", rules.VERIFICATION),
        ("动态码${c}，请勿告知他人", rules.VERIFICATION),
        ("注册码${c}", rules.VERIFICATION),
        ("您好", rules.NOTIFICATION),
    ],
)
def test_tpl_verification_keyword_passes(content, kind):
    assert rules.TPL_VERIFICATION_KEYWORD not in codes(content=content, kind=kind)


# --- TPL_MARKETING_OPT_OUT -------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        "新品上市。拒收请回复R",
        "新品上市，回T退订",
        "新品上市，回TD退订",
        "新品上市，退订回T",
        "新品上市，退订回TD。",
        "新品上市 回复T退订",
        "新品上市，回复TD退订！",
        "新品上市，退订请回复TD",
        "新品上市，拒收回R",
        "新品上市，退订回N",
        "新品上市，回复0退订",
        "新品上市，回R拒收",
        "新品上市，退订回复“TD”",
        "新品上市，回ｔ退订",
        "新品上市（回T退订）",
        "新品上市，拒收请回复：R",
    ],
)
def test_tpl_marketing_opt_out_passes_common_variants(content):
    assert rules.TPL_MARKETING_OPT_OUT not in codes(content=content, kind=rules.MARKETING)


@pytest.mark.parametrize(
    ("content", "expected"),
    [("回T退订", True), ("退订回T。", True), ("回T退订了吗", False), ("", False)],
)
def test_ends_with_opt_out_reads_the_end_only(content, expected):
    assert ends_with_opt_out(content) is expected


@pytest.mark.parametrize(
    "content",
    [
        "新品上市，欢迎选购",
        "回T退订，新品上市",  # not at the end
        "新品上市，退订",
        "新品上市，回X退订",
        "新品上市，回复TDD退订",
    ],
)
def test_tpl_marketing_opt_out_blocks_without_it(content):
    found = only(rules.TPL_MARKETING_OPT_OUT, content=content, kind=rules.MARKETING)
    assert [f.severity for f in found] == [Severity.BLOCK]


def test_tpl_marketing_opt_out_ignores_other_kinds():
    assert rules.TPL_MARKETING_OPT_OUT not in codes(content="新品上市", kind=rules.NOTIFICATION)


# --- TPL_LIVE_STREAMING_LETTER / TPL_SIGNATURE_NOT_APPROVED ----------------------------------


@pytest.mark.parametrize(
    ("industry", "materials", "blocked"),
    [
        (rules.LIVE_STREAMING, frozenset(), True),
        (rules.LIVE_STREAMING, {"business_license"}, True),
        (rules.LIVE_STREAMING, {rules.LIVE_STREAMING_COMMITMENT_LETTER}, False),
        ("ecommerce", frozenset(), False),
        ("", frozenset(), False),
    ],
)
def test_tpl_live_streaming_letter_needed_for_live_streaming(industry, materials, blocked):
    found = only(rules.TPL_LIVE_STREAMING_LETTER, industry=industry, material_kinds=materials)
    assert bool(found) is blocked
    assert all(f.field == "materials" for f in found)


@pytest.mark.parametrize(("approved", "blocked"), [(False, True), (True, False)])
def test_tpl_signature_not_approved_blocks_until_approved(approved, blocked):
    found = only(rules.TPL_SIGNATURE_NOT_APPROVED, signature_approved=approved)
    assert bool(found) is blocked


def test_template_input_defaults_to_unapproved_signature():
    data = TemplateCheckInput(content="您好")
    assert [f.code for f in run_template_checks(data, on=ON)] == [rules.TPL_SIGNATURE_NOT_APPROVED]


# --- Messages --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "The template has 2 links (“abc.cn”, “t.cn/x”); carriers accept at most 1."),
        ("zh-hans", "模板包含2个链接（“abc.cn”、“t.cn/x”），运营商最多允许1个。"),
    ],
)
def test_tpl_too_many_links_message_renders_in_the_active_language(language, expected):
    (finding,) = only(rules.TPL_TOO_MANY_LINKS, content="见abc.cn或t.cn/x")
    with translation.override(language):
        assert finding.message == expected


@pytest.mark.parametrize(
    ("problem_content", "language", "expected"),
    [
        (
            "您好${a}${b}",
            "en",
            "Two variables are side by side: “${a}${b}”; put fixed text between them.",
        ),
        ("您好${a}${b}", "zh-hans", "两个变量相邻：“${a}${b}”；请在变量之间加入固定文字。"),
        ("您好${}", "zh-hans", "变量缺少名称：“${}”。"),
    ],
)
def test_tpl_variable_syntax_message_depends_on_problem(problem_content, language, expected):
    (finding,) = only(rules.TPL_VARIABLE_SYNTAX, content=problem_content)
    with translation.override(language):
        assert finding.message == expected
