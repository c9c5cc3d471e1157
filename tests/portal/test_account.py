"""Sign-up, login with throttling, password reset by e-mail, inviting colleagues, notifications."""

import re

from django.core import mail
from django.urls import reverse

from reviewportal.models import Account, Notification, User
from tests.factories import PASSWORD, CustomerFactory

SIGNUP = {
    "company_name": "杭州云栖科技有限公司",
    "full_name": "王五",
    "email": "wangwu@yunqi.example.cn",
    "phone": "13800000000",
    "username": "wangwu",
    "password1": "Yunqi-Portal-2026",
    "password2": "Yunqi-Portal-2026",
}


def test_signup_creates_account_and_first_user_and_logs_in(client, db):
    response = client.post(reverse("portal:signup"), SIGNUP)
    assert response.status_code == 302
    assert response["Location"] == reverse("signatures:qualification_create")
    user = User.objects.get(username="wangwu")
    assert user.account.name == "杭州云栖科技有限公司"
    assert user.account.contact_email == "wangwu@yunqi.example.cn"
    assert not user.is_staff
    assert user.language == "zh-hans"
    assert client.get(reverse("portal:dashboard")).status_code == 200


def test_signup_refuses_taken_login_weak_and_mismatched_passwords(client, customer):
    data = {**SIGNUP, "username": customer.username.upper(), "password1": "123", "password2": "4"}
    response = client.post(reverse("portal:signup"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "username" in errors and "password2" in errors
    weak = {**SIGNUP, "password1": "12345678", "password2": "12345678"}
    response = client.post(reverse("portal:signup"), weak)
    assert "password1" in response.context["form"].errors
    assert not Account.objects.filter(name=SIGNUP["company_name"]).exists()


def test_login_and_logout(client, customer):
    response = client.post(
        reverse("portal:login"), {"username": customer.username, "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/portal/"
    response = client.post(reverse("portal:logout"))
    assert response.status_code == 302
    assert client.get("/portal/").status_code == 302


def test_staff_cannot_log_in_to_the_portal(client, reviewer):
    response = client.post(
        reverse("portal:login"), {"username": reviewer.username, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_login_is_throttled_after_repeated_failures(client, customer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("portal:login"), {"username": customer.username, "password": "bad"})
    response = client.post(
        reverse("portal:login"), {"username": customer.username, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "portal/locked.html" in [t.name for t in response.templates]
    assert "_auth_user_id" not in client.session


def test_password_reset_by_email(client, customer, settings):
    settings.SITE_URL = "https://portal.example.com"  # links come from it, not from the Host
    response = client.post(reverse("portal:password_reset"), {"email": customer.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    reset = r"https://portal\.example\.com(/portal/password-reset/\S+/)"
    link = re.search(reset, mail.outbox[0].body)[1]
    response = client.get(link, follow=True)
    assert response.context["validlink"]
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "Brand-new-2026!", "new_password2": "Brand-new-2026!"},
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.check_password("Brand-new-2026!")


def test_invite_creates_colleague_who_chooses_a_password(
    client, customer, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://portal.example.com"
    client.force_login(customer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("portal:account"),
            {"full_name": "赵六", "email": "zhaoliu@example.cn", "username": "zhaoliu"},
        )
    assert response.status_code == 302
    colleague = User.objects.get(username="zhaoliu")
    assert colleague.account_id == customer.account_id
    assert not colleague.has_usable_password()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["zhaoliu@example.cn"]
    reset = r"https://portal\.example\.com(/portal/password-reset/\S+/)"
    link = re.search(reset, mail.outbox[0].body)[1]
    other = client.__class__()
    response = other.get(link, follow=True)
    other.post(
        response.redirect_chain[-1][0],
        {"new_password1": "Colleague-2026!", "new_password2": "Colleague-2026!"},
    )
    colleague.refresh_from_db()
    assert colleague.check_password("Colleague-2026!")


def test_notifications_are_listed_and_marked_read(client, customer):
    other = CustomerFactory(account=customer.account)
    mine = [
        Notification.objects.create(
            recipient=customer,
            account=customer.account,
            kind="decision",
            title=f"通知{i}",
            body="正文",
        )
        for i in range(2)
    ]
    theirs = Notification.objects.create(
        recipient=other, account=customer.account, kind="decision", title="别人的", body="正文"
    )
    client.force_login(customer)
    body = client.get(reverse("portal:notifications")).content.decode()
    assert "通知0" in body and "别人的" not in body
    client.post(reverse("portal:notification_read", args=[mine[0].pk]))
    mine[0].refresh_from_db()
    mine[1].refresh_from_db()
    assert mine[0].read_at and not mine[1].read_at
    assert client.post(reverse("portal:notification_read", args=[theirs.pk])).status_code == 404
    client.post(reverse("portal:notifications_read_all"))
    mine[1].refresh_from_db()
    theirs.refresh_from_db()
    assert mine[1].read_at and not theirs.read_at
