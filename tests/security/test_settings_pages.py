"""What every response carries (CSP), our own error pages, and /health/ for strangers."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.urls import include, path

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("a bug")


def _fine(request):
    return HttpResponse("fine")


urlpatterns = [path("boom/", _boom), path("fine/", _fine), path("", include("reviewportal.urls"))]


@pytest.mark.parametrize("url", ["/portal/login/", "/admin/login/", "/nope/"])
def test_every_page_has_a_content_security_policy(client, url):
    policy = client.get(url)["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy


def test_unknown_address_gets_our_404_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "页面不存在" in body and "This page does not exist" in body
    assert "Traceback" not in body and "urlpatterns" not in body


def test_a_bug_gets_our_500_page_without_details(client, settings):
    settings.ROOT_URLCONF = __name__
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "服务暂时出错" in body
    assert "RuntimeError" not in body and "a bug" not in body


def test_health_tells_anonymous_callers_the_status_only(client, time_machine):
    time_machine.move_to("2026-06-01T10:00:00+08:00", tick=False)
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_health_tells_anonymous_callers_a_warning_as_status_only(client, time_machine):
    # From November without next year's calendar the calendar check warns: a stranger learns
    # that something wants attention, not what.
    time_machine.move_to("2026-11-23T10:00:00+08:00", tick=False)
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "warn"}


def test_health_details_for_staff(client, reviewer):
    client.force_login(reviewer)
    body = client.get("/health/").json()
    assert {"database", "broker", "storage", "calendar"} <= set(body["checks"])


def test_health_details_with_the_monitor_token_only(client, settings):
    settings.HEALTH_TOKEN = "right-token"
    wrong = client.get("/health/", HTTP_AUTHORIZATION="Bearer wrong-token").json()
    assert "checks" not in wrong
    odd = client.get("/health/", HTTP_AUTHORIZATION="Bearer ✗ non-ascii").json()
    assert "checks" not in odd
    right = client.get("/health/", HTTP_AUTHORIZATION="Bearer right-token").json()
    assert right["checks"]["database"]["ok"] is True


def test_health_without_a_token_configured_gives_no_details_to_an_empty_bearer(client, settings):
    settings.HEALTH_TOKEN = ""
    assert "checks" not in client.get("/health/", HTTP_AUTHORIZATION="Bearer ").json()


def test_health_writes_nothing_to_storage(client, tmp_path):
    media = tmp_path / "private-media"
    before = sorted(p for p in media.rglob("*")) if media.exists() else []
    for _ in range(3):
        assert client.get("/health/").status_code == 200
    after = sorted(p for p in media.rglob("*")) if media.exists() else []
    assert after == before
