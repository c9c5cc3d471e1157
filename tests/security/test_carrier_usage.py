"""POST /carriers/usage/: only ``Authorization: Bearer <token>`` with the configured token, only
plausible times, and only signatures usable right now count as use."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from carriers.models import CarrierFiling, SignatureUsage
from carriers.services import filing_availability_set, filing_result_enter, filing_submit
from tests.carriers import conftest as carrier_fixtures
from tests.factories import StaffFactory
from tests.states import walk_to

pytestmark = pytest.mark.django_db

# The carrier tests' fixtures: stubs without faults, approved signatures with queued filings.
carrier_policy = carrier_fixtures.carrier_policy
approve = carrier_fixtures.approve
filings = carrier_fixtures.filings

URL = "/carriers/usage/"


@pytest.fixture
def token(carrier_policy):
    value = secrets.token_urlsafe(24)
    carrier_policy["USAGE_TOKEN"] = value
    return value


@pytest.fixture
def staff(db):
    return StaffFactory(role="Senior reviewer")


@pytest.fixture
def registered(filings, staff):
    """The China Mobile filing of an approved signature, registered (and active)."""
    filing = filings["cmcc"]
    filing_submit(filing_id=filing.pk)
    filing_result_enter(filing=filing, user=staff, status="registered")
    return CarrierFiling.objects.get(pk=filing.pk)


def report(client, token, signature, used_at=None, *, authorization=None):
    payload = {"signature": signature.public_id if hasattr(signature, "public_id") else signature}
    if used_at is not None:
        payload["used_at"] = used_at if isinstance(used_at, str) else used_at.isoformat()
    headers = {"Authorization": f"Bearer {token}" if authorization is None else authorization}
    return client.post(URL, payload, content_type="application/json", headers=headers)


def assert_refused(response, status, *words):
    assert response.status_code == status
    assert response.json()["ok"] is False
    for word in words:
        assert word in response.json()["error"]
    assert not SignatureUsage.objects.exists()


def test_usage_of_a_usable_signature_is_recorded(client, token, registered):
    used = timezone.now().replace(microsecond=0) - timedelta(hours=1)
    response = report(client, token, registered.subject, used)
    assert response.status_code == 200
    assert SignatureUsage.objects.get(signature=registered.subject).last_used_at == used


@pytest.mark.parametrize(
    "used_at",
    ["9999-12-31T00:00:00+08:00", "+6 minutes", "0001-01-01T00:00:00+08:00", "1970-01-01T00:00Z"],
)
def test_usage_at_an_implausible_time_is_refused(client, token, registered, used_at):
    if used_at == "+6 minutes":
        used_at = timezone.now() + timedelta(minutes=6)
    assert_refused(report(client, token, registered.subject, used_at), 400, "used_at")


def test_usage_older_than_the_clearance_threshold_is_refused(
    client, token, registered, carrier_policy
):
    days = carrier_policy["INACTIVITY_CLEAR_DAYS"]
    too_old = timezone.now() - timedelta(days=days, minutes=1)
    assert_refused(report(client, token, registered.subject, too_old), 400, "used_at")
    recent = timezone.now() - timedelta(days=days - 1)
    assert report(client, token, registered.subject, recent).status_code == 200


def test_usage_a_little_in_the_future_is_clock_skew(client, token, registered):
    soon = timezone.now() + timedelta(minutes=4)
    assert report(client, token, registered.subject, soon).status_code == 200


@pytest.mark.parametrize("used_at", ["yesterday", "2026-11-23T09:00:00", 1700000000, ["x"]])
def test_usage_with_a_malformed_used_at_is_refused(client, token, registered, used_at):
    response = client.post(
        URL,
        {"signature": registered.subject.public_id, "used_at": used_at},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert_refused(response, 400, "used_at")


@pytest.mark.parametrize("raw", [b"nope", b"[]", b'"SIG"', b'{"signature": 5}', b"{}"])
def test_usage_with_a_malformed_body_is_refused(client, token, registered, raw):
    response = client.post(
        URL, raw, content_type="application/json", headers={"Authorization": f"Bearer {token}"}
    )
    assert_refused(response, 400)


def test_usage_with_an_oversize_body_is_refused(client, token, registered):
    response = client.post(
        URL,
        {"signature": registered.subject.public_id, "pad": "x" * 10_000},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert_refused(response, 413)


def test_usage_of_an_unknown_signature_is_refused(client, token, registered):
    assert_refused(report(client, token, "SIGNOPE"), 404, "unknown signature")


def test_usage_of_a_revoked_signature_is_refused(client, token, registered, senior):
    signature = registered.subject
    from reviewportal.services import lifecycle as lc

    finding = {
        "code": "SIG_TYPE_NOT_ACCEPTED",
        "severity": "block",
        "field": "sig_type",
        "message": "rule changed",
        "params": {},
    }
    signature = lc.review_flag_for_rereview(item=signature, user=senior, findings=[finding])
    lc.review_revoke(item=signature, user=senior, reasons=["sig_type_not_accepted"])
    # Its carrier filing is still registered: the review's revocation is what counts.
    assert CarrierFiling.objects.get(pk=registered.pk).is_usable
    assert_refused(report(client, token, signature), 409, signature.public_id, "revoked")


def test_usage_of_a_signature_not_registered_anywhere_is_refused(client, token, filings):
    signature = filings["cmcc"].subject  # approved, its filings still queued
    assert_refused(report(client, token, signature), 409, signature.public_id, "registered")


def test_usage_of_a_signature_whose_filing_is_inactive_is_refused(client, token, registered, staff):
    filing_availability_set(filing=registered, user=staff, active=False)
    assert_refused(report(client, token, registered.subject), 409, "active")


def test_usage_of_a_signature_not_yet_approved_is_refused(
    client, token, approved_qualification, customer, reviewer, senior
):
    from tests.factories import SignatureApplicationFactory

    item = SignatureApplicationFactory(qualification=approved_qualification)
    item = walk_to(item, "under_review", customer=customer, reviewer=reviewer, senior=senior)
    assert_refused(report(client, token, item), 409, item.public_id)


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        "TOKEN",  # the token alone, without the scheme
        "Bearer",
        "Bearer ",
        "bearer TOKEN",
        "Basic TOKEN",
        "Bearer  TOKEN",
        "Bearer TOKEN extra",
        "TOKENBearer TOKEN",
        "Bearer TOKENé",
        "Bearer 令牌",
        "Bearer " + "签".encode().decode("latin-1"),
    ],
)
def test_usage_needs_exactly_bearer_and_the_token(client, token, registered, authorization):
    authorization = authorization.replace("TOKEN", token)
    response = report(client, token, registered.subject, authorization=authorization)
    assert_refused(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_usage_without_an_authorization_header_is_refused(client, token, registered):
    response = client.post(
        URL,
        {"signature": registered.subject.public_id},
        content_type="application/json",
    )
    assert_refused(response, 401, "Authorization")


@pytest.mark.parametrize("configured", ["", None])
def test_usage_with_no_configured_token_refuses_everything(
    client, registered, carrier_policy, configured
):
    if configured is None:
        del carrier_policy["USAGE_TOKEN"]
    else:
        carrier_policy["USAGE_TOKEN"] = configured
    for authorization in ("Bearer ", "Bearer", "", "Bearer demo-usage-token"):
        response = report(client, "", registered.subject, authorization=authorization)
        assert_refused(response, 503, "token")


def test_signature_used_command_refuses_what_the_endpoint_refuses(registered, approve):
    signature = registered.subject
    future = (timezone.now() + timedelta(days=1)).isoformat()
    with pytest.raises(CommandError, match="used_at") as caught:
        call_command("signature_used", signature.public_id, "--at", future)
    assert caught.value.returncode == 2
    queued = approve(content="和讯信息")  # approved, its filings still queued
    with pytest.raises(CommandError, match="registered") as caught:
        call_command("signature_used", queued.public_id)
    assert caught.value.returncode == 2
    assert not SignatureUsage.objects.exists()
    call_command("signature_used", signature.public_id)
    assert SignatureUsage.objects.filter(signature=signature).exists()
