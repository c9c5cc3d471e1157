"""Marking notifications read goes back to a page of this site only: ``next`` naming another
site (an open redirect, handy for phishing from a trusted address) falls back to the list."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reviewportal.models import Notification

OFFSITE = [
    "https://evil.example/portal/",
    "//evil.example/portal/",
    "/\\evil.example",
    "\\\\evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    " https://evil.example",
    "http://testserver.evil.example/",
]


@pytest.fixture
def portal_client(client, customer):
    client.force_login(customer)
    return client


@pytest.fixture
def note(customer):
    return Notification.objects.create(
        recipient=customer, account=customer.account, kind="decision", title="通知", body="正文"
    )


@pytest.mark.parametrize("target", OFFSITE)
@pytest.mark.parametrize("which", ["one", "all"])
def test_notifications_read_refuses_an_offsite_next(portal_client, note, target, which):
    url = (
        reverse("portal:notification_read", args=[note.pk])
        if which == "one"
        else reverse("portal:notifications_read_all")
    )
    response = portal_client.post(url, {"next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:notifications")
    note.refresh_from_db()
    assert note.read_at is not None


def test_notifications_read_goes_back_to_a_page_of_the_site(portal_client, note):
    response = portal_client.post(
        reverse("portal:notification_read", args=[note.pk]), {"next": "/portal/?tab=1"}
    )
    assert response["Location"] == "/portal/?tab=1"


def test_notifications_read_over_https_refuses_an_http_next(portal_client, note):
    response = portal_client.post(
        reverse("portal:notification_read", args=[note.pk]),
        {"next": "http://testserver/portal/"},
        secure=True,
    )
    assert response["Location"] == reverse("portal:notifications")
