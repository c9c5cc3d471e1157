"""The exact words of the template services' refusals (another account's signature or material,
a duplicate text), and what is not a duplicate: another text for the same signature."""

import pytest
from django.core.exceptions import ValidationError

from reviewportal.errors import NotFoundForUser
from reviewportal.models import ReviewState
from templates.models import TemplateApplication
from templates.services import template_application_create, template_application_update
from tests.factories import make_material

S = ReviewState

VERIFICATION_TEXT = "您的验证码为${code}，5分钟内有效，请勿泄露。"
NOTICE_TEXT = "您的订单${order}已发货，请注意查收。"


def _create(customer, signature, **overrides):
    fields = {
        "signature": signature,
        "name": "订单通知",
        "kind": "notification",
        "industry": "general",
        "content": NOTICE_TEXT,
    }
    fields.update(overrides)
    return template_application_create(account=customer.account, user=customer, **fields)


def test_another_accounts_signature_is_not_found_in_these_words(customer, other_signature):
    with pytest.raises(NotFoundForUser) as excinfo:
        _create(customer, other_signature)
    assert str(excinfo.value) == "Signature not found."
    assert not TemplateApplication.objects.exists()


def test_another_accounts_material_is_not_found_in_these_words(
    customer, other_customer, approved_signature
):
    foreign = make_material(other_customer.account, "other", user=other_customer)
    with pytest.raises(NotFoundForUser) as excinfo:
        template_application_create(
            account=customer.account,
            user=customer,
            materials=[foreign],
            signature=approved_signature,
            name="订单通知",
            kind="notification",
            industry="general",
            content=NOTICE_TEXT,
        )
    assert str(excinfo.value) == "Material not found."
    assert not TemplateApplication.objects.exists()


def test_a_duplicate_names_the_template_that_has_the_text(
    customer, approved_signature, template_in
):
    twin = template_in(S.PENDING_REVIEW, content=VERIFICATION_TEXT)
    with pytest.raises(ValidationError) as excinfo:
        _create(customer, approved_signature, kind="verification", content=VERIFICATION_TEXT)
    (error,) = excinfo.value.error_dict["content"]
    assert error.code == "duplicate"
    assert error.messages == [
        f"This signature already has a template with this text: {twin.public_id} (登录验证码); "
        "open it instead of applying again."
    ]


@pytest.mark.parametrize("state", [S.DRAFT, S.PENDING_REVIEW, S.APPROVED])
def test_another_text_for_the_same_signature_is_not_a_duplicate(
    customer, approved_signature, template_in, state
):
    first = template_in(state, content=VERIFICATION_TEXT)
    second = _create(customer, approved_signature, content=NOTICE_TEXT)
    assert second.signature == first.signature == approved_signature
    assert TemplateApplication.objects.count() == 2
    updated = template_application_update(
        application=second, user=customer, content="您的包裹${order}已签收。"
    )
    assert updated.content == "您的包裹${order}已签收。"
