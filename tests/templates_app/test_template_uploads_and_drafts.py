"""A template application is a draft unless its caller submits it, and the files its services
take are stored as the calling user's uploads."""

from signatures.services import Upload
from templates.services import template_application_create, template_application_update
from tests.factories import png_bytes


def _fields(signature) -> dict:
    return {
        "signature": signature,
        "name": "订单通知",
        "kind": "notification",
        "industry": "general",
        "content": "您的订单${order}已发货，请注意查收。",
    }


def _upload() -> Upload:
    return Upload(kind="other", data=png_bytes(), original_name="截图.png")


def test_a_new_template_is_a_draft_unless_submitted(customer, approved_signature):
    draft = template_application_create(
        account=customer.account, user=customer, **_fields(approved_signature)
    )
    assert draft.state == "draft"
    assert draft.current_revision is None


def test_a_new_templates_uploads_are_the_callers(customer, approved_signature):
    application = template_application_create(
        account=customer.account,
        user=customer,
        materials=[_upload()],
        **_fields(approved_signature),
    )
    [material] = application.materials.all()
    assert material.uploaded_by == customer


def test_an_edited_templates_uploads_are_the_callers(customer, approved_signature):
    application = template_application_create(
        account=customer.account, user=customer, **_fields(approved_signature)
    )
    application = template_application_update(
        application=application, user=customer, materials=[_upload()]
    )
    [material] = application.materials.all()
    assert material.uploaded_by == customer
