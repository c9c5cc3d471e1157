"""The portal's live check of USCC and resident ID numbers takes the number in a CSRF-protected
POST body, never in a URL (where it would land in access logs and browser history)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from reviewportal.sample_ids import sample_resident_id, sample_uscc
from tests.security.pii_support import field_keys  # noqa: F401

pytestmark = pytest.mark.django_db

URL = "signatures:check_number"


@pytest.fixture
def csrf_client(customer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    client.get(reverse("signatures:qualification_create"))
    return client, client.cookies["csrftoken"].value


def post(client, token, body, content_type="application/json"):
    return client.post(
        reverse(URL),
        json.dumps(body) if content_type == "application/json" else body,
        content_type=content_type,
        headers={"X-CSRFToken": token} if token else {},
    )


def test_live_check_refuses_get(client, customer):
    client.force_login(customer)
    rid = sample_resident_id(6101)
    response = client.get(reverse(URL), {"kind": "resident_id", "value": rid})
    assert response.status_code == 405


def test_live_check_needs_the_csrf_token(csrf_client):
    client, _token = csrf_client
    response = post(client, None, {"kind": "resident_id", "value": sample_resident_id(6102)})
    assert response.status_code == 403


def test_live_check_validates_a_json_body(csrf_client):
    client, token = csrf_client
    rid = sample_resident_id(6103)
    assert post(client, token, {"kind": "resident_id", "value": rid}).json()["valid"]
    bad = rid[:-1] + ("0" if rid[-1] != "0" else "1")
    answer = post(client, token, {"kind": "resident_id", "value": bad}).json()
    assert answer["valid"] is False and answer["message"]
    assert rid not in json.dumps(answer) and bad not in json.dumps(answer)
    assert post(client, token, {"kind": "uscc", "value": sample_uscc(6103)}).json()["valid"]


@pytest.mark.parametrize(
    "body",
    ["not json", "[1, 2]", json.dumps({"kind": "passport", "value": "x"}), json.dumps({"kind": 1})],
)
def test_live_check_bad_body_is_a_400(csrf_client, body):
    client, token = csrf_client
    response = client.post(
        reverse(URL), body, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert response.status_code == 400 and "error" in response.json()


def test_portal_script_posts_the_number():
    from pathlib import Path

    from django.conf import settings

    script = (Path(settings.BASE_DIR) / "static" / "portal" / "portal.js").read_text()
    check = script[script.index("function setupNumberChecks") :]
    check = check[: check.index("\n  }\n")]
    assert 'method: "POST"' in check and "X-CSRFToken" in check
    assert "encodeURIComponent(value)" not in check and '"?kind="' not in check
