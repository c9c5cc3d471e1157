from __future__ import annotations

import re

import pytest
from rest_framework.test import APIClient

from reviewportal.services.api_keys import api_key_create
from tests.states import walk_to

#: A public id of a reviewable object in a text (``reviewportal.identifiers``).
PUBLIC_ID = re.compile(r"(?<![0-9A-Z])(?:QUA|SIG|TPL)[0-9A-Z]{10}(?![0-9A-Z])")


def client_for(token: str | None) -> APIClient:
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def write_key(customer):
    return api_key_create(user=customer, name="deploy", scope="write")


@pytest.fixture
def api(write_key) -> APIClient:
    """A client with a read and write key of ``customer``'s account (its owner)."""
    return client_for(write_key[1])


@pytest.fixture
def read_api(customer) -> APIClient:
    return client_for(api_key_create(user=customer, name="dashboard", scope="read")[1])


@pytest.fixture
def other_api(other_customer) -> APIClient:
    return client_for(api_key_create(user=other_customer, name="theirs", scope="write")[1])


@pytest.fixture
def approved_signature(signature, customer, reviewer):
    """``customer``'s signature, approved: templates may be applied for under it."""
    return walk_to(signature, "approved", customer=customer, reviewer=reviewer, senior=None)


def template_body(signature, **extra) -> dict:
    """The body of a template application under ``signature``."""
    return {
        "signature": signature.public_id,
        "name": "登录验证码",
        "content": "您的验证码为${code}，5分钟内有效，请勿泄露。",
        "kind": "verification",
        **extra,
    }
