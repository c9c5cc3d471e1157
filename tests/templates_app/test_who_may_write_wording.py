"""The exact words of the template services' refusals of the caller and of the fields: a user
of another account (or staff) is told the template is not found, and fields a template does not
have are named, all of them, in alphabetical order."""

import pytest

from reviewportal.errors import NotFoundForUser, ReviewError
from reviewportal.models import ReviewState
from templates.models import TemplateApplication
from templates.services import template_application_create, template_application_update

S = ReviewState


def _fields(signature, **overrides):
    fields = {
        "signature": signature,
        "name": "订单通知",
        "kind": "notification",
        "industry": "general",
        "content": "您的订单${order}已发货，请注意查收。",
    }
    fields.update(overrides)
    return fields


def test_creating_for_another_account_is_refused_as_not_found(
    customer, other_customer, approved_signature
):
    with pytest.raises(NotFoundForUser) as excinfo:
        template_application_create(
            account=customer.account, user=other_customer, **_fields(approved_signature)
        )
    assert str(excinfo.value) == "Not found."
    assert not TemplateApplication.objects.exists()


def test_creating_without_a_user_is_refused_as_not_found(customer, approved_signature):
    with pytest.raises(NotFoundForUser) as excinfo:
        template_application_create(
            account=customer.account, user=None, **_fields(approved_signature)
        )
    assert str(excinfo.value) == "Not found."
    assert not TemplateApplication.objects.exists()


def test_every_unknown_field_of_a_new_template_is_named_in_order(customer, approved_signature):
    with pytest.raises(ReviewError) as excinfo:
        template_application_create(
            account=customer.account,
            user=customer,
            **_fields(approved_signature, state="approved", public_id="TPL0000000000"),
        )
    assert str(excinfo.value) == "Unknown field: public_id, state"
    assert not TemplateApplication.objects.exists()


def test_editing_another_accounts_template_is_refused_as_not_found(other_customer, template_in):
    item = template_in(S.PENDING_REVIEW)
    with pytest.raises(NotFoundForUser) as excinfo:
        template_application_update(application=item, user=other_customer, name="盗用")
    assert str(excinfo.value) == "Not found."
    item.refresh_from_db()
    assert item.name == "登录验证码"


def test_every_unknown_field_of_an_edit_is_named_in_order(customer, template_in):
    item = template_in(S.DRAFT)
    with pytest.raises(ReviewError) as excinfo:
        template_application_update(
            application=item, user=customer, state="approved", public_id="TPL0000000000"
        )
    assert str(excinfo.value) == "Unknown field: public_id, state"
    assert TemplateApplication.objects.get(pk=item.pk).state == S.DRAFT
