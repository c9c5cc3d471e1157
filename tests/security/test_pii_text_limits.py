"""The free-text ``use_case`` (signatures) and ``remark`` (templates) have a length limit, enforced
by the portal forms and by the services, with a clear error and nothing saved."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from signatures.models import SignatureApplication
from signatures.services import signature_application_create
from templates.models import TemplateApplication
from templates.services import template_application_create
from tests.security.pii_support import field_keys  # noqa: F401
from tests.states import walk_to

pytestmark = pytest.mark.django_db

USE_CASE_MAX = SignatureApplication.USE_CASE_MAX_LENGTH
REMARK_MAX = TemplateApplication.REMARK_MAX_LENGTH


def test_limits_are_sensible():
    assert (USE_CASE_MAX, REMARK_MAX) == (500, 1000)


def _signature(account, customer, qualification, use_case):
    return signature_application_create(
        account=account,
        user=customer,
        qualification=qualification,
        sig_type="company",
        content="和讯华谷",
        use_case=use_case,
    )


def test_service_refuses_a_too_long_use_case(account, customer, approved_qualification):
    with pytest.raises(ValidationError) as excinfo:
        _signature(account, customer, approved_qualification, "用" * (USE_CASE_MAX + 1))
    (message,) = excinfo.value.message_dict["use_case"]
    assert str(USE_CASE_MAX) in message
    assert not SignatureApplication.objects.exists()
    assert _signature(account, customer, approved_qualification, "用" * USE_CASE_MAX).pk


def test_service_refuses_a_too_long_remark(account, customer, senior, reviewer, signature):
    approved = walk_to(signature, "approved", customer=customer, reviewer=reviewer, senior=senior)
    fields = {
        "signature": approved,
        "name": "登录验证码",
        "kind": "verification",
        "industry": "general",
        "content": "您的验证码是${code}，5分钟内有效。",
    }
    with pytest.raises(ValidationError) as excinfo:
        template_application_create(
            account=account, user=customer, remark="注" * (REMARK_MAX + 1), **fields
        )
    (message,) = excinfo.value.message_dict["remark"]
    assert str(REMARK_MAX) in message
    assert not TemplateApplication.objects.exists()
    assert template_application_create(
        account=account, user=customer, remark="注" * REMARK_MAX, **fields
    ).pk


def test_signature_form_refuses_a_too_long_use_case(client, customer, approved_qualification):
    client.force_login(customer)
    url = reverse("signatures:signature_create")
    assert f'maxlength="{USE_CASE_MAX}"' in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "qualification": approved_qualification.public_id,
            "sig_type": "company",
            "purpose": "self",
            "content": "和讯华谷",
            "use_case": "用" * (USE_CASE_MAX + 1),
        },
    )
    assert response.status_code == 200
    assert "use_case" in response.context["form"].errors
    assert not SignatureApplication.objects.exists()


def test_template_form_refuses_a_too_long_remark(client, customer, senior, reviewer, signature):
    approved = walk_to(signature, "approved", customer=customer, reviewer=reviewer, senior=senior)
    client.force_login(customer)
    url = reverse("templates:template_create")
    assert f'maxlength="{REMARK_MAX}"' in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "signature": approved.public_id,
            "name": "登录验证码",
            "kind": "verification",
            "industry": "general",
            "content": "您的验证码是${code}，5分钟内有效。",
            "remark": "注" * (REMARK_MAX + 1),
        },
    )
    assert response.status_code == 200
    assert "remark" in response.context["form"].errors
    assert not TemplateApplication.objects.exists()
