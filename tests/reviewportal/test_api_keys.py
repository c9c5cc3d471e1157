"""API keys of an account (SPEC §9): made and revoked by its owner and admins, the secret shown
once and kept only as a SHA-256 digest, and every request's key checked by
``api_key_authenticate``: its form, its secret, revocation, expiry, its creator still managing
the account, the account active, the IP allow-list; the last use recorded at most once a
minute."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from reviewportal.errors import NotFoundForUser, PermissionRefused
from reviewportal.models import AccountRole, ApiKey, ApiScope
from reviewportal.services.api_keys import (
    MAX_NETWORKS,
    KeyRefused,
    api_key_authenticate,
    api_key_create,
    api_key_revoke,
)
from tests.factories import AccountFactory, CustomerFactory

R = AccountRole


def make(user, **fields):
    fields.setdefault("name", "ERP 同步")
    return api_key_create(user=user, **fields)


def refused(token, *, ip="203.0.113.5", now=None) -> str:
    with pytest.raises(KeyRefused) as refusal:
        api_key_authenticate(token, ip=ip, now=now)
    return refusal.value.code


def fresh(key: ApiKey) -> ApiKey:
    return ApiKey.objects.get(pk=key.pk)


# --- making a key -------------------------------------------------------------------------------


def test_api_key_create_returns_the_secret_once_and_stores_its_digest(customer):
    key, token = make(customer, scope=ApiScope.WRITE)
    prefix, key_id, secret = token.split("_", 2)
    assert (prefix, key_id) == ("rpk", key.key_id)
    assert len(key_id) == 12 and len(secret) >= 43
    stored = fresh(key)
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(list(ApiKey.objects.filter(pk=key.pk).values_list(named=True)))
    assert (stored.account_id, stored.created_by, stored.scope) == (
        customer.account_id,
        customer,
        ApiScope.WRITE,
    )
    assert stored.prefix == f"rpk_{key_id}_…" and secret not in stored.prefix
    assert stored.may_write


def test_api_key_create_makes_a_new_secret_each_time(customer):
    (first, one), (second, two) = make(customer), make(customer)
    assert first.key_id != second.key_id and one != two
    assert first.secret_hash != second.secret_hash


def test_api_key_create_logs_no_secret(customer, caplog):
    with caplog.at_level(logging.DEBUG):
        key, token = make(customer)
    assert key.key_id in caplog.text
    assert token.split("_", 2)[2] not in caplog.text


def test_api_key_create_by_an_admin_acts_as_that_admin(account):
    admin = CustomerFactory(account=account, account_role=R.ADMIN)
    key, _ = make(admin)
    assert key.created_by == admin and key.scope == ApiScope.READ


@pytest.mark.parametrize("role", [R.MEMBER, R.VIEWER])
def test_api_key_create_by_a_member_or_viewer_is_refused(account, role):
    user = CustomerFactory(account=account, account_role=role)
    with pytest.raises(PermissionRefused):
        make(user)
    assert not ApiKey.objects.exists()


def test_api_key_create_by_staff_is_refused(reviewer):
    with pytest.raises(PermissionRefused):
        make(reviewer)
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": "  "}, "name", "Give the key a name (what uses it)."),
        ({"name": "ERP\nsync"}, "name", "no line breaks"),
        ({"name": "x" * 101}, "name", "at most 100 characters"),
        ({"scope": "admin"}, "scope", "Choose read or read and write."),
        (
            {"expires_at": "a minute ago"},
            "expires_at",
            "The expiry must be in the future.",
        ),
        (
            {"allowed_networks": ["203.0.113.0/24", "intranet"]},
            "allowed_networks",
            "intranet is not an IP address or network",
        ),
        (
            {"allowed_networks": "10.0.0.0/33"},
            "allowed_networks",
            "10.0.0.0/33 is not an IP address or network",
        ),
        (
            {"allowed_networks": [f"10.0.{n}.0/24" for n in range(MAX_NETWORKS + 1)]},
            "allowed_networks",
            f"At most {MAX_NETWORKS} networks.",
        ),
    ],
)
def test_api_key_create_refuses_bad_input(customer, fields, field, message):
    if fields.get("expires_at") == "a minute ago":  # as of the test's clock
        fields = {"expires_at": timezone.now() - timedelta(minutes=1)}
    with pytest.raises(ValidationError) as refusal:
        make(customer, **fields)
    errors = refusal.value.message_dict
    assert field in errors and message in " ".join(errors[field]), errors
    assert not ApiKey.objects.exists()


def test_api_key_create_reports_every_bad_field_at_once(customer):
    with pytest.raises(ValidationError) as refusal:
        make(customer, name="", scope="x", allowed_networks="nowhere")
    assert set(refusal.value.message_dict) == {"name", "scope", "allowed_networks"}


def test_api_key_create_normalises_v4_and_v6_networks(customer):
    key, _ = make(
        customer,
        allowed_networks="203.0.113.7, 198.51.100.0/24\n2001:db8::/32 203.0.113.7 2001:DB8::1",
        expires_at=timezone.now() + timedelta(days=30),
    )
    assert fresh(key).allowed_networks == [
        "203.0.113.7/32",
        "198.51.100.0/24",
        "2001:db8::/32",
        "2001:db8::1/128",
    ]


def test_api_key_create_takes_exactly_the_most_networks(customer):
    networks = [f"10.0.{n}.0/24" for n in range(MAX_NETWORKS)]
    key, _ = make(customer, allowed_networks=networks)
    assert len(fresh(key).allowed_networks) == MAX_NETWORKS


# --- revoking -----------------------------------------------------------------------------------


def test_api_key_revoke_records_who_and_when_and_twice_is_a_no_op(customer, account):
    key, token = make(customer)
    admin = CustomerFactory(account=account, account_role=R.ADMIN)
    api_key_revoke(user=admin, key=key)
    revoked = fresh(key)
    assert revoked.revoked_by == admin and revoked.revoked_at is not None
    api_key_revoke(user=customer, key=key)
    again = fresh(key)
    assert (again.revoked_by, again.revoked_at) == (admin, revoked.revoked_at)
    assert refused(token) == "revoked_key"


def test_api_key_revoke_of_another_accounts_key_is_not_found(customer, other_customer):
    key, token = make(other_customer)
    with pytest.raises(NotFoundForUser):
        api_key_revoke(user=customer, key=key)
    assert fresh(key).revoked_at is None
    assert api_key_authenticate(token, ip=None) == key


@pytest.mark.parametrize("role", [R.MEMBER, R.VIEWER])
def test_api_key_revoke_by_a_member_or_viewer_is_refused(customer, account, role):
    key, _ = make(customer)
    with pytest.raises(PermissionRefused):
        api_key_revoke(user=CustomerFactory(account=account, account_role=role), key=key)
    assert fresh(key).revoked_at is None


# --- authenticating -----------------------------------------------------------------------------


def test_api_key_authenticate_accepts_the_key_and_records_its_use(customer):
    key, token = make(customer)
    found = api_key_authenticate(token, ip="203.0.113.5")
    assert found == key and found.created_by == customer
    stored = fresh(key)
    assert stored.last_used_ip == "203.0.113.5" and stored.last_used_at is not None


@pytest.mark.parametrize(
    "token",
    [
        "",
        "rpk_",
        "Bearer rpk_abcdefghijkm_secret",
        "rpk_short_secret",
        "rpk_abcdefghijkm_",
        "rpk_abcdefghijkmsecret",
        "rpk_abcdefghijkm_" + "s" * 101,
    ],
)
def test_api_key_authenticate_refuses_a_malformed_key(db, token):
    with pytest.raises(KeyRefused) as refusal:
        api_key_authenticate(token, ip=None)
    assert refusal.value.code == "invalid_key"
    assert refusal.value.message == "The API key is malformed."


def test_api_key_authenticate_refuses_an_unknown_id_and_a_wrong_secret(customer):
    key, token = make(customer)
    secret = token.split("_", 2)[2]
    assert refused(f"rpk_zzzzzzzzzzzz_{secret}") == "invalid_key"
    assert refused(f"rpk_{key.key_id}_{secret[:-1]}x") == "invalid_key"
    assert refused(f"rpk_{key.key_id}_{secret}x") == "invalid_key"
    assert fresh(key).last_used_at is None


def test_api_key_authenticate_refuses_an_expired_key(customer):
    expires = timezone.now() + timedelta(hours=1)
    key, token = make(customer, expires_at=expires)
    assert api_key_authenticate(token, ip=None, now=expires - timedelta(seconds=1)) == key
    assert refused(token, now=expires) == "expired_key"


@pytest.mark.parametrize(
    "change",
    [
        {"is_active": False},
        {"account_role": R.MEMBER},
        {"account_role": R.VIEWER},
        {"account": "another"},
    ],
)
def test_api_key_authenticate_refuses_when_the_creator_no_longer_manages(account, change):
    admin = CustomerFactory(account=account, account_role=R.ADMIN)
    _, token = make(admin)
    for name, value in change.items():
        setattr(admin, name, AccountFactory() if value == "another" else value)
    admin.save()
    assert refused(token) == "inactive_key"


def test_api_key_authenticate_refuses_a_key_of_an_inactive_account(customer, account):
    _, token = make(customer)
    account.is_active = False
    account.save(update_fields=["is_active"])
    with pytest.raises(KeyRefused) as refusal:
        api_key_authenticate(token, ip=None)
    assert refusal.value.code == "inactive_key"
    assert "account is deactivated" in refusal.value.message


def test_api_key_authenticate_keeps_working_for_a_creator_made_owner(account):
    admin = CustomerFactory(account=account, account_role=R.ADMIN)
    key, token = make(admin)
    admin.account_role = R.OWNER
    admin.save()
    assert api_key_authenticate(token, ip=None) == key


@pytest.mark.parametrize(
    ("ip", "accepted"),
    [
        ("203.0.113.77", True),
        ("198.51.100.9", True),
        ("2001:db8:1::5", True),
        ("::ffff:203.0.113.77", True),
        ("203.0.114.1", False),
        ("2001:db9::1", False),
        ("::ffff:192.0.2.1", False),
        ("not-an-address", False),
        (None, False),
    ],
)
def test_api_key_authenticate_honours_the_allow_list(customer, ip, accepted):
    key, token = make(
        customer, allowed_networks=["203.0.113.0/24", "198.51.100.9", "2001:db8::/32"]
    )
    if accepted:
        assert api_key_authenticate(token, ip=ip) == key
        assert fresh(key).last_used_ip in (ip, "203.0.113.77")
    else:
        assert refused(token, ip=ip) == "address_not_allowed"
        assert fresh(key).last_used_at is None


def test_api_key_authenticate_without_allow_list_accepts_any_address(customer):
    key, token = make(customer)
    assert api_key_authenticate(token, ip="2001:db8::9") == key
    assert api_key_authenticate(token, ip=None) == key


def test_api_key_authenticate_writes_the_last_use_at_most_once_a_minute(customer):
    key, token = make(customer)
    start = timezone.now()
    api_key_authenticate(token, ip="203.0.113.1", now=start)
    api_key_authenticate(token, ip="203.0.113.2", now=start + timedelta(seconds=59))
    stored = fresh(key)
    assert (stored.last_used_at, stored.last_used_ip) == (start, "203.0.113.1")
    api_key_authenticate(token, ip="203.0.113.3", now=start + timedelta(seconds=60))
    stored = fresh(key)
    assert (stored.last_used_at, stored.last_used_ip) == (
        start + timedelta(seconds=60),
        "203.0.113.3",
    )


def test_api_key_authenticate_refusal_logs_the_key_id_and_never_the_secret(customer, caplog):
    key, token = make(customer)
    api_key_revoke(user=customer, key=key)
    with caplog.at_level(logging.INFO):
        refused(token)
    assert key.key_id in caplog.text
    assert token.split("_", 2)[2] not in caplog.text
