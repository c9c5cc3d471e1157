"""Login throttling counts failures per login name and per client address, on the portal and on
the console; a successful login forgives only that login's own failures from that address, so an
attacker's own successful logins never wipe the failures counted against someone else."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, CustomerFactory, StaffFactory

#: The throttling policy the project settings carry (AXES_*); the behaviour tests below run
#: with it, and ``test_project_settings_carry_the_lockout_policy`` checks the settings do.
LOCKOUT_POLICY = {
    "AXES_LOCKOUT_PARAMETERS": ["username", "ip_address"],
    "AXES_RESET_ON_SUCCESS": True,
    "AXES_HANDLER": "reviewportal.login_attempts.LoginAttemptHandler",
}

PORTAL = "/portal/login/"
CONSOLE = "/admin/login/"


@pytest.fixture(autouse=True)
def _lockout_policy(settings):
    for name, value in LOCKOUT_POLICY.items():
        setattr(settings, name, value)


def attempt(client, path, username, password, ip="203.0.113.7"):
    data = {"username": username, "password": password}
    if path == CONSOLE:
        data["next"] = "/admin/"
    return client.post(path, data, REMOTE_ADDR=ip)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def victims(db):
    return {PORTAL: CustomerFactory(), CONSOLE: StaffFactory(role="Reviewer")}


@pytest.mark.parametrize("path", [PORTAL, CONSOLE])
def test_auth_lockout_guesses_interleaved_with_own_logins_still_lock(
    client, settings, victims, path
):
    """Before: any success from the address wiped the address's failures, so an attacker with an
    account of their own guessed forever by logging in between guesses."""
    attacker = CustomerFactory()
    victim = victims[path]
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, path, victim.username, "guess")
        attempt(client, PORTAL, attacker.username, PASSWORD)
        assert logged_in(client)
        client.post(reverse("portal:logout"), REMOTE_ADDR="203.0.113.7")
    attempt(client, path, victim.username, "guess")
    response = attempt(client, path, victim.username, PASSWORD)
    assert response.status_code == 429
    assert not logged_in(client)


@pytest.mark.parametrize("path", [PORTAL, CONSOLE])
def test_auth_lockout_counts_a_login_name_across_addresses(client, settings, victims, path):
    """Before: only the address counted, so guesses from changing addresses never locked."""
    victim = victims[path]
    for i in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, path, victim.username, "guess", ip=f"198.51.100.{i + 1}")
    response = attempt(client, path, victim.username, PASSWORD, ip="198.51.100.200")
    assert response.status_code == 429
    assert not logged_in(client)


@pytest.mark.parametrize("path", [PORTAL, CONSOLE])
def test_auth_lockout_counts_an_address_across_login_names(client, settings, victims, path):
    """One password tried on many login names from one address locks the address."""
    names = [CustomerFactory().username for _ in range(settings.AXES_FAILURE_LIMIT)]
    for name in names:
        attempt(client, path, name, "Summer2026!")
    response = attempt(client, path, victims[path].username, PASSWORD)
    assert response.status_code == 429
    assert not logged_in(client)


def test_auth_lockout_own_success_forgives_own_failures(client, settings, customer):
    """A customer who mistyped and then got in starts afresh."""
    for _ in range(2):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            attempt(client, PORTAL, customer.username, "typo")
        response = attempt(client, PORTAL, customer.username, PASSWORD)
        assert response.status_code == 302 and logged_in(client)
        client.post(reverse("portal:logout"), REMOTE_ADDR="203.0.113.7")


def test_auth_lockout_own_success_keeps_failures_from_other_addresses(client, settings, customer):
    """The customer's login from the office does not give someone guessing their password
    elsewhere a fresh set of guesses."""
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, PORTAL, customer.username, "guess", ip="192.0.2.66")
    attempt(client, PORTAL, customer.username, PASSWORD)
    assert logged_in(client)
    client.post(reverse("portal:logout"), REMOTE_ADDR="203.0.113.7")
    attempt(client, PORTAL, customer.username, "guess", ip="192.0.2.66")
    response = attempt(client, PORTAL, customer.username, PASSWORD, ip="192.0.2.66")
    assert response.status_code == 429


def test_auth_lockout_project_settings_carry_the_lockout_policy():
    from reviewportal import settings as project

    for name, value in LOCKOUT_POLICY.items():
        assert getattr(project, name, None) == value, name
