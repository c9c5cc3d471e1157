"""The portal's webhook pages: owners and admins list, add (secret shown once), edit, disable,
enable, rotate, ping and delete endpoints, and read and re-send deliveries; members and
read-only users get the 403 page and no link; another account's ids answer 404; refusals of
the address guard are form errors."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviewportal.models import AccountRole, FormSubmission
from tests.factories import CustomerFactory
from tests.webhooks.conftest import receiver_serving
from webhooks.models import (
    EVENT_TYPES,
    DeliveryState,
    DisabledReason,
    WebhookDelivery,
    WebhookEndpoint,
)
from webhooks.services import (
    deliveries_send,
    endpoint_create,
    endpoint_disable,
    endpoint_ping,
)

pytestmark = pytest.mark.django_db

R = AccountRole
LIST = reverse("portal:webhooks")
URL = "https://93.184.216.34/hooks"
SECRET = re.compile(r"whsec_[A-Za-z0-9+/=]{40,}")


def logged_in(client, user):
    client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def people(account, customer):
    return {
        R.OWNER: customer,
        R.ADMIN: CustomerFactory(account=account, account_role=R.ADMIN),
        R.MEMBER: CustomerFactory(account=account, account_role=R.MEMBER),
        R.VIEWER: CustomerFactory(account=account, account_role=R.VIEWER),
    }


@pytest.fixture
def endpoint(customer):
    return endpoint_create(
        user=customer, url=URL, event_types=["signature.approved"], description="ERP 同步"
    )[0]


@pytest.fixture
def delivery(customer, endpoint):
    return endpoint_ping(user=customer, endpoint=endpoint)


def pages(endpoint, delivery) -> dict[str, str]:
    """Every page and action of an existing endpoint or delivery."""
    eid, did = endpoint.public_id, delivery.public_id
    return {
        "endpoint": reverse("portal:webhook_endpoint", args=[eid]),
        "edit": reverse("portal:webhook_edit", args=[eid]),
        "enable": reverse("portal:webhook_enable", args=[eid]),
        "disable": reverse("portal:webhook_disable", args=[eid]),
        "ping": reverse("portal:webhook_ping", args=[eid]),
        "rotate": reverse("portal:webhook_rotate", args=[eid]),
        "delete": reverse("portal:webhook_delete", args=[eid]),
        "delivery": reverse("portal:webhook_delivery", args=[did]),
        "resend": reverse("portal:webhook_resend", args=[did]),
    }


POST_ONLY = {"enable", "disable", "ping", "rotate", "resend"}


def _unchanged(endpoint) -> tuple:
    endpoint.refresh_from_db()
    return (endpoint.url, endpoint.description, endpoint.is_active, endpoint.signing_secret)


# --- who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [R.OWNER, R.ADMIN])
def test_webhooks_page_for_managers_lists_endpoints_and_links_from_the_nav(
    client, people, endpoint, role
):
    response = logged_in(client, people[role]).get(LIST)
    assert response.status_code == 200
    page = text(response)
    assert URL in page and "ERP 同步" in page and "signature.approved" in page
    assert 'data-testid="nav-webhooks"' in page
    assert endpoint.signing_secret not in page


@pytest.mark.parametrize("role", [R.MEMBER, R.VIEWER])
def test_webhook_pages_for_others_are_403_and_change_nothing(
    client, people, endpoint, delivery, role
):
    before = _unchanged(endpoint)
    logged_in(client, people[role])
    response = client.get(LIST)
    assert response.status_code == 403
    assert "只有账号的所有者和管理员" in text(response) and URL not in text(response)
    assert client.post(LIST, {"url": "https://93.184.216.35/"}).status_code == 403
    for name, url in pages(endpoint, delivery).items():
        if name not in POST_ONLY:
            assert client.get(url).status_code == 403, name
        assert client.post(url, {"url": "https://93.184.216.35/"}).status_code == 403, name
    assert _unchanged(endpoint) == before
    assert WebhookEndpoint.objects.count() == 1 and WebhookDelivery.objects.count() == 1
    assert 'data-testid="nav-webhooks"' not in text(client.get(reverse("portal:account")))


def test_another_accounts_endpoints_and_deliveries_are_404(
    client, endpoint, delivery, other_customer
):
    before = _unchanged(endpoint)
    logged_in(client, other_customer)
    for name, url in pages(endpoint, delivery).items():
        if name not in POST_ONLY:
            assert client.get(url).status_code == 404, name
        assert client.post(url).status_code == 404, name
    assert _unchanged(endpoint) == before
    assert URL not in text(client.get(LIST))
    assert WebhookDelivery.objects.get().attempts == 0


def test_actions_answer_only_post(client, customer, endpoint, delivery):
    logged_in(client, customer)
    for name in POST_ONLY:
        assert client.get(pages(endpoint, delivery)[name]).status_code == 405, name


# --- adding -------------------------------------------------------------------------------------


def test_add_shows_the_secret_once_with_no_store(client, people):
    logged_in(client, people[R.ADMIN])
    token = str(client.get(LIST).context["form_token"])
    data = {
        "url": URL,
        "event_types": ["signature.approved", "filing.updated"],
        "description": "ERP 同步",
        "form_token": token,
    }
    response = client.post(LIST, data)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    endpoint = WebhookEndpoint.objects.get()
    (shown,) = set(SECRET.findall(text(response)))
    assert shown == endpoint.signing_secret
    assert endpoint.event_types == ["signature.approved", "filing.updated"]
    assert endpoint.created_by == people[R.ADMIN]
    detail = reverse("portal:webhook_endpoint", args=[endpoint.public_id])
    assert shown not in str(dict(client.session))
    for url in (LIST, detail):
        assert shown not in text(client.get(url))
    assert not FormSubmission.objects.filter(result_url__contains="whsec").exists()
    # Sent again: no second endpoint, and the answer is its page (no secret).
    again = client.post(LIST, data)
    assert again.status_code == 302 and again["Location"] == detail
    assert WebhookEndpoint.objects.count() == 1


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("https://127.0.0.1/hooks", "127.0.0.1"),
        ("https://192.168.0.10/hooks", "192.168.0.10"),
        ("https://169.254.169.254/latest", "169.254.169.254"),
        ("http://93.184.216.34/hooks", "https://"),
        ("not a url", ""),
        ("", ""),
    ],
)
def test_add_refusals_of_the_url_are_form_errors(client, customer, url, words):
    response = logged_in(client, customer).post(LIST, {"url": url})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["url"]
    assert words in " ".join(errors["url"])
    assert not WebhookEndpoint.objects.exists()
    assert not SECRET.search(text(response))


def test_add_to_loopback_is_allowed_when_the_setting_allows_it(client, customer, settings):
    settings.WEBHOOK_POLICY = {**settings.WEBHOOK_POLICY, "ALLOW_PRIVATE_ADDRESSES": True}
    response = logged_in(client, customer).post(LIST, {"url": "http://127.0.0.1:9/hooks"})
    assert response.status_code == 200 and SECRET.search(text(response))


def test_add_refuses_an_unknown_event_type(client, customer):
    data = {"url": URL, "event_types": ["signature.approved", "signature.exploded"]}
    response = logged_in(client, customer).post(LIST, data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["event_types"]
    assert not WebhookEndpoint.objects.exists()


def test_add_offers_every_event_type_of_the_catalogue_with_its_meaning(client, customer):
    response = logged_in(client, customer).get(LIST)
    choices = response.context["form"].fields["event_types"].choices
    assert [value for value, _label in choices] == list(EVENT_TYPES)
    assert "签名审核通过" in text(response)


# --- one endpoint -------------------------------------------------------------------------------


def test_endpoint_page_shows_its_settings_actions_and_deliveries(client, customer, delivery):
    endpoint = delivery.endpoint
    response = logged_in(client, customer).get(pages(endpoint, delivery)["endpoint"])
    assert response.status_code == 200
    page = text(response)
    for testid in ("ping", "edit", "disable", "rotate", "delete"):
        assert f'data-testid="{testid}"' in page
    assert delivery.public_id in page and "等待发送" in page
    assert endpoint.signing_secret not in page


def test_endpoint_page_filters_deliveries_by_status(client, customer, delivery):
    url = pages(delivery.endpoint, delivery)["endpoint"]
    logged_in(client, customer)
    assert list(client.get(url, {"status": "pending"}).context["page"]) == [delivery]
    assert list(client.get(url, {"status": "failed"}).context["page"]) == []
    assert list(client.get(url, {"status": "nonsense"}).context["page"]) == [delivery]


def test_edit_changes_the_endpoint(client, customer, endpoint, delivery):
    url = pages(endpoint, delivery)["edit"]
    logged_in(client, customer)
    form = client.get(url).context["form"]
    assert form.initial["url"] == URL
    data = {"url": "https://93.184.216.35/new", "event_types": [], "description": ""}
    response = client.post(url, data)
    assert (
        response.status_code == 302
        and response["Location"] == pages(endpoint, delivery)["endpoint"]
    )
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.event_types, endpoint.description) == (data["url"], [], "")


def test_edit_refuses_a_private_address_on_the_field(client, customer, endpoint, delivery):
    response = logged_in(client, customer).post(
        pages(endpoint, delivery)["edit"], {"url": "https://10.0.0.8/"}
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["url"]
    endpoint.refresh_from_db()
    assert endpoint.url == URL


def test_disable_and_enable(client, customer, endpoint, delivery):
    urls = pages(endpoint, delivery)
    logged_in(client, customer)
    response = client.post(urls["disable"], follow=True)
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_reason == DisabledReason.BY_USER
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    page = text(response)
    assert 'data-testid="enable"' in page and 'data-testid="ping"' not in page
    assert "由账号的用户停用" in page
    client.post(urls["enable"])
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.disabled_reason == ""


def test_the_list_says_why_an_endpoint_is_disabled_and_its_last_delivery(
    client, customer, endpoint, delivery
):
    endpoint_disable(user=customer, endpoint=endpoint)
    page = text(logged_in(client, customer).get(LIST))
    assert "已停用" in page and "由账号的用户停用" in page
    assert reverse("portal:webhook_delivery", args=[delivery.public_id]) in page
    assert "等待发送" in page


def test_ping_makes_a_delivery_listed_on_the_page(client, customer, endpoint, delivery):
    response = logged_in(client, customer).post(pages(endpoint, delivery)["ping"], follow=True)
    assert WebhookDelivery.objects.filter(endpoint=endpoint, event__type="ping").count() == 2
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    assert len(response.context["page"].object_list) == 2


def test_ping_of_a_disabled_endpoint_is_a_message(client, customer, endpoint, delivery):
    endpoint_disable(user=customer, endpoint=endpoint)
    response = logged_in(client, customer).post(pages(endpoint, delivery)["ping"], follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert WebhookDelivery.objects.count() == 1


def test_rotate_shows_the_new_secret_once_and_the_old_one_keeps_signing(
    client, customer, endpoint, delivery
):
    old = endpoint.signing_secret
    response = logged_in(client, customer).post(
        pages(endpoint, delivery)["rotate"], {"form_token": "rotate-1"}
    )
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    endpoint.refresh_from_db()
    (shown,) = set(SECRET.findall(text(response)))
    assert shown == endpoint.signing_secret != old
    assert endpoint.signing_secrets() == [shown, old]
    assert 'data-testid="previous-secret"' in text(response)
    again = client.post(pages(endpoint, delivery)["rotate"], {"form_token": "rotate-1"})
    assert again.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.signing_secret == shown


def test_delete_asks_then_deletes(client, customer, endpoint, delivery):
    url = pages(endpoint, delivery)["delete"]
    logged_in(client, customer)
    confirm = client.get(url)
    assert confirm.status_code == 200 and 'data-testid="confirm-delete"' in text(confirm)
    assert WebhookEndpoint.objects.exists()
    response = client.post(url, {"form_token": "delete-1"})
    assert response.status_code == 302 and response["Location"] == LIST
    assert not WebhookEndpoint.objects.exists() and not WebhookDelivery.objects.exists()
    # The confirmation sent again (a double click) leads to the list too.
    again = client.post(url, {"form_token": "delete-1"})
    assert again.status_code == 302 and again["Location"] == LIST


# --- deliveries ---------------------------------------------------------------------------------


@pytest.fixture
def answered(customer, settings):
    """A ping delivered to a real receiver on 127.0.0.1 that answered 500: its attempt."""
    settings.WEBHOOK_POLICY = {**settings.WEBHOOK_POLICY, "ALLOW_PRIVATE_ADDRESSES": True}
    with receiver_serving() as receiver:
        endpoint, secret = endpoint_create(user=customer, url=receiver.url, event_types=[])
        receiver.secrets.append(secret)
        receiver.answer = lambda n: (500, {})
        delivery = endpoint_ping(user=customer, endpoint=endpoint)
        deliveries_send(delivery_ids=[delivery.pk])
        yield delivery


def test_delivery_page_shows_attempts_and_the_body(client, customer, answered):
    response = logged_in(client, customer).get(
        reverse("portal:webhook_delivery", args=[answered.public_id])
    )
    assert response.status_code == 200
    page = text(response)
    assert 'data-attempt="1"' in page and "HTTP 500" in page
    assert answered.event.public_id in page
    assert 'data-testid="resend"' in page


def test_resend_starts_the_schedule_again(client, customer, answered):
    url = reverse("portal:webhook_resend", args=[answered.public_id])
    response = logged_in(client, customer).post(url, follow=True)
    answered.refresh_from_db()
    assert (answered.state, answered.attempts) == (DeliveryState.PENDING, 0)
    assert [m.level_tag for m in response.context["messages"]] == ["success"]


def test_resend_to_a_disabled_endpoint_is_a_message(client, customer, delivery):
    endpoint_disable(user=customer, endpoint=delivery.endpoint)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.FAILED)
    url = reverse("portal:webhook_resend", args=[delivery.public_id])
    response = logged_in(client, customer).post(url, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED


def test_the_list_reads_a_fixed_number_of_queries(client, customer):
    logged_in(client, customer)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST).status_code == 200
        return len(queries)

    endpoint_ping(
        user=customer, endpoint=endpoint_create(user=customer, url=URL, event_types=[])[0]
    )
    one = count()
    for _ in range(2):
        endpoint_ping(
            user=customer, endpoint=endpoint_create(user=customer, url=URL, event_types=[])[0]
        )
    assert count() == one


def test_the_endpoint_page_reads_a_fixed_number_of_queries(client, customer, endpoint):
    url = reverse("portal:webhook_endpoint", args=[endpoint.public_id])
    logged_in(client, customer)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    endpoint_ping(user=customer, endpoint=endpoint)
    one = count()
    for _ in range(2):
        endpoint_ping(user=customer, endpoint=endpoint)
    assert count() == one
