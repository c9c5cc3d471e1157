"""While the database or Redis cannot be reached, requests answer 503 with Retry-After and the
bilingual page, never the 500 page and never a traceback; other errors stay 500s."""

from __future__ import annotations

import logging

import pytest
from django import db
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def failing_urls(settings):
    settings.ROOT_URLCONF = "tests.reviewportal.unavailable_urls"


@pytest.fixture
def anonymous():
    return Client(raise_request_exception=False)


def _is_unavailable(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert "服务暂时不可用" in body and "try again in a few seconds" in body
    assert "Traceback" not in body and "OperationalError" not in body


@pytest.mark.parametrize(
    ("url", "service"), [("/test/database-gone/", "database"), ("/test/redis-gone/", "Redis")]
)
def test_a_view_whose_service_went_away_answers_503(failing_urls, anonymous, caplog, url, service):
    with caplog.at_level(logging.WARNING, logger="reviewportal.unavailable"):
        response = anonymous.get(url)
    _is_unavailable(response)
    (record,) = [r for r in caplog.records if r.name == "reviewportal.unavailable"]
    assert record.getMessage().startswith(f"503 for GET {url}: {service} unavailable")


def test_a_bug_is_still_the_500_page(failing_urls, anonymous):
    response = anonymous.get("/test/bug/")
    assert response.status_code == 500
    assert "服务暂时出错" in response.content.decode()


def test_the_api_answers_problem_details_for_a_service_gone_and_for_a_bug(
    failing_urls, anonymous, caplog
):
    with caplog.at_level(logging.WARNING, logger="reviewportal.unavailable"):
        gone = anonymous.get("/api/test/database-gone/", HTTP_ACCEPT_LANGUAGE="en")
    assert gone.status_code == 503 and gone["Retry-After"] == "5"
    assert gone["Content-Type"] == "application/problem+json"
    assert gone.json()["code"] == "service_unavailable"
    assert "Try again shortly" in gone.json()["detail"] and gone["Content-Language"] == "en"
    bug = anonymous.get("/api/test/bug/")
    assert bug.status_code == 500 and bug["Content-Type"] == "application/problem+json"
    assert bug.json()["code"] == "server_error" and bug["Content-Language"] == "zh-hans"
    assert bug.json()["title"] == "服务器错误"
    assert "a bug" not in bug.content.decode() and "Traceback" not in bug.content.decode()


def test_the_session_unreadable_in_a_middleware_answers_503(customer, monkeypatch, caplog):
    """The database goes away before any view runs: reading the session for the language
    middleware fails, and ``handler500`` turns it into the 503."""
    client = Client(raise_request_exception=False)
    client.force_login(customer)

    def gone(self):
        raise db.OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(SessionStore, "load", gone)
    with caplog.at_level(logging.WARNING):
        _is_unavailable(client.get("/portal/"))
    # One line of ours, not Django's "Internal Server Error" with a traceback.
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == [
        "503 for GET /portal/: database unavailable (OperationalError)"
    ]
