"""Templates, material uploads and the pre-check through the API."""

from __future__ import annotations

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from reviewportal.models import ReviewState
from signatures.models import Material, SignatureApplication
from templates.models import TemplateApplication
from tests.api.conftest import template_body
from tests.factories import (
    QualificationFactory,
    SignatureApplicationFactory,
    TemplateApplicationFactory,
    png_bytes,
)

pytestmark = pytest.mark.django_db


def test_template_create_and_submit_under_an_approved_signature(api, approved_signature):
    response = api.post(
        "/api/v1/templates", template_body(approved_signature, submit=True), format="json"
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["state"] == ReviewState.PENDING_REVIEW
    assert data["signature"] == approved_signature.public_id
    assert TemplateApplication.objects.get(public_id=data["id"]).state == ReviewState.PENDING_REVIEW


def test_template_create_under_an_unapproved_signature_is_refused(api, signature):
    response = api.post("/api/v1/templates", template_body(signature), format="json")
    assert response.status_code == 422
    assert not TemplateApplication.objects.exists()


def test_template_of_another_account_is_404_for_every_route(api, other_customer):
    theirs = TemplateApplicationFactory(
        signature=SignatureApplicationFactory(
            qualification=QualificationFactory(account=other_customer.account)
        )
    )
    base = f"/api/v1/templates/{theirs.public_id}"
    assert api.get(base).status_code == 404
    assert api.patch(base, {"name": "x"}, format="json", HTTP_IF_MATCH="*").status_code == 404
    for action in ("submit", "withdraw", "urgent"):
        assert api.post(f"{base}/{action}", {"reason": "x"}, format="json").status_code == 404
    assert api.get(f"{base}/revisions").status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == ReviewState.DRAFT and theirs.name == "登录验证码"


def test_template_update_with_if_match_star_skips_the_version_check(api, approved_signature):
    created = api.post("/api/v1/templates", template_body(approved_signature), format="json")
    response = api.patch(
        created["Location"], {"remark": "晚上发送"}, format="json", HTTP_IF_MATCH="*"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["remark"] == "晚上发送"


def test_material_upload_checks_the_content(api, account):
    good = api.post(
        "/api/v1/materials",
        {"kind": "icp_screenshot", "file": _file("shot.png", png_bytes())},
        format="multipart",
    )
    assert good.status_code == 201, good.json()
    assert good.json()["id"].startswith("MAT")
    assert good.json()["content_type"] == "image/png"
    bad = api.post(
        "/api/v1/materials",
        {"kind": "icp_screenshot", "file": _file("shot.png", b"not an image at all")},
        format="multipart",
    )
    assert bad.status_code == 422
    assert Material.objects.filter(account=account).count() == 1


def test_material_upload_refuses_json_and_unknown_kinds(api):
    assert api.post("/api/v1/materials", {"kind": "x"}, format="json").status_code == 415
    response = api.post(
        "/api/v1/materials",
        {"kind": "selfie", "file": _file("a.png", png_bytes())},
        format="multipart",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/kind"


def test_material_of_another_account_is_404(api, other_api):
    made = api.post(
        "/api/v1/materials",
        {"kind": "icp_screenshot", "file": _file("shot.png", png_bytes())},
        format="multipart",
    ).json()
    assert other_api.get(f"/api/v1/materials/{made['id']}").status_code == 404
    assert api.get(f"/api/v1/materials/{made['id']}").status_code == 200


def test_signature_with_an_uploaded_material(api, approved_qualification):
    made = api.post(
        "/api/v1/materials",
        {"kind": "icp_screenshot", "file": _file("shot.png", png_bytes())},
        format="multipart",
    ).json()
    response = api.post(
        "/api/v1/signatures",
        {
            "qualification": approved_qualification.public_id,
            "type": "company",
            "content": "和讯华谷",
            "materials": [made["id"]],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["materials"] == [made["id"]]
    item = SignatureApplication.objects.get(public_id=response.json()["id"])
    assert [m.public_id for m in item.materials.all()] == [made["id"]]


def test_precheck_answers_without_storing_and_a_read_key_may_ask(read_api, approved_qualification):
    body = {
        "qualification": approved_qualification.public_id,
        "type": "company",
        "content": "和讯华谷",
    }
    response = read_api.post("/api/v1/precheck/signature", body, format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["blocked"] is False
    assert set(data) == {"on", "blocked", "findings"}
    assert not SignatureApplication.objects.exists()


def test_precheck_as_of_a_date_before_and_after_the_app_name_ban(api, approved_qualification):
    body = {
        "qualification": approved_qualification.public_id,
        "type": "app",
        "content": "极光推送",
        "material_kinds": ["icp_screenshot"],
    }
    before = api.post("/api/v1/precheck/signature", {**body, "on": "2026-04-01"}, format="json")
    after = api.post("/api/v1/precheck/signature", {**body, "on": "2026-06-01"}, format="json")
    assert before.json()["on"] == "2026-04-01"
    assert before.json()["blocked"] is False, before.json()
    assert after.json()["blocked"] is True


def test_precheck_template_under_a_missing_signature_blocks(api):
    body = {"signature": "SIGNOPE", "content": "验证码${code}", "kind": "verification"}
    response = api.post("/api/v1/precheck/template", body, format="json")
    assert response.status_code == 200
    assert response.json()["blocked"] is True


def test_precheck_signature_with_another_accounts_qualification_is_as_of_an_unknown_id(
    api, other_api, approved_qualification
):
    """The pre-check answers (200) with findings, not a 4xx: another account's qualification
    is checked as one that does not exist, so nothing of it (its entity, its documents) counts
    or shows."""
    body = {
        "qualification": approved_qualification.public_id,
        "type": "company",
        "content": "和讯华谷",
    }
    url = "/api/v1/precheck/signature"
    ours = api.post(url, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert ours.json()["blocked"] is False, ours.json()
    theirs = other_api.post(url, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    unknown = other_api.post(
        url, {**body, "qualification": "QUA0000000000"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert theirs.status_code == unknown.status_code == 200
    assert theirs.json() == unknown.json()
    assert theirs.json()["blocked"] is True
    assert "SIG_MATERIALS_MISSING" in {f["code"] for f in theirs.json()["findings"]}
    assert approved_qualification.name not in theirs.content.decode()
    assert not SignatureApplication.objects.exists()


def test_precheck_template_under_another_accounts_signature_is_as_of_an_unknown_id(
    api, other_api, approved_signature
):
    body = {
        "signature": approved_signature.public_id,
        "content": "您的验证码为${code}，5分钟内有效，请勿泄露。",
        "kind": "verification",
    }
    url = "/api/v1/precheck/template"
    assert api.post(url, body, format="json").json()["blocked"] is False
    theirs = other_api.post(url, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    unknown = other_api.post(
        url, {**body, "signature": "SIG0000000000"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert theirs.status_code == unknown.status_code == 200
    assert theirs.json() == unknown.json()
    assert [f["code"] for f in theirs.json()["findings"]] == ["TPL_SIGNATURE_NOT_APPROVED"]
    assert not TemplateApplication.objects.exists()


def _file(name, data):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_material_upload_over_the_file_limit_is_refused_by_name_and_nothing_kept(
    api, account, settings, tmp_path
):
    settings.UPLOAD_POLICY = {**settings.UPLOAD_POLICY, "MAX_BYTES": 2_000}
    noise = io.BytesIO()
    Image.frombytes("RGB", (60, 60), os.urandom(60 * 60 * 3)).save(noise, format="PNG")
    big = noise.getvalue()
    assert len(big) > 2_000
    response = api.post(
        "/api/v1/materials",
        {"kind": "icp_screenshot", "file": _file("big.png", big)},
        format="multipart",
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    (error,) = response.json()["errors"]
    assert (error["pointer"], error["code"]) == ("#/file", "too_large")
    assert not Material.objects.filter(account=account).exists()
    media = tmp_path / "private-media"
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_a_request_over_the_request_limit_is_a_413_problem_before_it_is_read(
    api, approved_qualification, settings
):
    settings.UPLOAD_POLICY = {**settings.UPLOAD_POLICY, "MAX_REQUEST_BYTES": 1_000}
    body = {
        "qualification": approved_qualification.public_id,
        "type": "company",
        "content": "和讯华谷",
        "purpose": "self",
        "use_case": "x" * 2_000,
    }
    response = api.post("/api/v1/signatures", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert (problem["status"], problem["code"]) == (413, "request_too_large")
    assert problem["detail"].startswith("The request is larger than")
    assert not SignatureApplication.objects.exists()
