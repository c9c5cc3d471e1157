"""The template pages (list, detail, create, edit, withdraw, urgent request, live pre-check) for
the owner, a customer of another account (404, nothing changes) and anonymous users (sent to
log in, nothing changes)."""

import pytest
from django.conf import settings
from django.contrib import messages
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from carriers.models import Carrier
from portal.helpers import LIST_PAGE_SIZE
from reviewportal.models import FormSubmission, ReviewState, UrgentTicket
from reviewportal.selectors import revisions_for, transition_log_for
from templates import selectors
from templates.models import TemplateApplication
from tests.factories import TemplateApplicationFactory, make_material, png_bytes
from tests.templates_app.helpers import revoke

S = ReviewState
LETTER = "live_streaming_commitment_letter"
CREATE = reverse("templates:template_create")
PRECHECK = reverse("templates:template_precheck")
LIST = reverse("templates:template_list")


def _url(name, item):
    return reverse(f"templates:{name}", args=[item.public_id])


def _data(signature, **extra):
    return {
        "signature": signature.public_id,
        "name": "发货通知",
        "kind": "notification",
        "industry": "general",
        "content": "您的订单${order}已发货，请注意查收。",
        "remark": "发货后发送",
        **extra,
    }


def _levels(response):
    return [m.level for m in get_messages(response.wsgi_request)]


def _codes(payload):
    return [f["code"] for f in payload["findings"]]


def _letter():
    return SimpleUploadedFile("letter.png", png_bytes(), content_type="image/png")


@pytest.fixture
def other_client(other_customer):
    """A client of its own, so that a test may use it beside ``portal_client``."""
    other = Client()
    other.force_login(other_customer)
    return other


@pytest.fixture
def pending(template_in):
    return template_in(S.PENDING_REVIEW)


def _snapshot(item):
    """What a refused or foreign request must leave as it was."""
    item = TemplateApplication.objects.get(pk=item.pk)
    return {
        "fields": (
            item.name,
            item.content,
            item.kind,
            item.industry,
            item.state,
            item.signature_id,
        ),
        "revisions": revisions_for(item).count(),
        "log": transition_log_for(item).count(),
        "tickets": UrgentTicket.objects.count(),
        "templates": TemplateApplication.objects.count(),
    }


# --- anonymous users and staff ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "name", "of_item"),
    [
        ("get", "template_list", False),
        ("get", "template_create", False),
        ("post", "template_create", False),
        ("get", "template_precheck", False),
        ("get", "template_detail", True),
        ("get", "template_edit", True),
        ("post", "template_edit", True),
        ("post", "template_withdraw", True),
        ("post", "template_urgent", True),
    ],
)
def test_anonymous_users_are_sent_to_log_in_and_nothing_changes(
    client, pending, approved_signature, method, name, of_item
):
    url = reverse(f"templates:{name}", args=[pending.public_id] if of_item else [])
    before = _snapshot(pending)
    response = getattr(client, method)(
        url, _data(approved_signature, reason="急") if method == "post" else {}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{settings.LOGIN_URL}?next={url}"
    assert _snapshot(pending) == before


def test_staff_are_kept_out_of_the_portal(client, reviewer, pending):
    client.force_login(reviewer)
    assert client.get(LIST).status_code == 403
    assert client.get(_url("template_detail", pending)).status_code == 403


# --- another account's customer ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["template_detail", "template_edit"])
def test_another_accounts_template_is_not_found(other_client, pending, name):
    assert other_client.get(_url(name, pending)).status_code == 404


@pytest.mark.parametrize("name", ["template_edit", "template_withdraw", "template_urgent"])
def test_another_accounts_template_cannot_be_changed(other_client, pending, other_signature, name):
    before = _snapshot(pending)
    response = other_client.post(
        _url(name, pending), _data(other_signature, name="盗用", reason="急")
    )
    assert response.status_code == 404
    assert _snapshot(pending) == before


def test_the_list_shows_only_the_accounts_own_templates(
    portal_client, template_in, other_signature
):
    own_pending = template_in(S.PENDING_REVIEW, name="待审模板", content="您的校验码为${code}。")
    own_approved = template_in(S.APPROVED)
    foreign = TemplateApplicationFactory(signature=other_signature, name="别人的模板")
    response = portal_client.get(LIST)
    assert response.status_code == 200
    assert response.context["items"] == [own_approved, own_pending]
    body = response.content.decode()
    assert own_pending.public_id in body and own_approved.public_id in body
    assert foreign.public_id not in body and "别人的模板" not in body
    # One column per active carrier: the approved template has a filing with each of them.
    carriers = response.context["carriers"]
    assert carriers == list(Carrier.objects.filter(is_active=True)) and len(carriers) == 3
    approved_row, pending_row = response.context["items"]
    assert [f.carrier for f in approved_row.carrier_filings] == carriers
    assert pending_row.carrier_filings == [None, None, None]


def test_the_list_shows_a_page_of_templates_and_links_to_the_others(
    portal_client, approved_signature
):
    TemplateApplicationFactory.create_batch(LIST_PAGE_SIZE + 3, signature=approved_signature)
    newest_first = list(
        TemplateApplication.objects.order_by("-created_at", "-pk").values_list("pk", flat=True)
    )
    first = portal_client.get(LIST)
    assert [t.pk for t in first.context["items"]] == newest_first[:LIST_PAGE_SIZE]
    assert 'href="?page=2" rel="next"' in first.content.decode()
    second = portal_client.get(LIST, {"page": 2})
    assert [t.pk for t in second.context["items"]] == newest_first[LIST_PAGE_SIZE:]
    assert 'href="?page=1" rel="prev"' in second.content.decode()
    # Past the end: the last page; not a number: the first.
    assert (
        second.context["page"].number
        == portal_client.get(LIST, {"page": 99}).context["page"].number
    )
    assert portal_client.get(LIST, {"page": "x"}).context["page"].number == 1
    # The status chosen stays in the pager's links.
    filtered = portal_client.get(LIST, {"status": "draft"})
    assert 'href="?status=draft&amp;page=2"' in filtered.content.decode()


def test_the_list_of_an_account_without_templates_is_empty(portal_client, other_signature):
    TemplateApplicationFactory(signature=other_signature)
    response = portal_client.get(LIST)
    assert response.context["items"] == []


# --- detail ---------------------------------------------------------------------------------------


def test_detail_shows_the_template_with_its_signature_and_materials(
    portal_client, customer, pending
):
    letter = make_material(customer.account, LETTER, user=customer)
    pending.materials.set([letter])
    response = portal_client.get(_url("template_detail", pending))
    assert response.status_code == 200
    assert response.context["item"] == pending
    assert response.context["materials"] == [letter]
    assert response.context["can_edit"] and response.context["can_withdraw"]
    assert response.context["can_urgent"]
    body = response.content.decode()
    assert "【和讯华谷】" in body and pending.content in body
    assert _url("template_edit", pending) in body
    assert _url("template_withdraw", pending) in body
    assert _url("template_urgent", pending) in body


def test_an_approved_template_offers_no_edit_withdraw_or_urgent(portal_client, template_in):
    item = template_in(S.APPROVED)
    response = portal_client.get(_url("template_detail", item))
    assert not response.context["can_edit"] and not response.context["can_withdraw"]
    assert not response.context["can_urgent"]
    body = response.content.decode()
    for name in ("template_edit", "template_withdraw", "template_urgent"):
        assert _url(name, item) not in body


def test_an_unknown_template_is_not_found(portal_client, approved_signature):
    assert (
        portal_client.get(reverse("templates:template_detail", args=["TPL0000000000"])).status_code
        == 404
    )


# --- create ---------------------------------------------------------------------------------------


def test_the_form_offers_only_the_accounts_approved_signatures(
    portal_client, approved_signature, signature_in, other_signature
):
    signature_in(S.PENDING_REVIEW, content="和讯")
    response = portal_client.get(CREATE)
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.fields["signature"].queryset) == [approved_signature]
    assert form.initial["signature"] == approved_signature.public_id
    assert response.context["has_signature"] is True


def test_the_form_says_when_there_is_no_approved_signature(portal_client, signature_in):
    signature_in(S.PENDING_REVIEW, content="和讯")
    response = portal_client.get(CREATE)
    assert response.context["has_signature"] is False
    assert not response.context["form"].fields["signature"].queryset.exists()


def test_a_template_is_created_and_submitted(portal_client, customer, approved_signature):
    response = portal_client.post(CREATE, _data(approved_signature))
    item = TemplateApplication.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("template_detail", item)
    assert _levels(response) == [messages.SUCCESS]
    assert item.state == S.PENDING_REVIEW
    assert (item.account, item.created_by, item.signature) == (
        customer.account,
        customer,
        approved_signature,
    )
    assert (item.name, item.kind, item.industry, item.content, item.remark) == (
        "发货通知",
        "notification",
        "general",
        "您的订单${order}已发货，请注意查收。",
        "发货后发送",
    )
    assert [r.number for r in revisions_for(item)] == [1]
    assert not item.materials.exists()


@pytest.mark.parametrize("which", ["other_account", "pending", "revoked"])
def test_a_signature_the_form_does_not_offer_is_refused(
    portal_client, approved_signature, other_signature, signature_in, senior, which
):
    if which == "other_account":
        chosen = other_signature
    elif which == "pending":
        chosen = signature_in(S.PENDING_REVIEW, content="和讯")
    else:
        chosen = revoke(approved_signature, senior=senior)
    response = portal_client.post(CREATE, _data(chosen))
    assert response.status_code == 200
    assert response.context["form"].has_error("signature", code="invalid_choice")
    assert not TemplateApplication.objects.exists()


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"content": "【和讯华谷】您的订单已发货。"}, "TPL_BRACKETS"),
        ({"kind": "verification", "content": "您的登录码为${code}。"}, "TPL_VERIFICATION_KEYWORD"),
        ({"content": "详情见 https://shop.example.com/o/1 。"}, "TPL_LINK_NOT_OWNED"),
        ({"industry": "live_streaming"}, "TPL_LIVE_STREAMING_LETTER"),
    ],
)
def test_blocking_findings_refuse_the_form(portal_client, approved_signature, extra, code):
    response = portal_client.post(CREATE, _data(approved_signature, **extra))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.has_error("__all__", code="blocked")
    assert code in [f.code for f in response.context["findings"] if f.is_blocking]
    assert not TemplateApplication.objects.exists()


def test_a_template_form_sent_runs_the_pre_check_once(
    portal_client, approved_signature, monkeypatch
):
    calls = []
    real = selectors.run_template_checks

    def counting(data, *, on):
        calls.append(on)
        return real(data, on=on)

    monkeypatch.setattr(selectors, "run_template_checks", counting)
    response = portal_client.post(CREATE, _data(approved_signature))
    assert response.status_code == 302
    assert len(calls) == 1
    assert TemplateApplication.objects.get().state == S.PENDING_REVIEW


def test_live_streaming_with_the_letter_is_submitted(portal_client, approved_signature):
    response = portal_client.post(
        CREATE,
        _data(
            approved_signature,
            industry="live_streaming",
            content="您关注的主播${name}开播了。",
            **{LETTER: _letter()},
        ),
    )
    assert response.status_code == 302
    item = TemplateApplication.objects.get()
    assert item.state == S.PENDING_REVIEW and item.industry == "live_streaming"
    assert [m.kind for m in item.materials.all()] == [LETTER]
    assert item.materials.get().account == item.account


def test_the_same_text_twice_is_refused_as_a_duplicate(portal_client, approved_signature, pending):
    response = portal_client.post(
        CREATE, _data(approved_signature, kind="verification", content=pending.content)
    )
    assert response.status_code == 200
    assert response.context["form"].has_error("content", code="duplicate")
    assert pending.public_id in str(response.context["form"].errors["content"])
    assert list(TemplateApplication.objects.all()) == [pending]


def test_a_form_sent_twice_creates_one_template(portal_client, approved_signature):
    data = _data(approved_signature, form_token="token-for-one-sending")
    first = portal_client.post(CREATE, data)
    portal_client.get(first["Location"])  # shows (and so uses up) the first sending's message
    second = portal_client.post(CREATE, data)
    item = TemplateApplication.objects.get()
    assert first["Location"] == second["Location"] == _url("template_detail", item)
    assert _levels(second) == [messages.INFO]
    assert FormSubmission.objects.get().result_url == _url("template_detail", item)


def test_the_signature_can_be_chosen_by_the_link(portal_client, approved_signature, signature_in):
    second = signature_in(S.APPROVED, content="和讯")
    form = portal_client.get(CREATE, {"signature": second.public_id}).context["form"]
    assert form.initial["signature"] == second.public_id
    assert set(form.fields["signature"].queryset) == {approved_signature, second}


# --- edit -----------------------------------------------------------------------------------------


def test_the_edit_form_is_filled_in_with_the_template(portal_client, template_in):
    item = template_in(S.REJECTED, remark="登录时发送")
    form = portal_client.get(_url("template_edit", item)).context["form"]
    assert form.initial == {
        "signature": item.signature.public_id,
        "name": "登录验证码",
        "kind": "verification",
        "industry": "general",
        "content": item.content,
        "remark": "登录时发送",
    }


def test_a_rejected_template_is_edited_and_resubmitted(portal_client, template_in):
    item = template_in(S.REJECTED)
    response = portal_client.post(
        _url("template_edit", item),
        _data(
            item.signature, name="登录验证码", kind="verification", content="您的验证码为${code}。"
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == _url("template_detail", item)
    item.refresh_from_db()
    assert (item.state, item.content, item.name) == (
        S.PENDING_REVIEW,
        "您的验证码为${code}。",
        "登录验证码",
    )
    assert [r.number for r in revisions_for(item)] == [1, 2]


def test_editing_keeps_the_letter_and_a_new_one_replaces_it(portal_client, customer, template_in):
    old = make_material(customer.account, LETTER, user=customer)
    item = template_in(
        S.DRAFT, industry="live_streaming", kind="notification", content="主播${name}开播了。"
    )
    item.materials.set([old])
    from_signature = item.signature
    response = portal_client.post(
        _url("template_edit", item),
        _data(from_signature, industry="live_streaming", content="主播${name}开播啦。"),
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.content, item.state) == ("主播${name}开播啦。", S.DRAFT)
    assert list(item.materials.all()) == [old]
    response = portal_client.post(
        _url("template_edit", item),
        _data(
            from_signature,
            industry="live_streaming",
            content="主播${name}开播啦。",
            **{LETTER: _letter()},
        ),
    )
    assert response.status_code == 302
    (new,) = item.materials.all()
    assert new.kind == LETTER and new != old


def test_an_approved_template_is_not_edited(portal_client, template_in):
    item = template_in(S.APPROVED)
    before = _snapshot(item)
    response = portal_client.post(
        _url("template_edit", item), _data(item.signature, kind="verification", name="改名")
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert _snapshot(item) == before


def test_an_edit_with_blocking_text_is_refused_and_changes_nothing(portal_client, pending):
    before = _snapshot(pending)
    response = portal_client.post(
        _url("template_edit", pending),
        _data(pending.signature, kind="verification", content="【和讯华谷】验证码${code}"),
    )
    assert response.status_code == 200
    assert response.context["form"].has_error("__all__", code="blocked")
    assert "TPL_BRACKETS" in [f.code for f in response.context["findings"]]
    assert _snapshot(pending) == before


def test_an_edit_to_the_text_of_another_template_is_a_duplicate(
    portal_client, template_in, pending
):
    other = template_in(S.PENDING_REVIEW, name="第二个", content="您的校验码为${code}。")
    before = _snapshot(other)
    response = portal_client.post(
        _url("template_edit", other),
        _data(other.signature, kind="verification", content=pending.content),
    )
    assert response.context["form"].has_error("content", code="duplicate")
    assert _snapshot(other) == before


# --- withdraw and urgent --------------------------------------------------------------------------


def test_the_owner_withdraws_a_pending_template(portal_client, pending):
    response = portal_client.post(_url("template_withdraw", pending), {"reason": "不再需要"})
    assert response["Location"] == _url("template_detail", pending)
    assert _levels(response) == [messages.SUCCESS]
    pending.refresh_from_db()
    assert pending.state == S.WITHDRAWN
    last = transition_log_for(pending).last()
    assert (last.source_state, last.state, last.description) == (
        S.PENDING_REVIEW,
        S.WITHDRAWN,
        "不再需要",
    )


def test_withdraw_is_post_only(portal_client, pending):
    assert portal_client.get(_url("template_withdraw", pending)).status_code == 405
    assert portal_client.get(_url("template_urgent", pending)).status_code == 405
    pending.refresh_from_db()
    assert pending.state == S.PENDING_REVIEW and not UrgentTicket.objects.exists()


def test_an_approved_template_cannot_be_withdrawn(portal_client, template_in):
    item = template_in(S.APPROVED)
    before = _snapshot(item)
    response = portal_client.post(_url("template_withdraw", item))
    assert response["Location"] == _url("template_detail", item)
    assert _levels(response) == [messages.ERROR]
    assert _snapshot(item) == before


def test_the_owner_asks_for_an_urgent_review(portal_client, customer, pending):
    response = portal_client.post(_url("template_urgent", pending), {"reason": "明天上线"})
    assert response["Location"] == _url("template_detail", pending)
    assert _levels(response) == [messages.SUCCESS]
    ticket = UrgentTicket.objects.get()
    assert (ticket.object_id, ticket.content_type.model, ticket.reason) == (
        pending.pk,
        "templateapplication",
        "明天上线",
    )
    assert (ticket.account, ticket.requested_by, ticket.state) == (
        customer.account,
        customer,
        UrgentTicket.State.OPEN,
    )
    portal_client.get(response["Location"])  # shows (and so uses up) the success message
    again = portal_client.post(_url("template_urgent", pending), {"reason": "再催"})
    assert _levels(again) == [messages.ERROR]
    assert UrgentTicket.objects.count() == 1


def test_an_urgent_request_needs_a_reason(portal_client, pending):
    response = portal_client.post(_url("template_urgent", pending), {"reason": ""})
    assert _levels(response) == [messages.ERROR]
    assert not UrgentTicket.objects.exists()


def test_an_approved_template_cannot_be_expedited(portal_client, template_in):
    item = template_in(S.APPROVED)
    response = portal_client.post(_url("template_urgent", item), {"reason": "急"})
    assert _levels(response) == [messages.ERROR]
    assert not UrgentTicket.objects.exists()


# --- live pre-check -------------------------------------------------------------------------------


def _precheck(client, signature, **params):
    values = {
        "signature": signature.public_id if signature else "",
        "kind": "notification",
        "industry": "general",
        "content": "您的订单${order}已发货。",
        **params,
    }
    response = client.get(PRECHECK, values)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return response.json()


def test_live_precheck_of_a_clean_template(portal_client, approved_signature):
    assert _precheck(portal_client, approved_signature) == {"blocking": False, "findings": []}


def test_live_precheck_reports_each_finding_with_severity_and_field(
    portal_client, approved_signature
):
    payload = _precheck(
        portal_client, approved_signature, content="【和讯华谷】详情见 https://www.jiguang.cn 。"
    )
    assert payload["blocking"] is True
    assert [(f["code"], f["severity"], f["field"]) for f in payload["findings"]] == [
        ("TPL_BRACKETS", "block", "content"),
        ("TPL_FILING_REQUIRED", "info", "content"),
    ]
    assert all(f["message"] for f in payload["findings"])


def test_live_precheck_uses_the_domains_of_the_chosen_signature(portal_client, approved_signature):
    own = _precheck(portal_client, approved_signature, content="详情见 https://m.jiguang.cn/x 。")
    assert _codes(own) == ["TPL_FILING_REQUIRED"] and own["blocking"] is False
    foreign = _precheck(portal_client, approved_signature, content="详情见 https://m.jpush.cn/x 。")
    assert _codes(foreign) == ["TPL_LINK_NOT_OWNED", "TPL_FILING_REQUIRED"]


@pytest.mark.parametrize("state", [S.PENDING_REVIEW, S.REJECTED, S.REVOKED])
def test_live_precheck_blocks_a_signature_that_is_not_approved(portal_client, signature_in, state):
    payload = _precheck(portal_client, signature_in(state))
    assert payload["blocking"] is True
    assert _codes(payload) == ["TPL_SIGNATURE_NOT_APPROVED"]


def test_live_precheck_without_a_signature_blocks(portal_client, approved_signature):
    assert _codes(_precheck(portal_client, None)) == ["TPL_SIGNATURE_NOT_APPROVED"]


def test_live_precheck_ignores_another_accounts_signature(portal_client, other_signature):
    """Another account's signature is as good as none: not approved, and its qualification's
    domains (yunqi.cn) do not make a link owned."""
    payload = _precheck(portal_client, other_signature, content="详情见 https://yunqi.cn/x 。")
    assert _codes(payload) == [
        "TPL_LINK_NOT_OWNED",
        "TPL_FILING_REQUIRED",
        "TPL_SIGNATURE_NOT_APPROVED",
    ]


def test_live_precheck_for_the_other_account_sees_its_own_signature(
    other_client, other_signature, approved_signature
):
    own = _precheck(other_client, other_signature, content="详情见 https://yunqi.cn/x 。")
    assert _codes(own) == ["TPL_FILING_REQUIRED"]
    theirs = _precheck(other_client, approved_signature)
    assert _codes(theirs) == ["TPL_SIGNATURE_NOT_APPROVED"]


def test_live_precheck_counts_chosen_and_attached_letters(
    portal_client, customer, approved_signature, template_in
):
    live = {"industry": "live_streaming", "content": "主播${name}开播了。"}
    assert _codes(_precheck(portal_client, approved_signature, **live)) == [
        "TPL_LIVE_STREAMING_LETTER"
    ]
    chosen = _precheck(portal_client, approved_signature, material=LETTER, **live)
    assert chosen == {"blocking": False, "findings": []}
    item = template_in(S.DRAFT, content="主播${name}开播啦。")
    item.materials.set([make_material(customer.account, LETTER, user=customer)])
    attached = _precheck(portal_client, approved_signature, exclude=item.public_id, **live)
    assert attached == {"blocking": False, "findings": []}


def test_live_precheck_does_not_count_another_accounts_letters(other_client, customer, template_in):
    item = template_in(S.DRAFT, content="主播${name}开播啦。")
    item.materials.set([make_material(customer.account, LETTER, user=customer)])
    payload = other_client.get(
        PRECHECK,
        {
            "signature": "",
            "kind": "notification",
            "industry": "live_streaming",
            "content": "主播${name}开播了。",
            "exclude": item.public_id,
        },
    ).json()
    assert _codes(payload) == ["TPL_LIVE_STREAMING_LETTER", "TPL_SIGNATURE_NOT_APPROVED"]


def test_live_precheck_is_get_only(portal_client, approved_signature):
    assert (
        portal_client.post(PRECHECK, {"signature": approved_signature.public_id}).status_code == 405
    )


@pytest.mark.parametrize(
    ("state", "after", "message"),
    [
        (S.DRAFT, S.DRAFT, "Your changes were saved."),
        (S.REJECTED, S.PENDING_REVIEW, "Your changes were saved and resubmitted for review."),
    ],
)
def test_the_edit_says_whether_it_resubmitted(portal_client, template_in, state, after, message):
    """A draft stays a draft when edited, and the message does not claim otherwise."""
    item = template_in(state)
    portal_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = portal_client.post(
        _url("template_edit", item),
        _data(
            item.signature, name="登录验证码", kind="verification", content="您的验证码为${code}。"
        ),
        follow=True,
    )
    item.refresh_from_db()
    assert item.state == after
    assert [str(m) for m in response.context["messages"]] == [message]


def test_the_list_filters_by_review_status(portal_client, template_in):
    pending = template_in(S.PENDING_REVIEW)
    rejected = template_in(S.REJECTED, content="您的验证码为${code}，五分钟内有效。")
    shown = {
        status: [t.pk for t in portal_client.get(LIST, {"status": status}).context["items"]]
        for status in ("", S.PENDING_REVIEW, S.REJECTED, S.APPROVED, "nonsense")
    }
    assert sorted(shown[""]) == sorted(shown["nonsense"]) == sorted([pending.pk, rejected.pk])
    assert (shown[S.PENDING_REVIEW], shown[S.REJECTED]) == ([pending.pk], [rejected.pk])
    assert shown[S.APPROVED] == []
    body = portal_client.get(LIST, {"status": S.APPROVED}).content.decode()
    assert "没有该状态的模板。" in body
