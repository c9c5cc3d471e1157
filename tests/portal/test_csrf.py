"""Posts without a CSRF token are refused and change nothing."""

import pytest
from django.test import Client
from django.urls import reverse

from reviewportal.models import Account, UrgentTicket
from signatures.models import SignatureApplication


@pytest.fixture
def csrf_client(customer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    return client


def test_posts_without_csrf_token_are_refused(csrf_client, world):
    s, t, q = world["signature"], world["template"], world["qualification"]
    urls = [
        reverse("portal:account"),
        reverse("portal:notifications_read_all"),
        reverse("signatures:qualification_create"),
        reverse("signatures:qualification_withdraw", args=[q.public_id]),
        reverse("signatures:signature_create"),
        reverse("signatures:signature_withdraw", args=[s.public_id]),
        reverse("templates:template_urgent", args=[t.public_id]),
        reverse("templates:template_withdraw", args=[t.public_id]),
        reverse("templates:template_create"),
    ]
    before = (SignatureApplication.objects.count(), UrgentTicket.objects.count())
    for url in urls:
        assert csrf_client.post(url, {"reason": "急"}).status_code == 403, url
    assert before == (SignatureApplication.objects.count(), UrgentTicket.objects.count())
    world["template"].refresh_from_db()
    assert world["template"].state == "rejected"


def test_signup_and_login_without_csrf_token_are_refused(db):
    client = Client(enforce_csrf_checks=True)
    data = {
        "company_name": "新公司",
        "full_name": "王五",
        "email": "w@example.cn",
        "username": "wangwu",
        "password1": "Long-enough-2026",
        "password2": "Long-enough-2026",
    }
    assert client.post(reverse("portal:signup"), data).status_code == 403
    assert (
        client.post(reverse("portal:login"), {"username": "x", "password": "y"}).status_code == 403
    )
    assert not Account.objects.filter(name="新公司").exists()


def test_posts_with_the_token_are_accepted(csrf_client, world):
    csrf_client.get(reverse("portal:notifications"))
    token = csrf_client.cookies["csrftoken"].value
    response = csrf_client.post(
        reverse("portal:notifications_read_all"), {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
