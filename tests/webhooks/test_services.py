"""The endpoint services the API and the portal call: who may use them (owners and admins of
the object's own account), what they refuse, and what they do."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from reviewportal.errors import NotFoundForUser, PermissionRefused, PreconditionFailed, ReviewError
from reviewportal.models import AccountRole
from reviewportal.services.versions import item_version, version_expected
from tests.factories import CustomerFactory, StaffFactory
from webhooks.models import (
    EVENT_TYPE_LABELS,
    EVENT_TYPES,
    PING_EVENT,
    DeliveryState,
    DisabledReason,
    WebhookDelivery,
    WebhookEndpoint,
)
from webhooks.selectors import (
    deliveries_of_account,
    delivery_of_account,
    endpoint_of_account,
    endpoints_of_account,
    endpoints_with_last_delivery,
)
from webhooks.services import (
    deliveries_send,
    delivery_resend,
    endpoint_create,
    endpoint_delete,
    endpoint_disable,
    endpoint_enable,
    endpoint_ping,
    endpoint_secret_rotate,
    endpoint_update,
)

pytestmark = pytest.mark.django_db

# An address literal: the tests need no DNS.
URL = "https://93.184.216.34/in"


@pytest.fixture
def endpoint(endpoint_for, customer):
    return endpoint_for(customer)


@pytest.fixture
def delivery(endpoint, customer):
    return endpoint_ping(user=customer, endpoint=endpoint)


def _calls(endpoint, delivery):
    """Every service on an existing object, as ``user -> call``."""
    return {
        "update": lambda u: endpoint_update(user=u, endpoint=endpoint, description="x"),
        "delete": lambda u: endpoint_delete(user=u, endpoint=endpoint),
        "enable": lambda u: endpoint_enable(user=u, endpoint=endpoint),
        "disable": lambda u: endpoint_disable(user=u, endpoint=endpoint),
        "rotate": lambda u: endpoint_secret_rotate(user=u, endpoint=endpoint),
        "ping": lambda u: endpoint_ping(user=u, endpoint=endpoint),
        "resend": lambda u: delivery_resend(user=u, delivery=delivery),
    }


SERVICES = ["update", "delete", "enable", "disable", "rotate", "ping", "resend"]


@pytest.mark.parametrize("role", [AccountRole.MEMBER, AccountRole.VIEWER])
@pytest.mark.parametrize("service", SERVICES)
def test_members_and_read_only_users_are_refused(endpoint, delivery, account, role, service):
    user = CustomerFactory(account=account, account_role=role)
    with pytest.raises(PermissionRefused):
        _calls(endpoint, delivery)[service](user)
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk, description="").exists()


@pytest.mark.parametrize("service", SERVICES)
def test_another_accounts_objects_do_not_exist_for_its_users(
    endpoint, delivery, other_customer, service
):
    with pytest.raises(NotFoundForUser):
        _calls(endpoint, delivery)[service](other_customer)
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk, description="").exists()


@pytest.mark.parametrize("role", [AccountRole.MEMBER, AccountRole.VIEWER])
def test_only_managers_create_endpoints(account, allow_private, role):
    user = CustomerFactory(account=account, account_role=role)
    with pytest.raises(PermissionRefused):
        endpoint_create(user=user, url=URL, event_types=[])
    with pytest.raises(ReviewError):
        endpoint_create(user=StaffFactory(role="Support"), url=URL, event_types=[])
    assert not WebhookEndpoint.objects.exists()


def test_an_admin_creates_an_endpoint_and_gets_its_secret_once(account, allow_private):
    admin = CustomerFactory(account=account, account_role=AccountRole.ADMIN)
    endpoint, secret = endpoint_create(
        user=admin, url=URL, event_types=["signature.approved", "filing.updated"]
    )
    assert secret.startswith("whsec_") and 32 <= len(secret) - 6 <= 44
    assert endpoint.account_id == account.pk and endpoint.created_by == admin
    assert endpoint.event_types == ["signature.approved", "filing.updated"]
    stored = WebhookEndpoint.objects.filter(pk=endpoint.pk).values_list("signing_secret", flat=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT signing_secret FROM webhooks_webhookendpoint WHERE id = %s", [endpoint.pk]
        )
        (raw,) = cursor.fetchone()
    assert secret not in raw  # encrypted at rest
    assert list(stored) == [secret]


def test_unknown_event_types_are_refused_by_name(customer, allow_private):
    with pytest.raises(ValidationError) as refused:
        endpoint_create(user=customer, url=URL, event_types=["signature.approved", "sig.nope"])
    assert "sig.nope" in str(refused.value.message_dict["event_types"])
    assert (
        "signature.approved" not in str(refused.value.message_dict["event_types"]).split("Known")[0]
    )


@pytest.mark.parametrize(
    "url", ["", "not a url", "ftp://hooks.example.com/", "https://user:pw@hooks.example.com/"]
)
def test_bad_urls_are_refused_on_the_url_field(customer, allow_private, url):
    with pytest.raises(ValidationError) as refused:
        endpoint_create(user=customer, url=url, event_types=[])
    assert "url" in refused.value.message_dict


def test_update_changes_what_is_given_and_keeps_the_rest(endpoint, customer, receiver):
    updated = endpoint_update(user=customer, endpoint=endpoint, event_types=["filing.updated"])
    assert updated.event_types == ["filing.updated"] and updated.url == receiver.url
    updated = endpoint_update(user=customer, endpoint=endpoint, event_types=[])
    assert updated.event_types == []
    with pytest.raises(ValidationError):
        endpoint_update(user=customer, endpoint=endpoint, url="ftp://x.example.com/")


def test_delete_removes_the_endpoint_and_its_deliveries(endpoint, delivery, customer):
    endpoint_delete(user=customer, endpoint=endpoint)
    assert not WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
    assert not WebhookDelivery.objects.filter(pk=delivery.pk).exists()


def test_enable_brings_back_a_disabled_endpoint_and_sends_what_waited(
    endpoint, customer, receiver, sent_tasks, django_capture_on_commit_callbacks
):
    waiting = endpoint_ping(user=customer, endpoint=endpoint)
    endpoint_disable(user=customer, endpoint=endpoint)
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_reason == DisabledReason.BY_USER
    assert deliveries_send(delivery_ids=[waiting.pk]).skipped == [waiting.pk]
    with pytest.raises(ReviewError):
        endpoint_ping(user=customer, endpoint=endpoint)
    with django_capture_on_commit_callbacks(execute=True):
        endpoint_enable(user=customer, endpoint=endpoint)
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.disabled_reason == "" and endpoint.disabled_at is None
    assert sent_tasks[-1].args == ([waiting.pk],)


def test_resend_sends_a_delivered_event_again_with_the_same_id(
    endpoint, delivery, customer, receiver
):
    deliveries_send(delivery_ids=[delivery.pk])
    resent = delivery_resend(user=customer, delivery=delivery)
    assert resent.state == DeliveryState.PENDING and resent.attempts == 0
    deliveries_send(delivery_ids=[delivery.pk])
    assert [h["webhook-id"] for h in receiver.headers] == [delivery.event.public_id] * 2
    assert list(delivery.attempt_rows.values_list("number", flat=True)) == [1, 2]


def test_resend_is_refused_while_the_delivery_is_being_sent(endpoint, delivery, customer):
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=DeliveryState.SENDING, lease_expires_at=timezone.now()
    )
    with pytest.raises(ReviewError, match="being sent"):
        delivery_resend(user=customer, delivery=delivery)


def test_a_ping_goes_to_that_endpoint_only_whatever_its_event_types(endpoint_for, customer):
    one = endpoint_for(customer, event_types=["filing.updated"])
    endpoint_for(customer)
    delivery = endpoint_ping(user=customer, endpoint=one)
    assert list(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == [one.pk]
    assert delivery.event.type == "ping"


def test_selectors_list_an_accounts_own_newest_first_without_a_query_per_row(
    endpoint_for, customer, other_customer, django_assert_num_queries
):
    mine = endpoint_for(customer)
    theirs = endpoint_for(other_customer)
    first = endpoint_ping(user=customer, endpoint=mine)
    endpoint_ping(user=other_customer, endpoint=theirs)
    second = endpoint_ping(user=customer, endpoint=mine)
    assert list(endpoints_of_account(account_id=customer.account_id)) == [mine]
    with django_assert_num_queries(2):
        rows = list(deliveries_of_account(account_id=customer.account_id, with_attempts=True))
        shown = [
            (d.public_id, d.event.type, d.endpoint.public_id, list(d.attempt_rows.all()))
            for d in rows
        ]
    assert [s[0] for s in shown] == [second.public_id, first.public_id]
    assert deliveries_of_account(account_id=customer.account_id, state="succeeded").count() == 0
    assert deliveries_of_account(account_id=customer.account_id, state="bogus").count() == 0
    assert deliveries_of_account(account_id=customer.account_id, event_type="ping").count() == 2
    assert (
        deliveries_of_account(account_id=customer.account_id, endpoint=theirs.public_id).count()
        == 0
    )
    with pytest.raises(NotFoundForUser):
        endpoint_of_account(account_id=customer.account_id, public_id=theirs.public_id)
    with pytest.raises(NotFoundForUser):
        delivery_of_account(
            account_id=customer.account_id,
            public_id=WebhookDelivery.objects.get(endpoint=theirs).public_id,
        )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"url": 5}, "url"),
        ({"url": ["https://93.184.216.34/"]}, "url"),
        ({"event_types": 7}, "event_types"),
        ({"event_types": "signature.approved"}, "event_types"),
        ({"event_types": {"signature.approved": True}}, "event_types"),
        ({"description": 3}, "description"),
        ({"description": "ERP\nsync"}, "description"),
        ({"description": "ERP\u202esync"}, "description"),
    ],
)
def test_input_of_the_wrong_type_is_a_validation_error_on_its_field(
    customer, allow_private, fields, field
):
    """A caller that sends JSON of the wrong shape is told which field, never a server error."""
    values = {"url": URL, "event_types": [], **fields}
    with pytest.raises(ValidationError) as refused:
        endpoint_create(user=customer, **values)
    assert list(refused.value.message_dict) == [field]
    assert not WebhookEndpoint.objects.exists()


def test_a_change_expecting_an_older_version_is_refused_under_the_lock(endpoint, customer):
    read = item_version(endpoint)
    endpoint_update(user=customer, endpoint=endpoint, description="first")
    with pytest.raises(PreconditionFailed), version_expected(endpoint, read):
        endpoint_update(user=customer, endpoint=endpoint, description="second")
    endpoint.refresh_from_db()
    assert endpoint.description == "first"
    with version_expected(endpoint, item_version(endpoint)):
        endpoint_disable(user=customer, endpoint=endpoint)
    endpoint.refresh_from_db()
    assert not endpoint.is_active and item_version(endpoint) != read


def test_refusals_of_a_disabled_endpoint_have_a_stable_code(endpoint, delivery, customer):
    endpoint_disable(user=customer, endpoint=endpoint)
    for call in (
        lambda: endpoint_ping(user=customer, endpoint=endpoint),
        lambda: delivery_resend(user=customer, delivery=delivery),
    ):
        with pytest.raises(ReviewError) as refused:
            call()
        assert refused.value.code == "endpoint_disabled"


def test_every_event_type_has_a_label():
    assert set(EVENT_TYPE_LABELS) == {*EVENT_TYPES, PING_EVENT}


def test_endpoints_with_last_delivery_name_the_newest_in_one_query(
    endpoint_for, customer, django_assert_num_queries
):
    quiet = endpoint_for(customer)
    busy = endpoint_for(customer)
    endpoint_ping(user=customer, endpoint=busy)
    newest = endpoint_ping(user=customer, endpoint=busy)
    with django_assert_num_queries(1):
        rows = {e.pk: e for e in endpoints_with_last_delivery(account_id=customer.account_id)}
    assert (rows[busy.pk].last_delivery_id, rows[busy.pk].last_delivery_state) == (
        newest.public_id,
        DeliveryState.PENDING,
    )
    assert rows[quiet.pk].last_delivery_id is None and rows[quiet.pk].last_delivery_at is None
