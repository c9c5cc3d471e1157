"""The conventions every endpoint follows (SPEC §9): keys and scopes, problem details,
idempotent POSTs, rate limits, languages, unknown URLs, the schema and its docs page."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.utils import timezone
from redis import Redis

from reviewportal.models import AccountRole, ApiKey
from reviewportal.services.api_keys import api_key_create, api_key_revoke
from signatures.models import SignatureApplication
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/signatures"


def _body(qualification, **extra):
    return {
        "qualification": qualification.public_id,
        "type": "company",
        "content": "和讯华谷",
        **extra,
    }


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Basic dXNlcjpwYXNz", "Bearer rpk_nothing", "Bearer rpk_abcdefghijkm_wrong"],
)
def test_requests_without_a_valid_key_are_401_with_www_authenticate(db, header):
    client = client_for(None)
    response = client.get(URL, HTTP_AUTHORIZATION=header) if header else client.get(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401


def test_a_revoked_key_is_401_revoked(customer, write_key):
    key, token = write_key
    api_key_revoke(user=customer, key=key)
    response = client_for(token).get(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["code"] == "revoked_key"


def test_an_expired_key_is_401_expired(customer, _fixed_clock):
    _key, token = api_key_create(
        user=customer, name="short", expires_at=timezone.now() + timedelta(hours=1)
    )
    _fixed_clock.shift(timedelta(hours=2))
    response = client_for(token).get(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["code"] == "expired_key"


def test_a_key_stops_when_its_creator_loses_the_admin_role(customer, write_key):
    customer.account_role = AccountRole.MEMBER
    customer.save()
    response = client_for(write_key[1]).get(URL)
    assert response.status_code == 401
    assert response.json()["code"] == "inactive_key"


def test_a_read_key_may_read_but_not_write(read_api, approved_qualification):
    assert read_api.get(URL).status_code == 200
    response = read_api.post(URL, _body(approved_qualification), format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "scope_refused"
    assert not SignatureApplication.objects.exists()


def test_a_key_outside_its_allow_list_is_refused(customer):
    _key, token = api_key_create(user=customer, name="office", allowed_networks=["203.0.113.0/24"])
    assert client_for(token).get(URL).status_code == 401
    assert client_for(token).get(URL, REMOTE_ADDR="203.0.113.9").status_code == 200


def test_idempotent_post_replays_the_same_answer_and_creates_once(api, approved_qualification):
    body = _body(approved_qualification)
    first = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="order-1")
    again = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="order-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert SignatureApplication.objects.count() == 1


def test_idempotency_key_with_another_body_is_422(api, approved_qualification):
    api.post(URL, _body(approved_qualification), format="json", HTTP_IDEMPOTENCY_KEY="k")
    other = api.post(
        URL, _body(approved_qualification, content="极光"), format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert SignatureApplication.objects.count() == 1


def test_idempotent_refusal_is_replayed_too(api, approved_qualification):
    body = _body(approved_qualification, colour="red")
    first = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="bad")
    again = api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="bad")
    assert first.status_code == again.status_code == 422
    assert again.json() == first.json()


def test_idempotency_keys_are_per_api_key(api, other_api, approved_qualification, other_customer):
    api.post(URL, _body(approved_qualification), format="json", HTTP_IDEMPOTENCY_KEY="same")
    replay = other_api.post(
        URL, _body(approved_qualification), format="json", HTTP_IDEMPOTENCY_KEY="same"
    )
    # Not the first account's answer: their own request, refused (the qualification is not theirs).
    assert replay.status_code == 422
    assert "Idempotent-Replayed" not in replay


def test_rate_limit_answers_429_with_retry_after(api, settings):
    settings.API_POLICY = {**settings.API_POLICY, "RATE_PER_MINUTE": 3}
    answers = [api.get(URL) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0]["RateLimit-Limit"] == "3"
    assert answers[2]["RateLimit-Remaining"] == "0"
    limited = answers[3]
    assert 1 <= int(limited["Retry-After"]) <= 61
    assert limited.json()["code"] == "rate_limited"


def test_rate_limits_are_counted_per_key(api, read_api, settings):
    settings.API_POLICY = {**settings.API_POLICY, "RATE_PER_MINUTE": 1}
    assert api.get(URL).status_code == 200
    assert api.get(URL).status_code == 429
    assert read_api.get(URL).status_code == 200


@pytest.mark.services
def test_rate_limit_on_redis_answers_429_with_retry_after_and_is_shared(api, write_key, settings):
    """Counted in Redis (the cache when REDIS_URL is set), so every web node sees the count.
    (Rate counts are per key and every test makes its own: no test clears the cache, which on
    Redis would empty it under the tests of the other processes too.)"""
    assert isinstance(caches["default"], RedisCache), settings.CACHES
    settings.API_POLICY = {**settings.API_POLICY, "RATE_PER_MINUTE": 3}
    answers = [api.get(URL) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a["RateLimit-Remaining"] for a in answers[:3]] == ["2", "1", "0"]
    limited = answers[3]
    assert 1 <= int(limited["Retry-After"]) <= 61
    assert limited["Content-Type"] == "application/problem+json"
    assert limited.json()["code"] == "rate_limited"
    # The count as another node reads it: straight from Redis, with its expiry.
    redis = Redis.from_url(os.environ["REDIS_URL"])
    (name,) = redis.keys(f"*api-rate:{write_key[0].key_id}:*")
    assert int(redis.get(name)) == 4
    assert 0 < redis.ttl(name) <= 120


@pytest.mark.parametrize(
    ("header", "language", "title"),
    [
        ("", "zh-hans", "未找到"),
        ("en", "en", "Not found"),
        ("en-US,en;q=0.9", "en", "Not found"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-hans", "未找到"),
        ("fr", "zh-hans", "未找到"),
    ],
)
def test_accept_language_chooses_the_language(api, header, language, title):
    response = api.get(f"{URL}/SIGNOTHING", HTTP_ACCEPT_LANGUAGE=header)
    assert response.status_code == 404
    assert response["Content-Language"] == language
    assert response.json()["title"] == title


def test_unknown_endpoint_is_a_404_problem(api):
    response = api.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"


def test_schema_is_openapi_3_1_and_public(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.1")
    assert "/api/v1/signatures" in schema["paths"]
    assert schema["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"


def test_docs_page_loads_its_scripts_from_this_site(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/redoc" in html
    assert "cdn." not in html


def test_the_key_secret_is_never_stored(write_key):
    key, token = write_key
    stored = ApiKey.objects.filter(pk=key.pk).values().get()
    assert token.split("_", 2)[2] not in str(stored)


def test_the_idempotency_fingerprint_is_keyed_so_it_reveals_nothing_of_the_body(settings):
    """A plain hash of a body holding an ID number could be reversed by trying every number;
    the stored fingerprint is an HMAC keyed by SECRET_KEY."""
    from rest_framework.parsers import JSONParser
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from api.base import _fingerprint

    def fingerprint():
        raw = APIRequestFactory().post(
            "/api/v1/qualifications", {"legal_rep_id_number": "11010519491231002X"}, format="json"
        )
        return _fingerprint(Request(raw, parsers=[JSONParser()]))

    first = fingerprint()
    assert first == fingerprint()
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert fingerprint() != first
