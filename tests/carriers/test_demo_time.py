"""The demo's compressed clocks (README "Carriers", ``carriers.clocks``): CARRIER_STUB_TIME_SCALE
compresses the carriers' working days, and the result checks follow it, so a demo signature is
decided within a minute; CARRIER_STUB_INACTIVITY_SCALE (1 = real days, also in the demo)
compresses the inactivity periods on its own, so the same signature stays registered, and when
it is set the customer's warning still comes before the carrier's clearance."""

from __future__ import annotations

import importlib
import os
import re
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from carriers.models import CarrierFiling, FilingState
from carriers.services import (
    UsageRefused,
    filing_check,
    filing_submit,
    filings_check,
    filings_clearance_check,
    filings_poll,
    inactivity_warn,
    signature_usage_record,
)
from reviewportal.models import Notification
from tests.carriers.conftest import fresh

ROOT = Path(__file__).resolve().parents[2]
F = FilingState
DEMO = {"CARRIER_STUB_TIME_SCALE": "86400"}


def load_settings(monkeypatch, tmp_path, **values):
    """The settings a new process would read with exactly ``values`` set among the carrier
    variables (the module is imported afresh, then the running settings are put back)."""
    for name in list(os.environ):
        if name.startswith("CARRIER_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("REVIEWPORTAL_VAR_DIR", str(tmp_path / "var"))
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    saved = {n: m for n, m in sys.modules.items() if n.startswith("reviewportal.settings")}
    for name in saved:
        del sys.modules[name]
    try:
        return importlib.import_module("reviewportal.settings")
    finally:
        for name in [n for n in sys.modules if n.startswith("reviewportal.settings")]:
            del sys.modules[name]
        sys.modules.update(saved)


def schedule(loaded, entry: str) -> float:
    return float(loaded.CELERY_BEAT_SCHEDULE[entry]["schedule"])


def test_scripts_run_compresses_working_days_and_leaves_inactivity_real():
    script = (ROOT / "scripts" / "run").read_text()
    assert re.search(r"export CARRIER_STUB_TIME_SCALE=\$\{CARRIER_STUB_TIME_SCALE:-86400\}", script)
    assert "CARRIER_STUB_INACTIVITY_SCALE=" not in script


def test_real_carriers_are_checked_after_ten_minutes_and_cleared_after_real_days(
    monkeypatch, tmp_path
):
    loaded = load_settings(monkeypatch, tmp_path)
    policy = loaded.CARRIER_POLICY
    assert policy["STUB"]["TIME_SCALE"] == policy["STUB"]["INACTIVITY_SCALE"] == 1
    assert policy["FIRST_CHECK_SECONDS"] == 600
    assert schedule(loaded, "carrier-results-poll") == 600
    assert schedule(loaded, "carrier-clearance-check") == 24 * 3600
    assert schedule(loaded, "carrier-inactivity-warn") == 6 * 3600


def test_demo_scale_checks_results_within_seconds_and_keeps_inactivity_real(monkeypatch, tmp_path):
    loaded = load_settings(monkeypatch, tmp_path, **DEMO)
    policy = loaded.CARRIER_POLICY
    assert policy["STUB"]["TIME_SCALE"] == 86400
    # The first check and the poll follow the compressed working days...
    first, poll = policy["FIRST_CHECK_SECONDS"], schedule(loaded, "carrier-results-poll")
    assert 1 <= first <= 10 and 5 <= poll <= 30
    assert first + poll <= 60
    # ...the inactivity periods and their checks do not.
    assert policy["STUB"]["INACTIVITY_SCALE"] == 1
    assert schedule(loaded, "carrier-clearance-check") == 24 * 3600
    assert schedule(loaded, "carrier-inactivity-warn") == 6 * 3600


def test_inactivity_scale_is_a_setting_of_its_own(monkeypatch, tmp_path):
    loaded = load_settings(monkeypatch, tmp_path, CARRIER_STUB_INACTIVITY_SCALE="86400")
    policy = loaded.CARRIER_POLICY
    assert policy["STUB"]["INACTIVITY_SCALE"] == 86400 and policy["STUB"]["TIME_SCALE"] == 1
    assert policy["FIRST_CHECK_SECONDS"] == 600
    # The warning run and the clearance check keep up with a 90-second clearance.
    assert schedule(loaded, "carrier-inactivity-warn") <= 10
    assert schedule(loaded, "carrier-clearance-check") <= 10


def test_explicit_check_intervals_win(monkeypatch, tmp_path):
    loaded = load_settings(
        monkeypatch, tmp_path, CARRIER_FIRST_CHECK_SECONDS="1", CARRIER_POLL_SECONDS="7", **DEMO
    )
    assert loaded.CARRIER_POLICY["FIRST_CHECK_SECONDS"] == 1
    assert schedule(loaded, "carrier-results-poll") == 7


@pytest.fixture
def demo_policy(carrier_policy, monkeypatch, tmp_path):
    """The running policy with the working-day numbers the demo (`scripts/run`) reads; its
    inactivity numbers are the running ones (the demo keeps real days, as checked above)."""
    demo = load_settings(monkeypatch, tmp_path, **DEMO)
    carrier_policy["STUB"]["TIME_SCALE"] = demo.CARRIER_POLICY["STUB"]["TIME_SCALE"]
    carrier_policy["FIRST_CHECK_SECONDS"] = demo.CARRIER_POLICY["FIRST_CHECK_SECONDS"]
    carrier_policy["POLL_SECONDS"] = schedule(demo, "carrier-results-poll")
    return carrier_policy


@pytest.mark.django_db
def test_demo_signature_is_decided_by_the_first_poll_and_stays_registered(
    eager_tasks, approve, customer, demo_policy, later, django_capture_on_commit_callbacks
):
    # Approval: the submit task runs after commit (eagerly here, and so does its first check,
    # which Celery would send FIRST_CHECK_SECONDS later).
    with django_capture_on_commit_callbacks(execute=True):
        item = approve()
    filings = list(CarrierFiling.objects.of(item).select_related("carrier"))
    assert {f.state for f in filings} == {F.SUBMITTED}
    first, poll = demo_policy["FIRST_CHECK_SECONDS"], demo_policy["POLL_SECONDS"]
    assert first + poll <= 60
    later(seconds=first)
    filings_check(filing_ids=[f.pk for f in filings])  # the first check, as the worker runs it
    later(seconds=poll)
    filings_poll()  # what beat sends next
    states = {f.carrier.code: fresh(f).state for f in filings}
    # Every carrier decided within the first check and one poll: under a minute.
    assert set(states.values()) <= {F.REGISTERED, F.REJECTED}, states
    registered = [f for f in filings if states[f.carrier.code] == F.REGISTERED]
    assert registered, states
    # An hour, a day, a month and 70 days later (the working-day scale once cleared it after
    # 90 s), the daily clearance check finds it registered, and nobody was warned.
    for step in ({"hours": 1}, {"days": 1}, {"days": 29}, {"days": 40}):
        later(**step)
        filings_clearance_check()
        assert inactivity_warn() == 0
        assert all(fresh(f).state == F.REGISTERED and fresh(f).is_usable for f in registered)
    # Real days: warned after 76 days unused, cleared after 90 (China Unicom's stub counts the
    # check's own test sends as use, so only the queryable carriers clear it).
    later(days=7)
    before = Notification.objects.filter(recipient=customer).count()
    assert inactivity_warn() == 1
    assert Notification.objects.filter(recipient=customer).count() == before + 1
    assert item.public_id in Notification.objects.filter(recipient=customer).latest("pk").title
    later(days=14)
    filings_clearance_check()
    queryable = [f for f in registered if f.carrier.code != "cucc"]
    assert queryable and all(fresh(f).state == F.CLEARED for f in queryable)


@pytest.fixture
def registered_cmcc(filings, carrier_policy, later):
    """China Mobile's filing of a signature, registered on the demo's working-day clock and
    used just now."""
    carrier_policy["STUB"]["TIME_SCALE"] = 86400
    filing = filings["cmcc"]
    filing_submit(filing_id=filing.pk)
    later(seconds=10)  # three working days on that clock
    assert filing_check(filing_id=filing.pk) is True
    filing = fresh(filing)
    assert filing.state == F.REGISTERED
    signature_usage_record(signature=filing.subject)
    return filing


@pytest.mark.django_db
def test_stub_clears_by_the_inactivity_clock_not_the_working_day_clock(
    registered_cmcc, carrier_policy, later
):
    carrier_policy["STUB"]["INACTIVITY_SCALE"] = 1
    later(days=1)
    assert filing_check(filing_id=registered_cmcc.pk) is False
    later(days=88)
    assert filing_check(filing_id=registered_cmcc.pk) is False
    assert fresh(registered_cmcc).state == F.REGISTERED
    later(days=2)
    assert filing_check(filing_id=registered_cmcc.pk) is True
    assert fresh(registered_cmcc).state == F.CLEARED


@pytest.mark.django_db
def test_inactivity_scale_compresses_the_clearance_and_the_warning_comes_first(
    registered_cmcc, carrier_policy, customer, later
):
    carrier_policy["STUB"]["INACTIVITY_SCALE"] = 86400  # 90 days: 90 s, warned from 76 s
    later(seconds=60)
    assert inactivity_warn() == 0
    assert filing_check(filing_id=registered_cmcc.pk) is False
    later(seconds=20)
    assert inactivity_warn() == 1
    assert filing_check(filing_id=registered_cmcc.pk) is False  # warned, not yet cleared
    later(seconds=15)
    assert filing_check(filing_id=registered_cmcc.pk) is True
    assert fresh(registered_cmcc).state == F.CLEARED


@pytest.mark.django_db
def test_usage_window_follows_the_inactivity_clock(registered_cmcc, carrier_policy):
    carrier_policy["STUB"]["INACTIVITY_SCALE"] = 86400
    signature = registered_cmcc.subject
    signature_usage_record(signature=signature, used_at=timezone.now() - timedelta(seconds=60))
    with pytest.raises(UsageRefused) as refused:
        signature_usage_record(signature=signature, used_at=timezone.now() - timedelta(seconds=100))
    assert refused.value.status == 400 and "90 s" in str(refused.value)
    carrier_policy["STUB"]["INACTIVITY_SCALE"] = 1
    signature_usage_record(signature=signature, used_at=timezone.now() - timedelta(days=89))
    with pytest.raises(UsageRefused, match="90 days"):
        signature_usage_record(signature=signature, used_at=timezone.now() - timedelta(days=91))
