"""The limits of a report of use (how far ahead, from the policy or its default, how far back,
each limit itself allowed), the words of a refused report of a suspended signature, and the
inactivity warning: who is warned (idle since the last use, or since the first registration
when never used), once per idle spell, each with the day the carriers may clear the signature,
and how many were warned."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from carriers.clocks import inactivity_clear_after, inactivity_warn_after
from carriers.models import CarrierFiling, SignatureUsage
from carriers.services import (
    UsageRefused,
    filing_result_enter,
    filing_submit,
    inactivity_warn,
    signature_usage_record,
)
from reviewportal.models import Notification
from reviewportal.services import lifecycle as lc
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

T0 = datetime.fromisoformat("2026-07-01T10:00:00+08:00")


@pytest.fixture
def clock(time_machine):
    """``clock(instant)``: the clock stands still at ``instant``."""

    def move(instant: datetime) -> datetime:
        time_machine.move_to(instant, tick=False)
        return instant

    return move


@pytest.fixture
def register(approve):
    """``register(carrier=..., status=...)``: a new approved signature whose filing with that
    carrier is submitted and given the result now (staff entry); returns the signature."""
    staff = StaffFactory(role="Support")

    def make(*results: tuple[str, str]):
        item = approve()
        for code, status in results:
            record(item, code, status, staff=staff)
        return item

    return make


def record(item, code: str, status: str, *, staff=None) -> None:
    staff = staff or StaffFactory(role="Support")
    filing = CarrierFiling.objects.of(item).get(carrier__code=code)
    filing_submit(filing_id=filing.pk)
    reason = "CU-4007" if status == "rejected" else ""
    filing_result_enter(filing=filing, user=staff, status=status, reason=reason)


# --- reports of use ----------------------------------------------------------------------------


def _refused(signature, used_at) -> tuple[int, str]:
    with pytest.raises(UsageRefused) as refused:
        signature_usage_record(signature=signature, used_at=used_at)
    return refused.value.status, str(refused.value)


def test_a_use_ahead_by_the_configured_skew_counts_and_a_second_more_does_not(
    register, carrier_policy, clock
):
    signature = register(("cmcc", "registered"))
    now = clock(T0)
    carrier_policy["USAGE_MAX_SKEW_SECONDS"] = 60
    assert _refused(signature, now + timedelta(seconds=61)) == (
        400,
        "used_at is in the future (more than 60 s ahead)",
    )
    assert not SignatureUsage.objects.exists()
    usage = signature_usage_record(signature=signature, used_at=now + timedelta(seconds=60))
    assert usage.last_used_at == now + timedelta(seconds=60)


def test_without_a_configured_skew_a_use_may_be_five_minutes_ahead(register, carrier_policy, clock):
    signature = register(("cmcc", "registered"))
    now = clock(T0)
    carrier_policy.pop("USAGE_MAX_SKEW_SECONDS", None)
    assert _refused(signature, now + timedelta(seconds=301)) == (
        400,
        "used_at is in the future (more than 300 s ahead)",
    )
    usage = signature_usage_record(signature=signature, used_at=now + timedelta(seconds=300))
    assert usage.last_used_at == now + timedelta(seconds=300)


def test_a_use_as_old_as_the_clearance_threshold_counts_and_an_older_one_does_not(register, clock):
    signature = register(("cmcc", "registered"))
    now = clock(T0)
    oldest = now - inactivity_clear_after()
    assert _refused(signature, oldest - timedelta(seconds=1)) == (
        400,
        "used_at is more than 90 days ago: too old to count",
    )
    assert signature_usage_record(signature=signature, used_at=oldest).last_used_at == oldest


def test_a_use_of_a_suspended_signature_is_refused_saying_it_is_suspended(register, senior):
    signature = register(("cmcc", "registered"))
    finding = {
        "code": "SIG_TYPE_NOT_ACCEPTED",
        "severity": "block",
        "field": "sig_type",
        "message": "rule changed",
        "params": {},
    }
    signature = lc.review_flag_for_rereview(
        item=signature, user=senior, findings=[finding], suspend=True
    )
    assert _refused(signature, None) == (
        409,
        f"signature {signature.public_id} is suspended: it cannot be used",
    )
    assert not SignatureUsage.objects.exists()


# --- the inactivity warning --------------------------------------------------------------------


def _warnings(customer) -> list[str]:
    return [
        n.text_in("en")[1]
        for n in Notification.objects.filter(recipient=customer, kind="carrier").order_by("pk")
        if "has not been used" in n.text_in("en")[1]
    ]


def test_inactivity_warning_counts_idleness_from_the_last_use_or_the_registration(
    register, customer, clock
):
    clock(T0)
    used = register(("cmcc", "registered"))  # registered long ago, used lately
    idle = [register(("cmcc", "registered")) for _ in range(2)]  # never used
    # Rejected by China Unicom long ago, registered by China Mobile lately: its idleness runs
    # from the registration, not from the older rejection.
    late = register(("cucc", "rejected"))
    clock(T0 + timedelta(days=60))
    record(late, "cmcc", "registered")
    clock(T0 + timedelta(days=80))
    signature_usage_record(signature=used)

    assert inactivity_warn(now=T0 + timedelta(days=80)) == 2
    warned = set(
        SignatureUsage.objects.filter(warned_at__isnull=False).values_list(
            "signature_id", flat=True
        )
    )
    assert warned == {s.pk for s in idle}
    clears = (T0 + inactivity_clear_after()).date().isoformat()
    assert _warnings(customer) == [
        f"{s} has not been used for a long time. Carriers may clear it from about {clears}; "
        "send with it before then to keep it filed."
        for s in idle
    ]

    # Sixty days on: the two are not warned twice in their spell; the late one's turn has come
    # (76 days after its registration), the used one's not (60 days after its use).
    assert inactivity_warn(now=T0 + timedelta(days=140)) == 1
    assert SignatureUsage.objects.get(signature=late).warned_at == T0 + timedelta(days=140)
    assert SignatureUsage.objects.get(signature=used).warned_at is None


def test_inactivity_warning_comes_when_the_warning_period_is_over_to_the_instant(register, clock):
    clock(T0)
    signature = register(("cmcc", "registered"))
    signature_usage_record(signature=signature, used_at=T0)
    due = T0 + inactivity_warn_after()
    assert inactivity_warn(now=due - timedelta(microseconds=1)) == 0
    assert inactivity_warn(now=due) == 1
    assert SignatureUsage.objects.get(signature=signature).warned_at == due


def test_a_use_reported_at_the_instant_of_the_warning_starts_no_new_spell(register, clock):
    clock(T0)
    signature = register(("cmcc", "registered"))
    warned_at = clock(T0 + timedelta(days=80))
    assert inactivity_warn(now=warned_at) == 1
    signature_usage_record(signature=signature, used_at=warned_at)
    assert inactivity_warn(now=warned_at + timedelta(days=80)) == 0
    # A use after the warning starts a new spell, warned once in its turn.
    signature_usage_record(signature=signature, used_at=warned_at + timedelta(seconds=1))
    assert inactivity_warn(now=warned_at + timedelta(days=80)) == 1
