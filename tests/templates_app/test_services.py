"""Template services: create, update and resubmit with every validation and refusal (account
scoping, approved signatures only, the pre-check run by the service itself, duplicates, the
live-streaming commitment letter, other accounts' materials). A refused call writes nothing."""

import pytest
from django.core.exceptions import ValidationError

from reviewportal.errors import (
    NotFoundForUser,
    PrecheckBlocked,
    ReviewError,
    TransitionRefused,
)
from reviewportal.models import Notification, ReviewState, Revision
from reviewportal.selectors import revisions_for, transition_log_for
from reviewportal.services import lifecycle as lc
from templates.models import TemplateApplication
from templates.services import template_application_create, template_application_update
from tests.factories import StaffFactory, TemplateApplicationFactory, make_material
from tests.templates_app.helpers import UNAPPROVED_SIGNATURE_STATES, revoke

S = ReviewState

VERIFICATION_TEXT = "您的验证码为${code}，5分钟内有效，请勿泄露。"
LETTER = "live_streaming_commitment_letter"


def _fields(chosen, **overrides):
    fields = {
        "signature": chosen,
        "name": "订单通知",
        "kind": "notification",
        "industry": "general",
        "content": "您的订单${order}已发货，请注意查收。",
        "remark": "下单后发送给买家",
    }
    fields.update(overrides)
    return fields


def _create(customer, chosen, *, submit=False, materials=None, **overrides):
    return template_application_create(
        account=customer.account,
        user=customer,
        submit=submit,
        materials=materials,
        **_fields(chosen, **overrides),
    )


def _codes(findings, severity="block"):
    return {f["code"] for f in findings if f["severity"] == severity}


def _template_revisions():
    return Revision.objects.filter(content_type__model="templateapplication")


def _assert_nothing_written():
    assert not TemplateApplication.objects.exists()
    assert not _template_revisions().exists()
    assert not TemplateApplication.materials.through.objects.exists()


# --- create -------------------------------------------------------------------------------------


def test_create_saves_a_draft_without_review(customer, approved_signature):
    item = _create(customer, approved_signature)
    item = TemplateApplication.objects.get(pk=item.pk)
    assert item.state == S.DRAFT
    assert item.public_id.startswith("TPL") and len(item.public_id) == 13
    assert (item.account, item.created_by, item.signature) == (
        customer.account,
        customer,
        approved_signature,
    )
    assert (item.name, item.kind, item.industry, item.content, item.remark) == (
        "订单通知",
        "notification",
        "general",
        "您的订单${order}已发货，请注意查收。",
        "下单后发送给买家",
    )
    assert item.submitted_at is None and item.current_revision is None
    assert not revisions_for(item).exists()
    assert not transition_log_for(item).exists()


def test_create_and_submit_freezes_revision_one(customer, approved_signature):
    letter = make_material(customer.account, LETTER, user=customer)
    item = _create(customer, approved_signature, submit=True, materials=[letter])
    item = TemplateApplication.objects.get(pk=item.pk)
    assert item.state == S.PENDING_REVIEW
    assert item.submitted_at is not None and item.due_at is not None
    (revision,) = revisions_for(item)
    assert item.current_revision == revision and revision.number == 1
    assert revision.submitted_by == customer
    assert revision.findings == []
    assert revision.snapshot["content"] == "您的订单${order}已发货，请注意查收。"
    assert revision.snapshot["signature"] == {
        "public_id": approved_signature.public_id,
        "content": "和讯华谷",
        "state": "approved",
    }
    assert [m["kind"] for m in revision.snapshot["materials"]] == [LETTER]
    assert list(item.materials.all()) == [letter]
    assert [(log.source_state, log.state) for log in transition_log_for(item)] == [
        ("draft", "pending_review")
    ]


def test_create_by_a_user_of_another_account_is_not_found(
    customer, other_customer, approved_signature
):
    with pytest.raises(NotFoundForUser) as excinfo:
        template_application_create(
            account=customer.account, user=other_customer, **_fields(approved_signature)
        )
    assert excinfo.value.code == "not_found"
    _assert_nothing_written()


def test_create_by_staff_is_not_found(customer, reviewer, approved_signature):
    with pytest.raises(NotFoundForUser):
        template_application_create(
            account=customer.account, user=reviewer, **_fields(approved_signature)
        )
    _assert_nothing_written()


@pytest.mark.parametrize("submit", [False, True], ids=["draft", "submit"])
def test_create_with_another_accounts_signature_is_not_found(customer, other_signature, submit):
    with pytest.raises(NotFoundForUser) as excinfo:
        _create(customer, other_signature, submit=submit)
    assert excinfo.value.code == "not_found"
    _assert_nothing_written()


@pytest.mark.parametrize("submit", [False, True], ids=["draft", "submit"])
@pytest.mark.parametrize("state", UNAPPROVED_SIGNATURE_STATES)
def test_create_with_a_signature_that_is_not_approved_is_refused(
    customer, signature_in, state, submit
):
    """Seed 003: signature first, then templates. The service refuses the signature itself
    (a field error on ``signature``), for a draft as well: the pre-check at submission
    (TPL_SIGNATURE_NOT_APPROVED) would come too late for a draft and is no excuse for one."""
    unapproved = signature_in(state)
    with pytest.raises(ValidationError) as excinfo:
        _create(customer, unapproved, submit=submit)
    assert not isinstance(excinfo.value, PrecheckBlocked)
    assert set(excinfo.value.message_dict) == {"signature"}
    assert excinfo.value.message_dict["signature"] == [
        "A template can only be submitted with an approved signature."
    ]
    _assert_nothing_written()


def test_create_with_an_unknown_field_is_refused(customer, approved_signature):
    with pytest.raises(ReviewError, match="Unknown field: state"):
        _create(customer, approved_signature, state="approved")
    _assert_nothing_written()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "sms"}, "kind"),
        ({"industry": "crypto"}, "industry"),
        ({"name": ""}, "name"),
        ({"name": "名" * 101}, "name"),
        ({"remark": "备" * 1001}, "remark"),
        ({"content": ""}, "content"),
        ({"signature": None}, "signature"),
    ],
    ids=["kind", "industry", "no-name", "long-name", "long-remark", "no-content", "no-signature"],
)
def test_create_validates_each_field(customer, approved_signature, overrides, field):
    with pytest.raises(ValidationError) as excinfo:
        _create(customer, approved_signature, submit=True, **overrides)
    assert set(excinfo.value.message_dict) == {field}
    _assert_nothing_written()


def test_create_with_a_material_of_another_account_is_not_found(
    customer, other_customer, approved_signature
):
    own = make_material(customer.account, LETTER, user=customer)
    foreign = make_material(other_customer.account, LETTER, user=other_customer)
    with pytest.raises(NotFoundForUser, match="Material not found"):
        _create(customer, approved_signature, submit=True, materials=[own, foreign])
    _assert_nothing_written()
    assert not foreign.templates.exists() and not own.templates.exists()


BLOCKING = [
    ("notification", "【和讯华谷】您的订单已发货。", "TPL_BRACKETS"),
    ("notification", "您的订单${order已发货。", "TPL_VARIABLE_SYNTAX"),
    ("notification", "   ", "TPL_LENGTH"),
    ("notification", "您的订单" * 126, "TPL_LENGTH"),
    ("verification", "您的登录码为${code}。", "TPL_VERIFICATION_KEYWORD"),
    ("marketing", "双十一全场五折，快来选购！", "TPL_MARKETING_OPT_OUT"),
    (
        "notification",
        "详情见 https://a.jiguang.cn 或 https://b.jiguang.cn/x 。",
        "TPL_TOO_MANY_LINKS",
    ),
    ("notification", "请致电13800138000、4008001234或 kefu@jiguang.cn 。", "TPL_TOO_MANY_CONTACTS"),
    (
        "notification",
        "您的订单已发货，详情见 https://shop.example.com/o/1 。",
        "TPL_LINK_NOT_OWNED",
    ),
]


@pytest.mark.parametrize(("kind", "content", "code"), BLOCKING, ids=[c for *_, c in BLOCKING])
def test_create_and_submit_refuses_blocking_findings(
    customer, approved_signature, kind, content, code
):
    """The service runs the pre-check itself: a caller that skips the form's check is refused
    all the same, and the draft it would have made is rolled back with the submission."""
    with pytest.raises(PrecheckBlocked) as excinfo:
        _create(customer, approved_signature, submit=True, kind=kind, content=content)
    assert excinfo.value.code == "precheck_blocked"
    assert _codes(excinfo.value.findings) == {code}
    _assert_nothing_written()


def test_a_draft_is_saved_with_blocking_findings_but_not_submitted(customer, approved_signature):
    item = _create(customer, approved_signature, content="【和讯华谷】您的订单已发货。")
    assert TemplateApplication.objects.get(pk=item.pk).state == S.DRAFT
    with pytest.raises(PrecheckBlocked) as excinfo:
        lc.review_submit(item=item, user=customer)
    assert _codes(excinfo.value.findings) == {"TPL_BRACKETS"}
    item.refresh_from_db()
    assert item.state == S.DRAFT and not revisions_for(item).exists()


def test_a_link_to_an_own_domain_is_submitted_with_the_info_finding(customer, approved_signature):
    content = "您的订单已发货，详情见 https://shop.jiguang.cn/o/1 。"
    item = _create(customer, approved_signature, submit=True, content=content)
    assert item.state == S.PENDING_REVIEW
    assert [(f["code"], f["severity"]) for f in item.current_revision.findings] == [
        ("TPL_FILING_REQUIRED", "info")
    ]


@pytest.mark.parametrize(
    ("twin_state", "submit"),
    [
        (state, False)
        for state in (S.DRAFT, S.PENDING_REVIEW, S.UNDER_REVIEW, S.APPROVED, S.REREVIEW)
    ]
    + [(S.APPROVED, True)],
)
def test_the_same_text_twice_for_one_signature_is_a_duplicate(
    customer, approved_signature, template_in, twin_state, submit
):
    twin = template_in(twin_state, content=VERIFICATION_TEXT)
    with pytest.raises(ValidationError) as excinfo:
        _create(
            customer,
            approved_signature,
            submit=submit,
            name="另一个验证码",
            kind="verification",
            content=VERIFICATION_TEXT,
        )
    (error,) = excinfo.value.error_dict["content"]
    assert error.code == "duplicate"
    assert set(excinfo.value.error_dict) == {"content"}
    assert twin.public_id in error.message
    assert list(TemplateApplication.objects.all()) == [twin]


@pytest.mark.parametrize("twin_state", [S.REJECTED, S.WITHDRAWN, S.REVOKED])
def test_the_text_of_a_rejected_withdrawn_or_revoked_template_may_be_used_again(
    customer, approved_signature, template_in, twin_state
):
    twin = template_in(twin_state, content=VERIFICATION_TEXT)
    item = _create(
        customer, approved_signature, submit=True, kind="verification", content=VERIFICATION_TEXT
    )
    assert item.state == S.PENDING_REVIEW
    assert set(TemplateApplication.objects.values_list("pk", flat=True)) == {twin.pk, item.pk}


def test_the_same_text_for_another_signature_is_not_a_duplicate(
    customer, template_in, signature_in
):
    template_in(S.PENDING_REVIEW, content=VERIFICATION_TEXT)
    second = signature_in(S.APPROVED, content="和讯")
    item = _create(customer, second, submit=True, kind="verification", content=VERIFICATION_TEXT)
    assert item.state == S.PENDING_REVIEW and item.signature == second
    assert TemplateApplication.objects.count() == 2


def test_live_streaming_without_the_commitment_letter_is_refused(customer, approved_signature):
    licence = make_material(customer.account, "business_license", user=customer)
    with pytest.raises(PrecheckBlocked) as excinfo:
        _create(
            customer,
            approved_signature,
            submit=True,
            materials=[licence],
            industry="live_streaming",
            content="您关注的主播${name}开播了。",
        )
    assert _codes(excinfo.value.findings) == {"TPL_LIVE_STREAMING_LETTER"}
    (finding,) = excinfo.value.findings
    assert finding["field"] == "materials"
    _assert_nothing_written()


def test_live_streaming_with_the_commitment_letter_is_submitted(customer, approved_signature):
    letter = make_material(customer.account, LETTER, user=customer)
    item = _create(
        customer,
        approved_signature,
        submit=True,
        materials=[letter],
        industry="live_streaming",
        content="您关注的主播${name}开播了。",
    )
    assert item.state == S.PENDING_REVIEW and item.industry == "live_streaming"
    assert list(item.materials.all()) == [letter]
    assert item.current_revision.findings == []


def test_other_industries_need_no_letter(customer, approved_signature):
    item = _create(customer, approved_signature, submit=True, industry="ecommerce")
    assert item.state == S.PENDING_REVIEW and not item.materials.exists()


# --- update -------------------------------------------------------------------------------------


def test_a_draft_is_edited_in_place(customer, template_in):
    item = template_in(S.DRAFT)
    updated = template_application_update(
        application=item, user=customer, name="新名称", content="您的验证码为${code}，请勿泄露。"
    )
    assert updated.state == S.DRAFT
    item.refresh_from_db()
    assert (item.name, item.content, item.state) == (
        "新名称",
        "您的验证码为${code}，请勿泄露。",
        S.DRAFT,
    )
    assert not revisions_for(item).exists() and not transition_log_for(item).exists()


@pytest.mark.parametrize("state", [S.PENDING_REVIEW, S.REJECTED])
def test_a_submitted_template_is_resubmitted_as_a_new_revision(customer, template_in, state):
    item = template_in(state)
    template_application_update(
        application=item, user=customer, content="您的验证码为${code}，请勿泄露。"
    )
    item.refresh_from_db()
    assert item.state == S.PENDING_REVIEW
    assert [r.number for r in revisions_for(item)] == [1, 2]
    assert item.current_revision.number == 2
    assert item.current_revision.snapshot["content"] == "您的验证码为${code}，请勿泄露。"
    assert item.current_revision.submitted_by == customer
    assert transition_log_for(item).last().state == S.PENDING_REVIEW


def test_editing_a_claimed_template_releases_the_claim_and_tells_the_reviewer(
    customer, reviewer, template_in
):
    item = template_in(S.UNDER_REVIEW)
    assert item.claimed_by == reviewer
    template_application_update(application=item, user=customer, name="登录验证码（新）")
    item.refresh_from_db()
    assert item.state == S.PENDING_REVIEW and item.claimed_by is None
    assert item.current_revision.number == 2
    (notice,) = Notification.objects.filter(recipient=reviewer)
    assert notice.object_id == item.pk and notice.kind == "decision"


@pytest.mark.parametrize("state", [S.APPROVED, S.WITHDRAWN, S.REREVIEW, S.REVOKED])
def test_a_template_that_is_no_longer_open_cannot_be_edited(customer, template_in, state):
    item = template_in(state)
    revisions = revisions_for(item).count()
    with pytest.raises(TransitionRefused):
        template_application_update(application=item, user=customer, name="改名")
    item.refresh_from_db()
    assert (item.name, item.state) == ("登录验证码", state)
    assert revisions_for(item).count() == revisions


def test_update_by_another_account_is_not_found(other_customer, template_in):
    item = template_in(S.PENDING_REVIEW)
    with pytest.raises(NotFoundForUser):
        template_application_update(application=item, user=other_customer, name="盗用")
    item.refresh_from_db()
    assert item.name == "登录验证码" and item.current_revision.number == 1


def test_staff_cannot_edit_a_customers_template(template_in):
    item = template_in(S.PENDING_REVIEW)
    with pytest.raises(NotFoundForUser):
        template_application_update(
            application=item, user=StaffFactory(role="Senior reviewer"), name="改名"
        )
    item.refresh_from_db()
    assert item.name == "登录验证码"


@pytest.mark.parametrize("state", [S.DRAFT, S.PENDING_REVIEW])
def test_update_to_another_accounts_signature_is_not_found(
    customer, template_in, other_signature, approved_signature, state
):
    item = template_in(state)
    with pytest.raises(NotFoundForUser, match="Signature not found"):
        template_application_update(application=item, user=customer, signature=other_signature)
    item.refresh_from_db()
    assert item.signature == approved_signature


@pytest.mark.parametrize(
    ("state", "template_state"),
    [(state, S.DRAFT) for state in UNAPPROVED_SIGNATURE_STATES]
    + [(S.PENDING_REVIEW, S.PENDING_REVIEW), (S.REVOKED, S.REJECTED)],
)
def test_update_to_a_signature_that_is_not_approved_is_refused(
    customer, template_in, signature_in, approved_signature, state, template_state
):
    item = template_in(template_state)
    unapproved = signature_in(state)
    with pytest.raises(ValidationError) as excinfo:
        template_application_update(application=item, user=customer, signature=unapproved)
    assert not isinstance(excinfo.value, PrecheckBlocked)
    assert set(excinfo.value.message_dict) == {"signature"}
    item.refresh_from_db()
    assert (item.signature, item.state) == (approved_signature, template_state)
    assert revisions_for(item).count() == (0 if template_state == S.DRAFT else 1)


def test_a_draft_whose_signature_was_revoked_can_no_longer_be_saved(
    customer, senior, template_in, approved_signature
):
    item = template_in(S.DRAFT)
    revoke(approved_signature, senior=senior)
    with pytest.raises(ValidationError) as excinfo:
        template_application_update(application=item, user=customer, name="改名")
    assert set(excinfo.value.message_dict) == {"signature"}
    item.refresh_from_db()
    assert item.name == "登录验证码"


def test_update_moves_a_template_to_another_approved_signature(customer, template_in, signature_in):
    item = template_in(S.PENDING_REVIEW)
    second = signature_in(S.APPROVED, content="和讯")
    template_application_update(application=item, user=customer, signature=second)
    item.refresh_from_db()
    assert item.signature == second
    assert item.current_revision.snapshot["signature"]["public_id"] == second.public_id


def test_update_with_an_unknown_field_is_refused(customer, template_in):
    item = template_in(S.PENDING_REVIEW)
    with pytest.raises(ReviewError, match="Unknown field: account"):
        template_application_update(application=item, user=customer, account=None)
    item.refresh_from_db()
    assert item.current_revision.number == 1


def test_update_validates_fields(customer, template_in):
    item = template_in(S.PENDING_REVIEW)
    with pytest.raises(ValidationError) as excinfo:
        template_application_update(application=item, user=customer, kind="sms", name="")
    assert set(excinfo.value.message_dict) == {"kind", "name"}
    item.refresh_from_db()
    assert (item.kind, item.name) == ("verification", "登录验证码")


RESUBMIT_BLOCKING = [BLOCKING[0], BLOCKING[4], BLOCKING[8]]


@pytest.mark.parametrize(
    ("kind", "content", "code"), RESUBMIT_BLOCKING, ids=[c for *_, c in RESUBMIT_BLOCKING]
)
def test_resubmission_refuses_blocking_findings_and_rolls_the_edit_back(
    customer, template_in, kind, content, code
):
    item = template_in(S.REJECTED)
    with pytest.raises(PrecheckBlocked) as excinfo:
        template_application_update(application=item, user=customer, kind=kind, content=content)
    assert _codes(excinfo.value.findings) == {code}
    item.refresh_from_db()
    assert (item.state, item.kind, item.content) == (S.REJECTED, "verification", VERIFICATION_TEXT)
    assert [r.number for r in revisions_for(item)] == [1]


def test_a_draft_may_be_saved_with_blocking_text(customer, template_in):
    item = template_in(S.DRAFT)
    template_application_update(
        application=item, user=customer, content="【和讯华谷】验证码${code}"
    )
    item.refresh_from_db()
    assert item.content == "【和讯华谷】验证码${code}" and item.state == S.DRAFT


@pytest.mark.parametrize("state", [S.DRAFT, S.PENDING_REVIEW])
def test_update_to_the_text_of_another_live_template_is_a_duplicate(customer, template_in, state):
    first = template_in(S.PENDING_REVIEW)
    second = template_in(state, name="第二个", content="您的校验码为${code}，请勿泄露。")
    with pytest.raises(ValidationError) as excinfo:
        template_application_update(application=second, user=customer, content=first.content)
    (error,) = excinfo.value.error_dict["content"]
    assert error.code == "duplicate"
    second.refresh_from_db()
    assert second.content == "您的校验码为${code}，请勿泄露。"


def test_keeping_its_own_text_is_not_a_duplicate(customer, template_in):
    item = template_in(S.PENDING_REVIEW)
    template_application_update(application=item, user=customer, name="登录验证码 v2")
    item.refresh_from_db()
    assert item.name == "登录验证码 v2" and item.current_revision.number == 2


def test_materials_are_kept_replaced_or_cleared(customer, template_in):
    first = make_material(customer.account, LETTER, user=customer)
    second = make_material(customer.account, LETTER, user=customer)
    item = template_in(S.DRAFT)
    item.materials.set([first])
    template_application_update(application=item, user=customer, name="不动材料")
    assert list(item.materials.all()) == [first]
    template_application_update(application=item, user=customer, materials=[second])
    assert list(item.materials.all()) == [second]
    template_application_update(application=item, user=customer, materials=[])
    assert not item.materials.exists()


def test_update_with_a_material_of_another_account_is_not_found(
    customer, other_customer, template_in
):
    own = make_material(customer.account, LETTER, user=customer)
    foreign = make_material(other_customer.account, LETTER, user=other_customer)
    item = template_in(S.PENDING_REVIEW)
    item.materials.set([own])
    with pytest.raises(NotFoundForUser, match="Material not found"):
        template_application_update(
            application=item, user=customer, name="改名", materials=[foreign]
        )
    item.refresh_from_db()
    assert item.name == "登录验证码" and list(item.materials.all()) == [own]
    assert item.current_revision.number == 1
    assert not foreign.templates.exists()


def test_changing_to_live_streaming_needs_the_letter(customer, template_in):
    item = template_in(S.PENDING_REVIEW)
    with pytest.raises(PrecheckBlocked) as excinfo:
        template_application_update(application=item, user=customer, industry="live_streaming")
    assert _codes(excinfo.value.findings) == {"TPL_LIVE_STREAMING_LETTER"}
    item.refresh_from_db()
    assert item.industry == "general" and item.current_revision.number == 1

    letter = make_material(customer.account, LETTER, user=customer)
    template_application_update(
        application=item, user=customer, industry="live_streaming", materials=[letter]
    )
    item.refresh_from_db()
    assert item.industry == "live_streaming" and list(item.materials.all()) == [letter]
    assert item.current_revision.number == 2
    assert [m["kind"] for m in item.current_revision.snapshot["materials"]] == [LETTER]


def test_dropping_the_letter_of_a_live_streaming_template_is_refused(customer, approved_signature):
    letter = make_material(customer.account, LETTER, user=customer)
    item = TemplateApplicationFactory(
        signature=approved_signature,
        name="直播",
        content="您关注的主播${name}开播了。",
        kind="notification",
        industry="live_streaming",
    )
    item.materials.set([letter])
    item = lc.review_submit(item=item, user=customer)
    with pytest.raises(PrecheckBlocked) as excinfo:
        template_application_update(application=item, user=customer, materials=[])
    assert _codes(excinfo.value.findings) == {"TPL_LIVE_STREAMING_LETTER"}
    assert list(item.materials.all()) == [letter]
    assert [log.state for log in transition_log_for(item)] == [S.PENDING_REVIEW]
    assert [r.number for r in revisions_for(item)] == [1]
