"""The template pages: only approved signatures, the live-streaming letter, live findings."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from templates.models import TemplateApplication
from tests.factories import SignatureApplicationFactory, png_bytes


def _data(signature, **extra):
    return {
        "signature": signature.public_id,
        "name": "直播预告",
        "kind": "notification",
        "industry": "general",
        "content": "您关注的主播${name}将于${time}开播。",
        **extra,
    }


def test_form_offers_only_approved_signatures(portal_client, world, approved_qualification):
    pending = SignatureApplicationFactory(qualification=approved_qualification, content="和讯")
    form = portal_client.get(reverse("templates:template_create")).context["form"]
    offered = set(form.fields["signature"].queryset)
    assert offered == {world["signature"]}
    response = portal_client.post(reverse("templates:template_create"), _data(pending))
    assert "signature" in response.context["form"].errors


def test_live_streaming_needs_the_commitment_letter(portal_client, world):
    signature = world["signature"]
    url = reverse("templates:template_precheck")
    live = {
        "signature": signature.public_id,
        "kind": "notification",
        "industry": "live_streaming",
        "content": "您关注的主播${name}开播了。",
    }
    codes = {f["code"] for f in portal_client.get(url, live).json()["findings"]}
    assert "TPL_LIVE_STREAMING_LETTER" in codes
    with_letter = portal_client.get(url, {**live, "material": "live_streaming_commitment_letter"})
    assert "TPL_LIVE_STREAMING_LETTER" not in {f["code"] for f in with_letter.json()["findings"]}

    create = reverse("templates:template_create")
    response = portal_client.post(create, _data(signature, industry="live_streaming"))
    assert response.status_code == 200
    assert "TPL_LIVE_STREAMING_LETTER" in {f.code for f in response.context["findings"]}
    assert not TemplateApplication.objects.filter(name="直播预告").exists()

    letter = SimpleUploadedFile("letter.png", png_bytes(), content_type="image/png")
    response = portal_client.post(
        create,
        _data(signature, industry="live_streaming", live_streaming_commitment_letter=letter),
    )
    assert response.status_code == 302
    item = TemplateApplication.objects.get(name="直播预告")
    assert item.state == "pending_review"
    assert [m.kind for m in item.materials.all()] == ["live_streaming_commitment_letter"]


def test_variable_syntax_is_checked_live(portal_client, world):
    url = reverse("templates:template_precheck")
    params = {
        "signature": world["signature"].public_id,
        "kind": "verification",
        "content": "您的验证码为${code，5分钟内有效。",
    }
    data = portal_client.get(url, params).json()
    assert data["blocking"] and "TPL_VARIABLE_SYNTAX" in {f["code"] for f in data["findings"]}


def test_rejected_template_is_edited_and_resubmitted(portal_client, world):
    item = world["template"]
    body = portal_client.get(
        reverse("templates:template_detail", args=[item.public_id])
    ).content.decode()
    assert 'id="rejection"' in body
    response = portal_client.post(
        reverse("templates:template_edit", args=[item.public_id]),
        _data(
            world["signature"],
            kind="verification",
            name="登录验证码",
            content="您的验证码为${code}，5分钟内有效，请勿泄露。",
        ),
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.state == "pending_review" and item.current_revision.number == 2


def test_list_shows_approval_per_carrier(portal_client, world):
    body = portal_client.get(reverse("templates:template_list")).content.decode()
    assert world["template"].public_id in body
    assert "中国联通" in body
