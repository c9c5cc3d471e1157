"""Our signatures verified by the ``standardwebhooks`` package, never by our own code."""

from __future__ import annotations

import base64
import time

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from webhooks.signing import secret_new, signed_headers


def test_a_new_secret_is_whsec_and_32_random_bytes():
    secret = secret_new()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert secret != secret_new()


def test_each_of_two_secrets_verifies_and_a_third_does_not():
    old, new, stranger = secret_new(), secret_new(), secret_new()
    body = b'{"type":"ping","data":{"id":"WHK1"}}'
    headers = signed_headers([new, old], msg_id="msg_1", timestamp=int(time.time()), body=body)
    assert headers["webhook-signature"].count("v1,") == 2
    for secret in (old, new):
        assert Webhook(secret).verify(body, headers)["type"] == "ping"
    with pytest.raises(WebhookVerificationError):
        Webhook(stranger).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new).verify(body + b" ", headers)
