"""The webhook resources of the API (SPEC §9): endpoints (create with the secret once, read,
change under If-Match, delete, rotate, ping, enable, disable) and deliveries (filtered cursor
lists, attempts, re-send), each scoped to the key's account, write scope for every change, bad
input as problems with pointers."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from api.models import IdempotentRequest
from reviewportal.services.api_keys import api_key_create
from tests.api.conftest import client_for
from tests.factories import CustomerFactory
from tests.webhooks.conftest import receiver_serving
from webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from webhooks.services import deliveries_send, endpoint_create, endpoint_ping

pytestmark = pytest.mark.django_db

ENDPOINTS = "/api/v1/webhook-endpoints"
DELIVERIES = "/api/v1/webhook-deliveries"
# A public address literal: creating needs no DNS, and nothing is sent in these tests unless
# a test starts a receiver.
URL = "https://93.184.216.34/hooks"


def _url(endpoint, action: str = "") -> str:
    return f"{ENDPOINTS}/{endpoint.public_id}" + (f"/{action}" if action else "")


def _create(api, headers=None, **body):
    return api.post(ENDPOINTS, {"url": URL, **body}, format="json", **(headers or {}))


def _errors(response) -> list[tuple[str, str]]:
    return [(e["pointer"], e["code"]) for e in response.json().get("errors", [])]


@pytest.fixture
def endpoint(customer):
    return endpoint_create(user=customer, url=URL, event_types=["signature.approved"])[0]


@pytest.fixture
def delivery(customer, endpoint):
    return endpoint_ping(user=customer, endpoint=endpoint)


@pytest.fixture
def allow_private(settings):
    settings.WEBHOOK_POLICY = {**settings.WEBHOOK_POLICY, "ALLOW_PRIVATE_ADDRESSES": True}


# --- endpoints ------------------------------------------------------------------------------


def test_create_answers_201_with_the_secret_once(api, customer):
    response = _create(api, event_types=["filing.updated", "signature.approved"], description="ERP")
    assert response.status_code == 201
    body = response.json()
    endpoint = WebhookEndpoint.objects.get()
    assert body["id"] == endpoint.public_id and body["id"].startswith("WHK")
    assert body["secret"] == endpoint.signing_secret and body["secret"].startswith("whsec_")
    # The catalogue's order, whatever order was sent.
    assert body["event_types"] == ["signature.approved", "filing.updated"]
    assert (body["url"], body["description"], body["enabled"]) == (URL, "ERP", True)
    assert body["disabled_reason"] is None
    assert response["Location"] == _url(endpoint)
    assert response["ETag"]
    assert endpoint.created_by == customer
    for answer in (api.get(_url(endpoint)), api.get(ENDPOINTS)):
        assert answer.status_code == 200
        assert body["secret"] not in answer.content.decode()
        assert "secret" not in json.dumps(answer.json()).replace("previous_secret_expires_at", "")


def test_create_without_event_types_subscribes_to_all(api):
    response = _create(api)
    assert response.status_code == 201
    assert response.json()["event_types"] == []
    assert WebhookEndpoint.objects.get().wants("template.revoked")


@pytest.mark.parametrize(
    ("url", "pointer"),
    [
        ("https://127.0.0.1/hooks", "#/url"),
        ("https://10.1.2.3/hooks", "#/url"),
        ("https://169.254.169.254/latest/meta-data", "#/url"),
        ("https://[::1]/hooks", "#/url"),
        ("http://93.184.216.34/hooks", "#/url"),
        ("not a url", "#/url"),
        ("ftp://93.184.216.34/", "#/url"),
        ("https://user:pw@93.184.216.34/", "#/url"),
        ("", "#/url"),
    ],
)
def test_create_refuses_private_addresses_and_bad_urls_on_the_url(api, url, pointer):
    response = _create(api, url=url)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "validation_failed"
    assert [p for p, _code in _errors(response)] == [pointer]
    assert not WebhookEndpoint.objects.exists()


def test_create_to_a_loopback_address_is_allowed_when_the_setting_allows_it(api, allow_private):
    response = _create(api, url="http://127.0.0.1:9/hooks")
    assert response.status_code == 201


def test_create_refuses_unknown_event_types_by_position(api):
    response = _create(api, event_types=["signature.approved", "signature.exploded"])
    assert response.status_code == 422
    assert _errors(response) == [("#/event_types/1", "invalid_choice")]
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"url": URL, "event_types": "signature.approved"}, ("#/event_types", "not_a_list")),
        ({"url": URL, "colour": "red"}, ("#/colour", "unknown_field")),
        ({"url": 5}, ("#/url", "invalid")),
        ({"url": URL, "description": "x" * 201}, ("#/description", "max_length")),
        ({}, ("#/url", "required")),
    ],
)
def test_create_refuses_bad_bodies_with_pointers(api, body, expected):
    response = api.post(ENDPOINTS, body, format="json")
    assert response.status_code == 422
    assert _errors(response) == [expected]


def test_create_with_malformed_json_is_400(api):
    response = api.post(ENDPOINTS, '{"url": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_body"
    assert not WebhookEndpoint.objects.exists()


def test_create_stops_at_the_accounts_limit(api, customer, settings):
    settings.WEBHOOK_POLICY = {**settings.WEBHOOK_POLICY, "MAX_ENDPOINTS_PER_ACCOUNT": 1}
    assert _create(api).status_code == 201
    response = _create(api)
    assert response.status_code == 422
    assert _errors(response)[0][0] == "#/"
    assert WebhookEndpoint.objects.count() == 1


def test_idempotent_create_replays_the_secret_but_keeps_it_encrypted(api):
    first = api.post(ENDPOINTS, {"url": URL}, format="json", HTTP_IDEMPOTENCY_KEY="hook-1")
    again = api.post(ENDPOINTS, {"url": URL}, format="json", HTTP_IDEMPOTENCY_KEY="hook-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert again["Location"] == first["Location"]
    assert WebhookEndpoint.objects.count() == 1
    secret = first.json()["secret"]
    (kept,) = IdempotentRequest.objects.values_list("body", flat=True)
    assert secret not in json.dumps(kept)
    other = api.post(
        ENDPOINTS, {"url": URL, "description": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="hook-1"
    )
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"


def test_a_kept_answer_whose_secret_no_key_opens_is_replayed_without_it(api):
    first = api.post(ENDPOINTS, {"url": URL}, format="json", HTTP_IDEMPOTENCY_KEY="hook-2")
    record = IdempotentRequest.objects.get()
    record.body = {**record.body, "secret": {"encrypted": "not-a-token"}}
    record.save()
    again = api.post(ENDPOINTS, {"url": URL}, format="json", HTTP_IDEMPOTENCY_KEY="hook-2")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["secret"] is None
    assert again.json()["id"] == first.json()["id"]


def test_list_is_the_accounts_own_with_updated_since(api, endpoint, other_customer):
    theirs = endpoint_create(user=other_customer, url=URL, event_types=[])[0]
    response = api.get(ENDPOINTS)
    assert [e["id"] for e in response.json()["results"]] == [endpoint.public_id]
    assert theirs.public_id not in response.content.decode()
    later = (timezone.now() + timezone.timedelta(minutes=1)).isoformat()
    assert api.get(ENDPOINTS, {"updated_since": later}).json()["results"] == []
    assert api.get(ENDPOINTS, {"state": "x"}).status_code == 422


def test_patch_needs_if_match_and_refuses_a_stale_one(api, endpoint):
    url = _url(endpoint)
    etag = api.get(url)["ETag"]
    missing = api.patch(url, {"description": "new"}, format="json")
    assert missing.status_code == 428 and missing.json()["code"] == "precondition_required"
    changed = api.patch(url, {"description": "new"}, format="json", HTTP_IF_MATCH=etag)
    assert changed.status_code == 200
    assert changed.json()["description"] == "new" and changed["ETag"] != etag
    stale = api.patch(url, {"description": "newer"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412 and stale.json()["code"] == "precondition_failed"
    endpoint.refresh_from_db()
    assert endpoint.description == "new"


def test_patch_changes_url_and_event_types_and_refuses_bad_ones(api, endpoint):
    url = _url(endpoint)
    etag = api.get(url)["ETag"]
    body = {"url": "https://93.184.216.35/new", "event_types": []}
    changed = api.patch(url, body, format="json", HTTP_IF_MATCH=etag)
    assert changed.status_code == 200
    assert (changed.json()["url"], changed.json()["event_types"]) == (body["url"], [])
    refused = api.patch(
        url, {"url": "https://192.168.1.2/"}, format="json", HTTP_IF_MATCH=changed["ETag"]
    )
    assert refused.status_code == 422 and _errors(refused)[0][0] == "#/url"
    endpoint.refresh_from_db()
    assert endpoint.url == body["url"]


def test_a_disable_after_reading_makes_the_read_etag_stale(api, endpoint):
    etag = api.get(_url(endpoint))["ETag"]
    assert api.post(_url(endpoint, "disable")).status_code == 200
    stale = api.patch(_url(endpoint), {"description": "x"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412


def test_delete_removes_it_with_its_deliveries(api, endpoint, delivery):
    response = api.delete(_url(endpoint))
    assert response.status_code == 204
    assert not WebhookEndpoint.objects.exists() and not WebhookDelivery.objects.exists()
    assert api.get(_url(endpoint)).status_code == 404


def test_delete_with_a_stale_if_match_is_412(api, endpoint):
    response = api.delete(_url(endpoint), HTTP_IF_MATCH='"0000000000000000"')
    assert response.status_code == 412
    assert WebhookEndpoint.objects.exists()


def test_rotate_secret_answers_the_new_one_and_keeps_the_old_a_day(api, endpoint):
    old = endpoint.signing_secret
    response = api.post(_url(endpoint, "rotate-secret"))
    assert response.status_code == 200
    body = response.json()
    endpoint.refresh_from_db()
    assert body["secret"] == endpoint.signing_secret != old
    assert endpoint.signing_secrets() == [body["secret"], old]
    assert body["previous_secret_expires_at"] is not None
    assert old not in response.content.decode()
    assert body["secret"] not in api.get(_url(endpoint)).content.decode()


def test_the_previous_secret_is_shown_as_valid_only_for_a_day(api, endpoint, _fixed_clock):
    api.post(_url(endpoint, "rotate-secret"))
    assert api.get(_url(endpoint)).json()["previous_secret_expires_at"] is not None
    _fixed_clock.shift(timezone.timedelta(hours=25))
    assert api.get(_url(endpoint)).json()["previous_secret_expires_at"] is None


def test_ping_answers_202_with_its_delivery(api, endpoint):
    response = api.post(_url(endpoint, "ping"))
    assert response.status_code == 202
    body = response.json()
    delivery = WebhookDelivery.objects.get()
    assert body["id"] == delivery.public_id and response["Location"].endswith(delivery.public_id)
    # A ping is an object of its own: it never waits for another one.
    assert (body["event_type"], body["object_id"], body["state"]) == (
        "ping",
        delivery.event.public_id,
        "pending",
    )


def test_disable_and_enable(api, endpoint):
    disabled = api.post(_url(endpoint, "disable"))
    assert disabled.status_code == 200
    assert (disabled.json()["enabled"], disabled.json()["disabled_reason"]) == (False, "by_user")
    ping = api.post(_url(endpoint, "ping"))
    assert ping.status_code == 422 and ping.json()["code"] == "endpoint_disabled"
    enabled = api.post(_url(endpoint, "enable"))
    assert enabled.status_code == 200
    assert (enabled.json()["enabled"], enabled.json()["disabled_reason"]) == (True, None)


def test_unknown_query_parameters_are_refused(api, endpoint):
    response = api.get(_url(endpoint), {"expand": "secret"})
    assert response.status_code == 422
    assert _errors(response) == [("#/expand", "unknown_parameter")]


# --- scope, roles and accounts --------------------------------------------------------------


def _writes(endpoint, delivery):
    return [
        ("post", ENDPOINTS, {"url": URL}),
        ("patch", _url(endpoint), {"description": "x"}),
        ("delete", _url(endpoint), None),
        ("post", _url(endpoint, "rotate-secret"), None),
        ("post", _url(endpoint, "ping"), None),
        ("post", _url(endpoint, "disable"), None),
        ("post", _url(endpoint, "enable"), None),
        ("post", f"{DELIVERIES}/{delivery.public_id}/resend", None),
    ]


def test_a_read_key_reads_but_changes_nothing(read_api, endpoint, delivery):
    assert read_api.get(ENDPOINTS).status_code == 200
    assert read_api.get(_url(endpoint)).status_code == 200
    assert read_api.get(DELIVERIES).status_code == 200
    secret = endpoint.signing_secret
    for method, url, body in _writes(endpoint, delivery):
        response = getattr(read_api, method)(url, body, format="json", HTTP_IF_MATCH="*")
        assert response.status_code == 403, (method, url)
        assert response.json()["code"] == "scope_refused"
    endpoint.refresh_from_db()
    assert (endpoint.description, endpoint.signing_secret, endpoint.is_active) == ("", secret, True)
    assert WebhookEndpoint.objects.count() == 1


def test_another_accounts_ids_are_404(other_api, endpoint, delivery):
    assert other_api.get(_url(endpoint)).status_code == 404
    assert other_api.get(f"{DELIVERIES}/{delivery.public_id}").status_code == 404
    assert other_api.get(ENDPOINTS).json()["results"] == []
    assert other_api.get(DELIVERIES).json()["results"] == []
    for method, url, body in _writes(endpoint, delivery)[1:]:
        response = getattr(other_api, method)(url, body, format="json", HTTP_IF_MATCH="*")
        assert response.status_code == 404, (method, url)
        assert response.json()["code"] == "not_found"
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.description == ""
    assert WebhookDelivery.objects.count() == 1


def test_an_admins_write_key_manages_endpoints(account):
    admin = CustomerFactory(account=account, account_role="admin")
    client = client_for(api_key_create(user=admin, name="ops", scope="write")[1])
    assert _create(client).status_code == 201
    assert WebhookEndpoint.objects.get().created_by == admin


def test_errors_follow_accept_language(api):
    response = _create(api, {"HTTP_ACCEPT_LANGUAGE": "en"}, url="https://127.0.0.1/")
    assert "loopback" in response.json()["errors"][0]["detail"]
    chinese = _create(api, url="https://127.0.0.1/")
    assert "loopback" not in chinese.json()["errors"][0]["detail"]


# --- deliveries -----------------------------------------------------------------------------


@pytest.fixture
def sent(customer, allow_private):
    """An endpoint at a real receiver on 127.0.0.1 with one ping delivered (204) and one
    failed (500), the receiver's secrets, and the two deliveries."""
    with receiver_serving() as receiver:
        endpoint, secret = endpoint_create(user=customer, url=receiver.url, event_types=[])
        receiver.secrets.append(secret)
        receiver.answer = lambda n: (204, {}) if n == 1 else (500, {})
        delivered = endpoint_ping(user=customer, endpoint=endpoint)
        deliveries_send(delivery_ids=[delivered.pk])
        failed = endpoint_ping(user=customer, endpoint=endpoint)
        deliveries_send(delivery_ids=[failed.pk])
        yield {"endpoint": endpoint, "delivered": delivered, "failed": failed, "rx": receiver}


def test_delivery_detail_has_the_body_sent_and_every_attempt(api, sent):
    delivered = sent["delivered"]
    response = api.get(f"{DELIVERIES}/{delivered.public_id}")
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "succeeded" and body["last_status_code"] == 204
    assert body["delivered_at"] is not None and body["next_attempt_at"] is None
    assert [(a["number"], a["status_code"], a["succeeded"]) for a in body["attempt_log"]] == [
        (1, 204, True)
    ]
    # The body sent is the one the receiver verified with the secret.
    assert body["payload"] == sent["rx"].accepted[0]
    assert body["event_id"] == delivered.event.public_id
    assert sent["rx"].refused == []


def test_delivery_list_filters_by_endpoint_state_and_event_type(api, sent, customer):
    other = endpoint_create(user=customer, url=URL, event_types=[])[0]
    endpoint_ping(user=customer, endpoint=other)
    mine = sent["endpoint"].public_id

    def ids(**params):
        response = api.get(DELIVERIES, params)
        assert response.status_code == 200, response.json()
        return [d["id"] for d in response.json()["results"]]

    assert len(ids()) == 3
    assert ids(endpoint=mine) == [sent["failed"].public_id, sent["delivered"].public_id]
    assert ids(endpoint=mine, state="succeeded") == [sent["delivered"].public_id]
    # The failed one waits for its next attempt.
    assert set(ids(state="pending")) == {
        WebhookDelivery.objects.get(endpoint=other).public_id,
        sent["failed"].public_id,
    }
    assert ids(state="failed") == []
    assert ids(event_type="ping") and ids(event_type="signature.approved") == []


def test_delivery_list_pages_by_cursor_newest_first(api, sent):
    first = api.get(DELIVERIES, {"page_size": 1}).json()
    assert [d["id"] for d in first["results"]] == [sent["failed"].public_id]
    second = api.get(first["next"]).json()
    assert [d["id"] for d in second["results"]] == [sent["delivered"].public_id]


@pytest.mark.parametrize(
    ("params", "pointer", "code"),
    [
        ({"state": "lost"}, "#/state", "invalid_choice"),
        ({"event_type": "signature.exploded"}, "#/event_type", "invalid_choice"),
        ({"endpoint": "WHKNOTMINE"}, "#/endpoint", "not_found"),
        ({"status": "failed"}, "#/status", "unknown_parameter"),
        ({"page_size": "0"}, "#/page_size", "invalid"),
    ],
)
def test_delivery_list_refuses_bad_filters(api, endpoint, params, pointer, code):
    response = api.get(DELIVERIES, params)
    assert response.status_code == 422
    assert _errors(response) == [(pointer, code)]


def test_delivery_list_does_not_accept_another_accounts_endpoint(other_api, endpoint):
    response = other_api.get(DELIVERIES, {"endpoint": endpoint.public_id})
    assert response.status_code == 422


def test_resend_puts_a_failed_delivery_back_from_the_start(api, sent):
    failed = sent["failed"]
    failed.refresh_from_db()
    assert failed.state == DeliveryState.PENDING and failed.attempts == 1
    response = api.post(f"{DELIVERIES}/{failed.public_id}/resend")
    assert response.status_code == 202
    assert (response.json()["state"], response.json()["attempts"]) == ("pending", 0)
    failed.refresh_from_db()
    assert failed.attempts == 0 and failed.next_attempt_at <= timezone.now()


def test_resend_is_refused_while_it_is_being_sent(api, delivery):
    WebhookDelivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.SENDING)
    response = api.post(f"{DELIVERIES}/{delivery.public_id}/resend")
    assert response.status_code == 422
    assert response.json()["code"] == "delivery_being_sent"


@pytest.mark.parametrize("path", ["/x.%0A", "/WHK.1%0A/ping", "/x.y"])
def test_an_id_no_route_matches_is_a_problem_not_the_portals_page(api, path):
    response = api.get(ENDPOINTS + path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"
