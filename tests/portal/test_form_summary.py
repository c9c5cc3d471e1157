"""The portal's long forms: a refused form starts with a summary of its problems, each linking
to its field; the company named at sign-up is the wizard's registered name; a draft is saved
with only its name, while submitting checks everything."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from reviewportal.models import User
from reviewportal.sample_ids import sample_resident_id, sample_uscc
from signatures.forms import QualificationForm
from signatures.models import Qualification
from tests.factories import png_bytes
from tests.states import walk_to

COMPANY = "深圳市和讯华谷信息技术有限公司"


def _summary_links(page: str) -> list[str]:
    match = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    assert match, "no error summary on the page"
    return re.findall(r'<a href="#([\w-]+)"', match.group(0))


def test_refused_wizard_starts_with_a_summary_linking_to_each_field(portal_client):
    response = portal_client.post(
        reverse("signatures:qualification_create"),
        {"entity_kind": "enterprise", "name": COMPANY, "uscc": "12345", "submit": "1"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    page = response.content.decode()
    links = _summary_links(page)
    assert links == [f"field-{name}" for name in form.fields if name in form.errors]
    assert {"field-uscc", "field-legal_rep_name"} <= set(links)
    for anchor in links:
        assert f'id="{anchor}"' in page
    for message in form.errors["uscc"]:
        assert escape(message) in page
    # The summary comes before the first field.
    assert page.index('class="error-summary"') < page.index('id="field-entity_kind"')


def test_no_summary_before_the_form_is_sent(portal_client):
    page = portal_client.get(reverse("signatures:qualification_create")).content.decode()
    assert "error-summary" not in page


def test_blocked_signature_summary_links_to_the_findings(portal_client, approved_qualification):
    response = portal_client.post(
        reverse("signatures:signature_create"),
        {
            "qualification": approved_qualification.public_id,
            "sig_type": "company",
            "content": "和讯华谷123",
            "purpose": "self",
        },
    )
    page = response.content.decode()
    assert _summary_links(page) == ["findings"]
    assert 'id="findings"' in page


@pytest.fixture
def approved_signature(customer, reviewer, senior, signature):
    return walk_to(signature, "approved", customer=customer, reviewer=reviewer, senior=senior)


@pytest.mark.parametrize(
    "form, fields",
    [
        ("signature", {"field-content"}),
        ("template", {"field-name", "field-content"}),
        ("trademark", {"field-name", "field-registration_number", "field-certificate"}),
        ("authorization", {"field-partner_name", "field-letter", "field-valid_from"}),
        ("signup", {"field-company_name", "field-username", "field-password1"}),
    ],
)
def test_every_long_form_has_the_summary(
    client, customer, approved_qualification, approved_signature, form, fields
):
    urls = {
        "signature": reverse("signatures:signature_create"),
        "template": reverse("templates:template_create"),
        "trademark": reverse(
            "signatures:trademark_create", args=[approved_qualification.public_id]
        ),
        "authorization": reverse(
            "signatures:authorization_create", args=[approved_qualification.public_id]
        ),
        "signup": reverse("portal:signup"),
    }
    if form != "signup":
        client.force_login(customer)
    response = client.post(urls[form], {"form_token": "t-1"})
    assert response.status_code == 200
    assert fields <= set(_summary_links(response.content.decode()))


def _signup(client, company=COMPANY):
    return client.post(
        reverse("portal:signup"),
        {
            "company_name": company,
            "full_name": "王敏",
            "email": "wangmin@hexun.example.cn",
            "phone": "13800138000",
            "username": "wangmin",
            "password1": "Hexun-Portal-2026",
            "password2": "Hexun-Portal-2026",
        },
        follow=True,
    )


def test_signup_carries_the_company_name_into_the_wizard(client, db):
    response = _signup(client)
    assert response.redirect_chain[-1][0] == reverse("signatures:qualification_create")
    form = response.context["form"]
    assert form["name"].value() == COMPANY
    assert f'value="{COMPANY}"' in response.content.decode()


def test_a_second_company_is_not_given_the_accounts_name(client, db):
    _signup(client)
    user = User.objects.get(username="wangmin")
    Qualification.objects.create(account=user.account, name=COMPANY, uscc=sample_uscc(601))
    response = client.get(reverse("signatures:qualification_create"))
    assert not response.context["form"]["name"].value()


def _draft(**extra) -> dict:
    return {"entity_kind": "enterprise", "name": "深圳市草稿科技有限公司", "save": "1", **extra}


def test_a_draft_is_saved_with_only_its_name(portal_client):
    response = portal_client.post(reverse("signatures:qualification_create"), _draft())
    assert response.status_code == 302
    draft = Qualification.objects.get()
    assert draft.state == "draft"
    assert (draft.uscc, draft.legal_rep_name, draft.legal_rep_id_number) == ("", "", "")
    # A second one without a credit code does not collide with the first.
    second = portal_client.post(reverse("signatures:qualification_create"), _draft())
    assert second.status_code == 302
    assert Qualification.objects.count() == 2


def test_a_draft_needs_its_name(portal_client):
    response = portal_client.post(reverse("signatures:qualification_create"), _draft(name=""))
    assert list(response.context["form"].errors) == ["name"]
    assert not Qualification.objects.exists()


def test_a_draft_still_checks_what_is_given(portal_client):
    bad = sample_resident_id(602)[:-1] + "0"
    response = portal_client.post(
        reverse("signatures:qualification_create"),
        _draft(uscc="91440300MA5XXXXXX0", legal_rep_id_number=bad),
    )
    assert {"uscc", "legal_rep_id_number"} <= set(response.context["form"].errors)
    assert not Qualification.objects.exists()


def test_submitting_checks_everything(portal_client):
    data = _draft()
    del data["save"]
    response = portal_client.post(
        reverse("signatures:qualification_create"), {**data, "submit": "1"}
    )
    assert {"uscc", "legal_rep_name", "legal_rep_id_number"} <= set(response.context["form"].errors)
    assert not Qualification.objects.exists()


def test_an_incomplete_draft_is_completed_then_submitted(portal_client, customer):
    portal_client.post(reverse("signatures:qualification_create"), _draft())
    draft = Qualification.objects.get()
    edit = reverse("signatures:qualification_edit", args=[draft.public_id])
    # Saved again as a draft, still incomplete.
    assert portal_client.post(edit, _draft(legal_rep_name="张三")).status_code == 302
    draft.refresh_from_db()
    assert draft.state == "draft" and draft.legal_rep_name == "张三"
    # Submitted from its page while incomplete: sent to the wizard, told what is missing.
    submit = reverse("signatures:qualification_submit", args=[draft.public_id])
    response = portal_client.post(submit)
    assert response["Location"] == edit
    draft.refresh_from_db()
    assert draft.state == "draft"
    (message,) = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
    # It names what is missing: the credit code and the ID number (the name and the legal
    # representative are there).
    with translation.override("zh-hans"):
        missing = [
            str(QualificationForm.base_fields[f].label) for f in ("uscc", "legal_rep_id_number")
        ]
    assert ", ".join(missing) in message
    # Completed in the wizard and submitted (its documents are checked as always).
    files = {
        kind: SimpleUploadedFile(f"{kind}.png", png_bytes(), content_type="image/png")
        for kind in ("business_license", "legal_rep_id_front", "legal_rep_id_back")
    }
    data = _draft(
        uscc=sample_uscc(603),
        legal_rep_name="张三",
        legal_rep_id_number=sample_resident_id(603),
        submit="1",
        **files,
    )
    del data["save"]
    assert portal_client.post(edit, data).status_code == 302
    draft.refresh_from_db()
    assert draft.state == "pending_review"
