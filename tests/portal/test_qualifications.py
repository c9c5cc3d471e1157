"""The qualification wizard: a draft is saved, completed and submitted; trademarks and partner
authorizations are added with their documents."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reviewportal.sample_ids import sample_resident_id, sample_uscc
from signatures.models import Authorization, Qualification, Trademark
from tests.factories import png_bytes


def _png(name):
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def test_draft_is_saved_then_completed_and_submitted(portal_client):
    data = {
        "entity_kind": "public_institution",
        "name": "北京市第一人民医院",
        "uscc": sample_uscc(9),
        "legal_rep_name": "刘院长",
        "agent_name": "陈经办",
        "agent_id_number": sample_resident_id(9),
        "is_mainland": "on",
        "save": "1",
    }
    response = portal_client.post(reverse("signatures:qualification_create"), data)
    draft = Qualification.objects.get()
    assert response.status_code == 302 and draft.state == "draft"
    detail = reverse("signatures:qualification_detail", args=[draft.public_id])
    assert reverse("signatures:qualification_submit", args=[draft.public_id]) in (
        portal_client.get(detail).content.decode()
    )
    edit = reverse("signatures:qualification_edit", args=[draft.public_id])
    response = portal_client.post(
        edit,
        {
            **data,
            "institution_certificate": _png("cert.png"),
            "agent_id_front": _png("f.png"),
            "agent_id_back": _png("b.png"),
            "submit": "1",
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == "pending_review"
    assert {m.kind for m in draft.materials.all()} == {
        "institution_certificate",
        "agent_id_front",
        "agent_id_back",
    }


def test_enterprise_needs_the_legal_representatives_id(portal_client):
    response = portal_client.post(
        reverse("signatures:qualification_create"),
        {
            "entity_kind": "enterprise",
            "name": "某公司",
            "uscc": sample_uscc(3),
            "legal_rep_name": "张三",
            "agent_name": "李四",
            "agent_id_number": sample_resident_id(3),
        },
    )
    assert "legal_rep_id_number" in response.context["form"].errors
    assert not Qualification.objects.exists()


def test_trademark_and_authorization_are_added(portal_client, approved_qualification):
    public_id = approved_qualification.public_id
    response = portal_client.post(
        reverse("signatures:trademark_create", args=[public_id]),
        {
            "name": "和讯",
            "registration_number": "30123456",
            "owner_name": approved_qualification.name,
            "certificate": _png("tm.png"),
        },
    )
    assert response.status_code == 302
    trademark = Trademark.objects.get()
    assert trademark.certificate.kind == "trademark_certificate"

    response = portal_client.post(
        reverse("signatures:authorization_create", args=[public_id]),
        {
            "partner_name": "深圳市伙伴科技有限公司",
            "partner_entity_kind": "enterprise",
            "partner_uscc": sample_uscc(88),
            "partner_legal_rep_name": "李四",
            "partner_legal_rep_id_number": sample_resident_id(88),
            "valid_from": "2026-01-01",
            "valid_until": "2027-12-31",
            "letter": _png("letter.png"),
            "partner_business_license": _png("lic.png"),
        },
    )
    assert response.status_code == 302
    authorization = Authorization.objects.get()
    assert authorization.letter.kind == "authorization_letter"
    assert [m.kind for m in authorization.partner_materials.all()] == ["business_license"]


def test_trademark_requires_its_certificate(portal_client, approved_qualification):
    response = portal_client.post(
        reverse("signatures:trademark_create", args=[approved_qualification.public_id]),
        {
            "name": "和讯",
            "registration_number": "30123456",
            "owner_name": approved_qualification.name,
        },
    )
    assert "certificate" in response.context["form"].errors
    assert not Trademark.objects.exists()
