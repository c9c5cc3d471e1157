"""Every e-mail subject is one line of plain text, whatever went into it: a company name with a
line break made the invitation's subject an injected header (Django refuses it), so the invite
answered 500 after the colleague's user was already created, and no e-mail went out."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from reviewportal.models import Account, User
from reviewportal.services.email import SUBJECT_MAX_LENGTH, email_subject
from tests.factories import CustomerFactory
from tests.portal.test_account import SIGNUP
from tests.security.mail_support import UNREACHABLE

BREAKS = ["\n", "\r\n", "\r", "\u2028", "\u2029", "\x85", "\x0b", "\t", "\x00", "\x1b"]


@pytest.mark.parametrize("brk", BREAKS)
def test_email_subject_is_one_line_whatever_the_text(brk):
    assert email_subject(f" 杭州{brk}{brk}云栖 \u202e科技{brk}Bcc: x@evil.example ") == (
        "杭州 云栖 科技 Bcc: x@evil.example"
    )


def test_email_subject_is_cut_with_an_ellipsis():
    subject = email_subject("审" * 500)
    assert len(subject) == SUBJECT_MAX_LENGTH and subject.endswith("…")
    assert email_subject("审" * SUBJECT_MAX_LENGTH) == "审" * SUBJECT_MAX_LENGTH
    assert email_subject(None) == ""


INVITE = {"full_name": "赵六", "email": "zhaoliu@example.cn", "username": "zhaoliu"}


@pytest.mark.parametrize("brk", ["\n", "\r\n", "\u2028"])
def test_email_invite_from_a_company_name_with_a_line_break_is_sent(client, customer, brk):
    customer.account.name = f"杭州云栖科技{brk}有限公司"
    customer.account.save(update_fields=["name"])
    client.force_login(customer)
    response = client.post(reverse("portal:account"), INVITE)
    assert response.status_code == 302
    assert User.objects.filter(username="zhaoliu").exists()
    assert len(mail.outbox) == 1
    subject = mail.outbox[0].subject
    assert "杭州云栖科技 有限公司" in subject and "\n" not in subject and "\u2028" not in subject
    assert mail.outbox[0].message()["Subject"]  # Django accepts it as a header


def test_email_invite_adds_nobody_when_the_mail_cannot_be_sent(client, customer, settings):
    settings.EMAIL_BACKEND = UNREACHABLE
    client.force_login(customer)
    response = client.post(reverse("portal:account"), INVITE)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not User.objects.filter(username="zhaoliu").exists()


def test_email_invite_refuses_a_name_with_control_characters(client, customer):
    client.force_login(customer)
    response = client.post(reverse("portal:account"), {**INVITE, "full_name": "赵\u202e六"})
    assert response.status_code == 200
    assert "full_name" in response.context["form"].errors
    assert not User.objects.filter(username="zhaoliu").exists() and not mail.outbox


@pytest.mark.parametrize("brk", ["\n", "\r", "\u2028", "\x00", "\t", "\u202e"])
def test_email_signup_refuses_company_names_with_control_characters(client, db, brk):
    response = client.post(
        reverse("portal:signup"), {**SIGNUP, "company_name": f"杭州云栖{brk}科技有限公司"}
    )
    assert response.status_code == 200
    assert "company_name" in response.context["form"].errors
    assert not User.objects.filter(username=SIGNUP["username"]).exists()
    assert not Account.objects.filter(name__startswith="杭州云栖").exists()


def test_email_signup_service_refuses_control_characters_too(db):
    from django.core.exceptions import ValidationError

    from reviewportal.services.accounts import account_signup

    with pytest.raises(ValidationError) as caught:
        account_signup(
            company_name="杭州云栖\n科技有限公司",
            username="wangwu",
            email="wangwu@example.cn",
            password="Yunqi-Portal-2026",
        )
    assert "company_name" in caught.value.message_dict
    assert not Account.objects.filter(name__contains="云栖").exists()


def test_email_notification_titles_are_one_line(customer):
    from reviewportal.services.notifications import notification_send

    other = CustomerFactory(account=customer.account)
    (note, _) = notification_send(
        recipients=[customer, other],
        kind="decision",
        render=lambda: ("模板已通过：您好\r\n验证码 ${code}", "正文\n第二行"),
    )
    assert note.title == "模板已通过：您好 验证码 ${code}"
    assert note.body == "正文\n第二行"
