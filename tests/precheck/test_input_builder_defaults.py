"""What the two pre-check input builders assume when a caller leaves a fact out: the portal's
live check runs while the form is still being filled in (no qualification chosen yet, no
industry), and the rules must then speak only of what the customer typed, never of facts
nobody gave them (a non-mainland entity, a signature already taken, an industry)."""

import datetime as dt

from reviewportal.precheck import run_signature_checks, run_template_checks
from signatures import rules as sig_rules
from signatures.check_input import QualificationFacts, signature_input
from templates import rules as tpl_rules
from templates.check_input import SignatureFacts, template_input

ON = dt.date(2026, 6, 1)


def _signature(**facts):
    return signature_input(
        content="和讯华谷",
        sig_type=sig_rules.COMPANY,
        purpose=sig_rules.PURPOSE_SELF,
        on=ON,
        **facts,
    )


def test_without_a_qualification_the_applicant_is_a_mainland_enterprise_with_no_name_yet():
    data = _signature()
    assert data.entity_name == ""
    assert data.entity_kind == sig_rules.ENTERPRISE
    assert data.is_mainland is True
    codes = {f.code for f in run_signature_checks(data, on=ON)}
    assert sig_rules.SIG_NON_MAINLAND not in codes


def test_a_signature_is_free_unless_the_caller_found_it_taken():
    assert _signature().taken is False
    assert sig_rules.SIG_TAKEN not in {f.code for f in run_signature_checks(_signature(), on=ON)}
    assert _signature(taken=True).taken is True


def test_a_qualification_given_is_used_as_given():
    data = _signature(
        qualification=QualificationFacts(name="深圳市和讯华谷信息技术有限公司", is_mainland=False)
    )
    assert data.entity_name == "深圳市和讯华谷信息技术有限公司"
    assert data.is_mainland is False
    assert sig_rules.SIG_NON_MAINLAND in {f.code for f in run_signature_checks(data, on=ON)}


def test_a_template_without_an_industry_has_none():
    data = template_input(
        content="您的验证码是${code}，5分钟内有效。",
        kind=tpl_rules.VERIFICATION,
        signature=SignatureFacts(approved=True),
    )
    assert data.industry == ""
    given = template_input(
        content="您好", kind=tpl_rules.NOTIFICATION, industry=tpl_rules.LIVE_STREAMING
    )
    assert given.industry == tpl_rules.LIVE_STREAMING
    assert run_template_checks(data, on=ON) == []
