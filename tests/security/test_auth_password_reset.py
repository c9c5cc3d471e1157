"""Password-reset and invitation links start from SITE_URL, never from the request's Host or
X-Forwarded-Host (else a forged header mails the victim a link to the attacker's site, with the
victim's token in it); staff and superusers cannot reset through the portal, and the reset page
answers every address alike."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.factories import CustomerFactory, StaffFactory
from tests.security.mail_support import UNREACHABLE

SITE = "https://portal.example.cn"
FORGED = {"HTTP_HOST": "evil.example", "HTTP_X_FORWARDED_HOST": "evil.example"}


@pytest.fixture(autouse=True)
def _permissive_hosts(settings):
    """The worst case: a deployment that accepts any Host and trusts X-Forwarded-Host."""
    settings.SITE_URL = SITE
    settings.ALLOWED_HOSTS = ["*"]
    settings.USE_X_FORWARDED_HOST = True


def reset_link(message) -> str:
    links = re.findall(r"\S+/portal/password-reset/\S+/", message.body)
    assert links, message.body
    return links[0]


def test_auth_password_reset_link_ignores_a_forged_host(client, customer):
    response = client.post(reverse("portal:password_reset"), {"email": customer.email}, **FORGED)
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert reset_link(mail.outbox[0]).startswith(f"{SITE}/portal/password-reset/")
    assert "evil.example" not in mail.outbox[0].body


def test_auth_invite_link_ignores_a_forged_host(client, customer):
    client.force_login(customer)
    response = client.post(
        reverse("portal:account"),
        {"full_name": "赵六", "email": "zhaoliu@example.cn", "username": "zhaoliu"},
        **FORGED,
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert reset_link(mail.outbox[0]).startswith(f"{SITE}/portal/password-reset/")
    assert "evil.example" not in mail.outbox[0].body


def test_auth_password_reset_mail_is_in_the_users_language(client, customer):
    customer.language = "en"
    customer.save(update_fields=["language"])
    client.post(reverse("portal:password_reset"), {"email": customer.email})
    assert mail.outbox[0].subject == "Reset your password"


@pytest.mark.parametrize("kind", ["staff", "superuser"])
def test_auth_password_reset_sends_nothing_to_staff_and_answers_as_for_strangers(client, db, kind):
    user = StaffFactory(is_superuser=kind == "superuser", role="Reviewer")
    staff = client.post(reverse("portal:password_reset"), {"email": user.email})
    stranger = client.post(reverse("portal:password_reset"), {"email": "nobody@example.cn"})
    customer = client.post(reverse("portal:password_reset"), {"email": CustomerFactory().email})
    assert len(mail.outbox) == 1 and mail.outbox[0].to != [user.email]
    answers = {(r.status_code, r["Location"]) for r in (staff, stranger, customer)}
    assert answers == {(302, reverse("portal:password_reset_done"))}
    page = client.get(reverse("portal:password_reset_done"))
    assert page.status_code == 200


def test_auth_password_reset_confirm_refuses_a_staff_link(client, db):
    user = StaffFactory(is_superuser=True)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    response = client.get(reverse("portal:password_reset_confirm", args=[uid, token]), follow=True)
    assert response.status_code == 200
    assert not response.context["validlink"]


def test_auth_password_reset_answers_alike_when_the_mail_server_fails(client, customer, settings):
    """A failing mail server would otherwise turn a known address into a 500."""
    settings.EMAIL_BACKEND = UNREACHABLE
    known = client.post(reverse("portal:password_reset"), {"email": customer.email})
    unknown = client.post(reverse("portal:password_reset"), {"email": "nobody@example.cn"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
