"""The pre-check of a template given as plain values (the ``precheck`` command, the portal's live
check) checks it as the kind and industry it is given: a marketing text needs its opt-out, a
verification text its keyword and variable, a notification neither; live streaming needs the
commitment letter."""

import datetime as dt

from templates.selectors import template_precheck_values

ON = dt.date(2026, 11, 23)


def _codes(**values):
    return [f.code for f in template_precheck_values(on=ON, **values)]


def test_a_marketing_text_without_an_opt_out_is_refused_as_marketing():
    text = "新品上市，全场八折，详询门店。"
    assert _codes(content=text, kind="marketing") == ["TPL_MARKETING_OPT_OUT"]
    assert _codes(content=text + "拒收请回复R", kind="marketing") == []
    assert _codes(content=text, kind="notification") == []


def test_a_verification_text_needs_its_keyword_and_variable():
    assert _codes(content="您的订单已发货。", kind="verification") == [
        "TPL_VERIFICATION_KEYWORD",
        "TPL_VERIFICATION_KEYWORD",
    ]
    assert _codes(content="您的验证码为${code}，请勿泄露。", kind="verification") == []


def test_the_industry_given_decides_whether_the_letter_is_needed():
    text = "主播${name}开播了。"
    assert _codes(content=text, kind="notification", industry="live_streaming") == [
        "TPL_LIVE_STREAMING_LETTER"
    ]
    assert _codes(content=text, kind="notification") == []
