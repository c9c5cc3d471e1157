"""Staged uploads: a form refused for something the customer can correct keeps the files that
were fine. Each is stored through the upload service as a Material of the account that nothing
uses yet, the form shown again carries its id, and the corrected sending uses it, unless the
customer removes it. A staged id is honoured only for the customer who staged it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from portal.helpers import PortalFormMixin
from reviewportal.sample_ids import sample_resident_id, sample_uscc
from signatures.models import Material, Qualification, SignatureApplication, Trademark
from signatures.selectors import staged_material_filter
from templates.models import TemplateApplication
from tests.factories import CustomerFactory, make_material, png_bytes
from tests.states import walk_to

DOCUMENTS = ("business_license", "legal_rep_id_front", "legal_rep_id_back")


def _png(name: str, color: str = "white") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes((64, 40), color), content_type="image/png")


def _entity(n: int = 1, **extra) -> dict:
    return {
        "entity_kind": "enterprise",
        "name": "深圳市和讯华谷信息技术有限公司",
        "uscc": sample_uscc(500 + n),
        "legal_rep_name": "张三",
        "legal_rep_id_number": sample_resident_id(500 + n),
        "is_mainland": "on",
        "license_valid_from": "2015-03-01",
        "submit": "1",
        **extra,
    }


def _files() -> dict:
    return {
        kind: _png(f"{kind}.png", color)
        for kind, color in zip(DOCUMENTS, ("red", "green", "blue"), strict=True)
    }


def _staged_of(response) -> dict[str, Material]:
    form = response.context["form"]
    return {name: f.staged for name, f in form.fields.items() if getattr(f, "staged", None)}


def test_valid_files_are_kept_when_another_field_fails(portal_client):
    url = reverse("signatures:qualification_create")
    refused = portal_client.post(url, _entity(uscc="91440300MA5XXXXXX0", **_files()))
    assert refused.status_code == 200
    assert "uscc" in refused.context["form"].errors
    assert not Qualification.objects.exists()
    staged = _staged_of(refused)
    assert set(staged) == set(DOCUMENTS)
    page = refused.content.decode()
    for name, material in staged.items():
        assert material.account_id == refused.wsgi_request.user.account_id
        assert not material.qualifications.exists()
        assert f'name="{name}-staged" value="{material.pk}"' in page
        assert f'name="{name}-remove"' in page
        assert material.original_name in page

    # Sent again corrected, without choosing the files again: the staged ones are attached.
    references = {f"{name}-staged": str(m.pk) for name, m in staged.items()}
    done = portal_client.post(url, _entity(**references))
    assert done.status_code == 302
    item = Qualification.objects.get()
    assert item.state == "pending_review"
    assert {m.pk for m in item.materials.all()} == {m.pk for m in staged.values()}
    assert Material.objects.count() == 3


def test_a_refused_file_keeps_the_other_files(portal_client):
    truncated = SimpleUploadedFile(
        "front.png", png_bytes((300, 200), "blue")[:80], content_type="image/png"
    )
    files = {**_files(), "legal_rep_id_front": truncated}
    response = portal_client.post(reverse("signatures:qualification_create"), _entity(**files))
    assert response.status_code == 200
    assert "legal_rep_id_front" in response.context["form"].errors
    assert set(_staged_of(response)) == {"business_license", "legal_rep_id_back"}
    assert set(Material.objects.values_list("kind", flat=True)) == {
        "business_license",
        "legal_rep_id_back",
    }


def test_a_new_file_replaces_the_staged_one(portal_client, customer):
    staged = make_material(customer.account, "business_license", user=customer)
    response = portal_client.post(
        reverse("signatures:qualification_create"),
        _entity(
            **{**_files(), "business_license": _png("new.png", "navy")},
            **{"business_license-staged": str(staged.pk)},
        ),
    )
    assert response.status_code == 302
    licence = Qualification.objects.get().materials.get(kind="business_license")
    assert licence.original_name == "new.png"


def test_a_blocked_signature_keeps_its_file_for_the_corrected_sending(
    portal_client, approved_qualification
):
    url = reverse("signatures:signature_create")
    data = {
        "qualification": approved_qualification.public_id,
        "sig_type": "company",
        "purpose": "self",
        "use_case": "登录验证码",
    }
    refused = portal_client.post(url, {**data, "content": "和讯华谷123", "other": _png("o.png")})
    assert refused.status_code == 200
    kept = _staged_of(refused)["other"]
    done = portal_client.post(url, {**data, "content": "和讯华谷", "other-staged": str(kept.pk)})
    assert done.status_code == 302
    assert list(SignatureApplication.objects.get().materials.all()) == [kept]


def test_a_refused_template_keeps_its_letter(portal_client, customer, reviewer, senior, signature):
    approved = walk_to(signature, "approved", customer=customer, reviewer=reviewer, senior=senior)
    url = reverse("templates:template_create")
    data = {
        "signature": approved.public_id,
        "kind": "notification",
        "industry": "live_streaming",
        "content": "您关注的直播将于${time}开始。",
    }
    letter = {"live_streaming_commitment_letter": _png("letter.png")}
    refused = portal_client.post(url, {**data, "name": "", **letter})
    assert "name" in refused.context["form"].errors
    kept = _staged_of(refused)["live_streaming_commitment_letter"]
    reference = {"live_streaming_commitment_letter-staged": str(kept.pk)}
    done = portal_client.post(url, {**data, "name": "开播提醒", **reference})
    assert done.status_code == 302
    assert list(TemplateApplication.objects.get().materials.all()) == [kept]


def test_a_staged_certificate_fills_a_required_input(portal_client, approved_qualification):
    url = reverse("signatures:trademark_create", args=[approved_qualification.public_id])
    data = {"name": "和讯", "registration_number": "30123456"}
    refused = portal_client.post(url, {**data, "owner_name": "", "certificate": _png("tm.png")})
    assert "owner_name" in refused.context["form"].errors
    kept = _staged_of(refused)["certificate"]
    done = portal_client.post(
        url,
        {**data, "owner_name": approved_qualification.name, "certificate-staged": str(kept.pk)},
    )
    assert done.status_code == 302
    assert Trademark.objects.get().certificate == kept


def _foreign(case: str, customer):
    """A material the customer may not use as the staged file of a business licence."""
    if case == "other account":
        stranger = CustomerFactory()
        return make_material(stranger.account, "business_license", user=stranger)
    if case == "colleague":
        colleague = CustomerFactory(account=customer.account)
        return make_material(customer.account, "business_license", user=colleague)
    if case == "other kind":
        return make_material(customer.account, "legal_rep_id_front", user=customer)
    if case == "attached already":
        material = make_material(customer.account, "business_license", user=customer)
        Qualification.objects.create(
            account=customer.account, name="某公司", uscc=sample_uscc(599)
        ).materials.add(material)
        return material
    if case == "expired":
        with time_machine.travel(timezone.now() - timedelta(hours=25)):
            return make_material(customer.account, "business_license", user=customer)
    raise ValueError(case)


def _gone_message() -> str:
    # Requests through the test client get the portal's default language.
    with translation.override("zh-hans"):
        return str(PortalFormMixin.staged_gone)


@pytest.mark.parametrize(
    "case", ["other account", "colleague", "other kind", "attached already", "expired"]
)
def test_a_staged_reference_the_customer_may_not_use_is_refused(portal_client, customer, case):
    material = _foreign(case, customer)
    files = {k: v for k, v in _files().items() if k != "business_license"}
    response = portal_client.post(
        reverse("signatures:qualification_create"),
        _entity(n=2, **files, **{"business_license-staged": str(material.pk)}),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["business_license"] == [_gone_message()]
    assert "business_license" not in _staged_of(response)
    assert 'name="business_license-staged"' not in response.content.decode()
    assert not Qualification.objects.filter(uscc=sample_uscc(502)).exists()
    # Nothing of the refused reference changed: still where it was, and nowhere else.
    material.refresh_from_db()
    assert not material.signatures.exists()


@pytest.mark.parametrize("reference", ["abc", "0", "１２", "99999999999999999999", ""])
def test_a_staged_reference_that_is_no_id_names_nothing(portal_client, reference):
    data = _entity(save="1", **{"business_license-staged": reference})
    del data["submit"]
    response = portal_client.post(reverse("signatures:qualification_create"), data)
    if reference:
        assert "business_license" in response.context["form"].errors
    else:
        assert response.status_code == 302


def test_a_staged_file_is_removed_when_asked(portal_client, customer):
    url = reverse("signatures:qualification_create")
    staged = make_material(customer.account, "business_license", user=customer)
    data = {"entity_kind": "enterprise", "name": "深圳市留稿科技有限公司", "save": "1"}
    response = portal_client.post(
        url,
        {**data, "business_license-staged": str(staged.pk), "business_license-remove": "1"},
    )
    assert response.status_code == 302
    draft = Qualification.objects.get()
    assert not draft.materials.exists()
    # Not removed: the same reference is attached.
    edit = reverse("signatures:qualification_edit", args=[draft.public_id])
    response = portal_client.post(edit, {**data, "business_license-staged": str(staged.pk)})
    assert response.status_code == 302
    assert list(draft.materials.all()) == [staged]


def test_a_removed_staged_file_leaves_a_required_input_empty(
    portal_client, customer, approved_qualification
):
    staged = make_material(customer.account, "trademark_certificate", user=customer)
    response = portal_client.post(
        reverse("signatures:trademark_create", args=[approved_qualification.public_id]),
        {
            "name": "和讯",
            "registration_number": "30123456",
            "owner_name": approved_qualification.name,
            "certificate-staged": str(staged.pk),
            "certificate-remove": "1",
        },
    )
    assert "certificate" in response.context["form"].errors
    assert not Trademark.objects.exists()


def test_the_clean_up_finds_staged_files_older_than_a_day(customer):
    with time_machine.travel(timezone.now() - timedelta(hours=30)):
        old = make_material(customer.account, "other", user=customer)
        used = make_material(customer.account, "other", user=customer)
    Qualification.objects.create(
        account=customer.account, name="某公司", uscc=sample_uscc(598)
    ).materials.add(used)
    fresh = make_material(customer.account, "other", user=customer)
    expired = Material.objects.filter(staged_material_filter(expired=True))
    usable = Material.objects.filter(staged_material_filter())
    assert list(expired) == [old]
    assert list(usable) == [fresh]
