"""An edit of a submitted item (pending, under review or rejected) resubmits it, and the
resubmission runs the pre-check: a ``block`` finding refuses it in the service itself, whatever
the form checked before (SPEC §3, §4). Refused, the edit writes nothing: no revision, the same
state and claim, the same field values and materials in the database, no transition logged."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from reviewportal.errors import PrecheckBlocked
from reviewportal.models import Notification, ReviewState, Revision
from reviewportal.selectors import transition_log_for
from signatures.services import qualification_update, signature_application_update
from templates.services import template_application_update
from tests.factories import QualificationFactory, TemplateApplicationFactory, make_material
from tests.states import walk_to

pytestmark = pytest.mark.django_db

S = ReviewState
SUBMITTED_STATES = [S.PENDING_REVIEW, S.UNDER_REVIEW, S.REJECTED]


def _stored(item) -> dict:
    """Everything the database holds about ``item`` that an edit could change."""
    model = type(item)
    content_type = ContentType.objects.get_for_model(model)
    return {
        "row": model.objects.filter(pk=item.pk).values().get(),
        "materials": sorted(model.objects.get(pk=item.pk).materials.values_list("pk", flat=True)),
        "revisions": list(
            Revision.objects.filter(content_type=content_type, object_id=item.pk)
            .order_by("number")
            .values_list("pk", "number")
        ),
        "transitions": list(transition_log_for(item).values_list("pk", flat=True)),
        "notifications": Notification.objects.count(),
    }


def _codes(refused) -> set[str]:
    return {f["code"] for f in refused.value.findings if f["severity"] == "block"}


def _walk(item, state, customer, reviewer):
    return walk_to(item, state, customer=customer, reviewer=reviewer, senior=None)


# --- signatures ---------------------------------------------------------------------------------


@pytest.mark.parametrize("state", SUBMITTED_STATES)
@pytest.mark.parametrize(
    ("edit", "code"),
    [
        ({"content": "华谷和讯"}, "SIG_NOT_ENTITY_NAME"),
        ({"content": "系统通知"}, "SIG_NEUTRAL"),
        ({"sig_type": "app"}, "SIG_TYPE_NOT_ACCEPTED"),
        ({"content": "和讯华谷2"}, "SIG_DIGITS"),
    ],
)
def test_signature_resubmission_with_a_blocking_finding_writes_nothing(
    signature, customer, reviewer, state, edit, code
):
    item = _walk(signature, state, customer, reviewer)
    before = _stored(item)
    extra = make_material(customer.account, "other", user=customer)

    with pytest.raises(PrecheckBlocked) as refused:
        signature_application_update(
            application=item, user=customer, materials=[extra], use_case="改了用途说明", **edit
        )

    assert code in _codes(refused)
    assert _stored(item) == before
    item.refresh_from_db()
    assert item.state == state
    assert (item.content, item.sig_type, item.use_case) == (
        "和讯华谷",
        "company",
        "注册登录验证码与订单通知",
    )


@pytest.mark.parametrize("state", SUBMITTED_STATES)
def test_signature_resubmission_without_findings_goes_through(signature, customer, reviewer, state):
    """The same edit with acceptable data resubmits: what refused above was the pre-check."""
    item = _walk(signature, state, customer, reviewer)
    number = item.current_revision.number
    item = signature_application_update(application=item, user=customer, content="和讯")
    item.refresh_from_db()
    assert item.state == S.PENDING_REVIEW
    assert item.content == "和讯"
    assert item.current_revision.number == number + 1


# --- qualifications -----------------------------------------------------------------------------


@pytest.fixture
def qualification(account):
    return QualificationFactory(account=account)


def _only_the_licence(qualification) -> dict:
    return {
        "legal_rep_name": "王五",
        "materials": list(qualification.materials.filter(kind="business_license")),
    }


def _a_kind_that_needs_a_certificate(qualification) -> dict:
    return {"entity_kind": "government", "name": "某某市市场监督管理局"}


def _no_documents(qualification) -> dict:
    return {"materials": []}


@pytest.mark.parametrize("state", SUBMITTED_STATES)
@pytest.mark.parametrize(
    "edit", [_only_the_licence, _a_kind_that_needs_a_certificate, _no_documents]
)
def test_qualification_resubmission_with_a_blocking_finding_writes_nothing(
    qualification, customer, reviewer, state, edit
):
    item = _walk(qualification, state, customer, reviewer)
    before = _stored(item)

    with pytest.raises(PrecheckBlocked) as refused:
        qualification_update(qualification=item, user=customer, **edit(item))

    assert _codes(refused) == {"QUA_MATERIALS_MISSING"}
    assert _stored(item) == before
    item.refresh_from_db()
    assert item.state == state
    assert (item.entity_kind, item.name, item.legal_rep_name) == (
        "enterprise",
        "深圳市和讯华谷信息技术有限公司",
        "张三",
    )
    assert item.materials.count() == 3


@pytest.mark.parametrize("state", SUBMITTED_STATES)
def test_qualification_resubmission_without_findings_goes_through(
    qualification, customer, reviewer, state
):
    item = _walk(qualification, state, customer, reviewer)
    number = item.current_revision.number
    item = qualification_update(qualification=item, user=customer, legal_rep_name="王五")
    item.refresh_from_db()
    assert item.state == S.PENDING_REVIEW
    assert item.legal_rep_name == "王五"
    assert item.current_revision.number == number + 1


# --- templates ----------------------------------------------------------------------------------


@pytest.fixture
def template(signature, customer, reviewer):
    approved = _walk(signature, S.APPROVED, customer, reviewer)
    return TemplateApplicationFactory(signature=approved)


@pytest.mark.parametrize("state", SUBMITTED_STATES)
@pytest.mark.parametrize(
    ("edit", "code"),
    [
        ({"content": "【和讯华谷】您的验证码为${code}，5分钟内有效。"}, "TPL_BRACKETS"),
        ({"industry": "live_streaming"}, "TPL_LIVE_STREAMING_LETTER"),
        ({"content": "您好，您的账户已登录。"}, "TPL_VERIFICATION_KEYWORD"),
        ({"content": "您的验证码为${code}，详见 https://evil.example.com/a"}, "TPL_LINK_NOT_OWNED"),
    ],
)
def test_template_resubmission_with_a_blocking_finding_writes_nothing(
    template, customer, reviewer, state, edit, code
):
    item = _walk(template, state, customer, reviewer)
    before = _stored(item)
    extra = make_material(customer.account, "other", user=customer)

    with pytest.raises(PrecheckBlocked) as refused:
        template_application_update(
            application=item, user=customer, materials=[extra], remark="补充说明", **edit
        )

    assert code in _codes(refused)
    assert _stored(item) == before
    item.refresh_from_db()
    assert item.state == state
    assert (item.content, item.industry, item.remark) == (
        "您的验证码为${code}，5分钟内有效，请勿泄露。",
        "general",
        "",
    )


@pytest.mark.parametrize("state", SUBMITTED_STATES)
def test_template_resubmission_without_findings_goes_through(template, customer, reviewer, state):
    item = _walk(template, state, customer, reviewer)
    number = item.current_revision.number
    item = template_application_update(
        application=item, user=customer, content="您的验证码为${code}，10分钟内有效。"
    )
    item.refresh_from_db()
    assert item.state == S.PENDING_REVIEW
    assert item.current_revision.number == number + 1
