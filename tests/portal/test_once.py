"""Every portal form that creates or changes something is handled once per sending: Back and
send again, a reload or a second click answers with the first result. Without a token (a
client that does not use the form page) the services still refuse a duplicate."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse

from reviewportal.models import FormSubmission, Revision
from reviewportal.sample_ids import sample_resident_id, sample_uscc
from signatures.models import Material, Qualification, SignatureApplication
from signatures.services import qualification_create, signature_application_create
from templates.models import TemplateApplication
from tests.factories import QualificationFactory, png_bytes
from tests.states import walk_to


def _png(name: str, color: str = "white") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes((64, 40), color), content_type="image/png")


def qualification_data(token: str | None, n: int = 1, **extra) -> dict:
    data = {
        "entity_kind": "enterprise",
        "name": "深圳市一次科技有限公司",
        "uscc": sample_uscc(900 + n),
        "legal_rep_name": "张三",
        "legal_rep_id_number": sample_resident_id(900 + n),
        "is_mainland": "on",
        "license_valid_from": "2015-03-01",
        "business_license": _png("licence.png"),
        "legal_rep_id_front": _png("front.png", "red"),
        "legal_rep_id_back": _png("back.png", "blue"),
        "submit": "1",
        **extra,
    }
    if token is not None:
        data["form_token"] = token
    return data


def signature_data(qualification, token, **extra) -> dict:
    return {
        "qualification": qualification.public_id,
        "sig_type": "company",
        "content": "和讯华谷",
        "purpose": "self",
        "use_case": "登录验证码",
        "form_token": token,
        **extra,
    }


def template_data(signature, token, **extra) -> dict:
    return {
        "signature": signature.public_id,
        "name": "登录验证码",
        "kind": "verification",
        "industry": "general",
        "content": "您的验证码为${code}，5分钟内有效。",
        "form_token": token,
        **extra,
    }


@pytest.fixture
def portal_client(client, customer):
    client.force_login(customer)
    return client


def info_messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "info"]


def test_form_pages_carry_a_new_token_each_time(
    portal_client, customer, reviewer, senior, signature, approved_qualification
):
    walk_to(signature, "approved", customer=customer, reviewer=reviewer, senior=senior)
    pages = [
        reverse("signatures:qualification_create"),
        reverse("signatures:signature_create"),
        reverse("templates:template_create"),
        reverse("signatures:trademark_create", args=[approved_qualification.public_id]),
        reverse("signatures:authorization_create", args=[approved_qualification.public_id]),
    ]
    for url in pages:
        first = portal_client.get(url)
        second = portal_client.get(url)
        tokens = [str(r.context["form_token"]) for r in (first, second)]
        assert all(tokens) and tokens[0] != tokens[1], url
        assert f'name="form_token" value="{tokens[1]}"' in second.content.decode(), url


def test_qualification_sent_twice_is_created_once(portal_client, customer):
    url = reverse("signatures:qualification_create")
    first = portal_client.post(url, qualification_data("tok-1"))
    assert first.status_code == 302
    second = portal_client.post(url, qualification_data("tok-1"))
    assert second.status_code == 302
    assert second["Location"] == first["Location"]
    assert info_messages(second)
    assert Qualification.objects.count() == 1
    # The second sending stored no file of its own.
    assert Material.objects.count() == 3


def test_refused_form_sent_again_corrected_counts_as_the_first(portal_client):
    url = reverse("signatures:qualification_create")
    refused = portal_client.post(url, qualification_data("tok-2", uscc="not-a-code"))
    assert refused.status_code == 200
    assert str(refused.context["form_token"]) == "tok-2"
    assert not FormSubmission.objects.exists()
    done = portal_client.post(url, qualification_data("tok-2"))
    assert done.status_code == 302
    assert Qualification.objects.count() == 1


def test_token_is_per_user(client, customer, account):
    from tests.factories import CustomerFactory

    colleague = CustomerFactory(account=account)
    url = reverse("signatures:qualification_create")
    client.force_login(customer)
    client.post(url, qualification_data("shared", n=1))
    client.force_login(colleague)
    response = client.post(url, qualification_data("shared", n=2))
    assert response.status_code == 302
    assert Qualification.objects.count() == 2


def test_signature_sent_twice_is_created_once(portal_client, approved_qualification):
    url = reverse("signatures:signature_create")
    first = portal_client.post(url, signature_data(approved_qualification, "sig-1"))
    second = portal_client.post(url, signature_data(approved_qualification, "sig-1"))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert SignatureApplication.objects.count() == 1


def test_signature_edit_sent_twice_resubmits_once(
    portal_client, customer, reviewer, senior, signature
):
    rejected = walk_to(signature, "rejected", customer=customer, reviewer=reviewer, senior=senior)
    revisions = Revision.objects.count()
    url = reverse("signatures:signature_edit", args=[rejected.public_id])
    data = signature_data(rejected.qualification, "edit-1", use_case="注册验证码")
    assert portal_client.post(url, data).status_code == 302
    assert portal_client.post(url, data).status_code == 302
    assert Revision.objects.count() == revisions + 1


def test_template_sent_twice_is_created_once(portal_client, customer, reviewer, senior, signature):
    approved = walk_to(signature, "approved", customer=customer, reviewer=reviewer, senior=senior)
    url = reverse("templates:template_create")
    first = portal_client.post(url, template_data(approved, "tpl-1"))
    second = portal_client.post(url, template_data(approved, "tpl-1"))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert TemplateApplication.objects.count() == 1


def test_trademark_sent_twice_is_added_once(portal_client, approved_qualification):
    url = reverse("signatures:trademark_create", args=[approved_qualification.public_id])
    data = {
        "name": "和讯",
        "registration_number": "30123456",
        "owner_name": approved_qualification.name,
        "form_token": "tm-1",
    }
    portal_client.post(url, {**data, "certificate": _png("tm.png")})
    portal_client.post(url, {**data, "certificate": _png("tm.png")})
    assert approved_qualification.trademarks.count() == 1


# --- without a token: the services refuse the duplicate ----------------------------------------


def test_second_qualification_of_the_same_company_is_refused(portal_client):
    url = reverse("signatures:qualification_create")
    portal_client.post(url, qualification_data(None))
    again = portal_client.post(url, qualification_data(None))
    assert again.status_code == 200
    assert again.context["form"].has_error("uscc", code="duplicate")
    assert Qualification.objects.count() == 1


def test_qualification_of_a_withdrawn_one_may_be_started_again(customer, reviewer):
    old = walk_to(
        QualificationFactory(account=customer.account),
        "withdrawn",
        customer=customer,
        reviewer=reviewer,
        senior=None,
    )
    again = qualification_create(
        account=customer.account,
        user=customer,
        entity_kind="enterprise",
        name=old.name,
        uscc=old.uscc,
        legal_rep_name="张三",
        legal_rep_id_number=sample_resident_id(5),
    )
    assert again.pk != old.pk


def test_database_refuses_a_second_live_qualification(account):
    first = QualificationFactory(account=account)
    with pytest.raises(IntegrityError), transaction.atomic():
        QualificationFactory(account=account, uscc=first.uscc)


def test_second_signature_with_the_same_text_is_refused(customer, approved_qualification):
    fields = {
        "qualification": approved_qualification,
        "sig_type": "company",
        "content": "和讯华谷",
        "purpose": "self",
        "use_case": "登录验证码",
    }
    signature_application_create(account=customer.account, user=customer, **fields)
    with pytest.raises(ValidationError) as refused:
        signature_application_create(account=customer.account, user=customer, **fields)
    assert "content" in refused.value.message_dict
    assert [e.code for e in refused.value.error_dict["content"]] == ["duplicate"]
    assert SignatureApplication.objects.count() == 1


def test_second_template_with_the_same_text_is_refused(
    portal_client, customer, reviewer, senior, signature
):
    approved = walk_to(signature, "approved", customer=customer, reviewer=reviewer, senior=senior)
    url = reverse("templates:template_create")
    portal_client.post(url, template_data(approved, "a"))
    again = portal_client.post(url, template_data(approved, "b"))
    assert again.status_code == 200
    assert again.context["form"].has_error("content", code="duplicate")
    assert TemplateApplication.objects.count() == 1
