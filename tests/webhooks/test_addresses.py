"""The address guard: with ALLOW_PRIVATE_ADDRESSES off (every real installation), no endpoint
may point at loopback, private, link-local or other reserved addresses, nor use plain http;
and a delivery is checked again, on the addresses resolved then, before each attempt."""

from __future__ import annotations

import socket

import pytest
from django.core.exceptions import ValidationError

from webhooks.addresses import AddressRefused, target_check
from webhooks.models import DeliveryState, WebhookDelivery
from webhooks.services import deliveries_send, endpoint_create, endpoint_ping

pytestmark = pytest.mark.django_db


@pytest.fixture
def guard_on(settings):
    settings.WEBHOOK_POLICY = {**settings.WEBHOOK_POLICY, "ALLOW_PRIVATE_ADDRESSES": False}


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://127.8.9.10:8443/hook",
        "https://10.1.2.3/hook",
        "https://172.16.0.9/hook",
        "https://192.168.1.1/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://[fe80::1]/hook",
        "https://[fc00::5]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://0.0.0.0/hook",
        "https://224.0.0.1/hook",
        "https://100.64.0.1/hook",
        "https://localhost/hook",
    ],
)
def test_private_and_reserved_addresses_are_refused(customer, guard_on, url):
    with pytest.raises(ValidationError) as refused:
        endpoint_create(user=customer, url=url, event_types=[])
    assert "not sent to" in str(refused.value.message_dict["url"])


def test_a_name_that_resolves_to_loopback_is_refused(guard_on, monkeypatch):
    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        if host == "rebind.example.com":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 443))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with pytest.raises(AddressRefused):
        target_check("https://rebind.example.com/hook")


def test_plain_http_is_refused(customer, guard_on):
    with pytest.raises(ValidationError) as refused:
        endpoint_create(user=customer, url="http://93.184.216.34/hook", event_types=[])
    assert "https" in str(refused.value.message_dict["url"])


def test_a_public_address_over_https_is_accepted(guard_on):
    target = target_check("https://93.184.216.34:8443/hook?x=1")
    assert target.addresses == ("93.184.216.34",) and target.port == 8443


def test_an_attempt_checks_again_and_sends_nothing_to_a_refused_address(
    endpoint_for, customer, receiver, settings
):
    endpoint = endpoint_for(customer)  # saved while the test setting allowed loopback
    settings.WEBHOOK_POLICY = {**settings.WEBHOOK_POLICY, "ALLOW_PRIVATE_ADDRESSES": False}
    delivery = endpoint_ping(user=customer, endpoint=endpoint)
    deliveries_send(delivery_ids=[delivery.pk])
    delivery = WebhookDelivery.objects.get(pk=delivery.pk)
    assert receiver.requests == 0
    assert delivery.state == DeliveryState.PENDING and delivery.last_status_code is None
    assert "https" in delivery.last_error or "not sent to" in delivery.last_error
