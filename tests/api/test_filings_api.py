"""What an approved application shows of its carrier filings through the API (SPEC §9): per
carrier the filing state, availability and whether it is usable there, and a carrier's reason
with its code, what it means and what to do, in the caller's language. The filings get their
results the way they do in real life: the stub carriers take them, staff enter the answers."""

from __future__ import annotations

import pytest

from carriers.models import Carrier, CarrierFiling, CarrierReason
from carriers.services import filing_availability_set, filing_result_enter, filing_submit
from tests.carriers import conftest as carrier_fixtures
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

# The carrier tests' fixtures: stubs without faults, approved signatures with queued filings.
carrier_policy = carrier_fixtures.carrier_policy
approve = carrier_fixtures.approve
filings = carrier_fixtures.filings
approved_template = carrier_fixtures.approved_template


@pytest.fixture
def staff(db):
    return StaffFactory(role="Support")


def _answered(filings: dict, staff, answers: dict) -> None:
    """Each carrier's filing taken by the stub, then its answer (status, reason) entered."""
    for code, (status, reason) in answers.items():
        filing_submit(filing_id=filings[code].pk)
        filing_result_enter(filing=filings[code], user=staff, status=status, reason=reason)


def _by_carrier(data: dict) -> dict:
    return {row["carrier"]: row for row in data["filings"]}


def test_signature_shows_each_carriers_filing_state_availability_and_reason(api, filings, staff):
    _answered(
        filings,
        staff,
        {"cmcc": ("rejected", "CM-E103"), "cucc": ("registered", ""), "ctcc": ("registered", "")},
    )
    # Registered at China Telecom, but marked inactive there: not usable.
    filing_availability_set(filing=filings["ctcc"], user=staff, active=False)
    signature = filings["cmcc"].subject
    url = f"/api/v1/signatures/{signature.public_id}"
    english = api.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200, english.json()
    data = english.json()
    assert data["state"] == "approved"
    assert [row["carrier"] for row in data["filings"]] == list(
        Carrier.objects.order_by("sort_order").values_list("code", flat=True)
    )
    rows = _by_carrier(data)
    states = {code: (r["state"], r["availability"], r["usable"]) for code, r in rows.items()}
    assert states == {
        "cmcc": ("rejected", "active", False),
        "cucc": ("registered", "active", True),
        "ctcc": ("registered", "inactive", False),
    }
    reason = CarrierReason.objects.get(code="CM-E103")
    assert rows["cmcc"]["carrier_reason"] == {
        "code": "CM-E103",
        "explanation": reason.explanation_en,
        "next_step": reason.next_step_en,
    }
    assert rows["cucc"]["carrier_reason"] is None and rows["ctcc"]["carrier_reason"] is None
    for row in rows.values():
        assert row["revision"] == 1
        assert row["submitted_at"] and row["result_at"] and "+08:00" in row["result_at"]
    chinese = _by_carrier(api.get(url).json())["cmcc"]["carrier_reason"]
    assert chinese == {
        "code": "CM-E103",
        "explanation": reason.explanation_zh,
        "next_step": reason.next_step_zh,
    }
    # The list shows each item's filings the same way.
    (listed,) = api.get("/api/v1/signatures", {"state": "approved"}).json()["results"]
    assert listed["filings"] == api.get(url).json()["filings"]


def test_a_code_the_catalogue_does_not_know_keeps_the_code_with_generic_texts(api, filings, staff):
    _answered(filings, staff, {"cucc": ("rejected", "CU-9999")})
    signature = filings["cucc"].subject
    data = api.get(f"/api/v1/signatures/{signature.public_id}", HTTP_ACCEPT_LANGUAGE="en").json()
    rows = _by_carrier(data)
    assert rows["cucc"]["state"] == "rejected" and rows["cucc"]["usable"] is False
    assert rows["cucc"]["carrier_reason"] == {
        "code": "CU-9999",
        "explanation": "The carrier gave this code without a reason we can explain yet.",
        "next_step": "Contact support with the code: they will find out from the carrier "
        "what to change.",
    }
    # Not taken by a carrier yet: queued, without a time or a reason.
    queued = rows["cmcc"]
    assert (queued["state"], queued["usable"], queued["carrier_reason"]) == ("queued", False, None)
    assert queued["submitted_at"] is None and queued["result_at"] is None


def test_template_shows_its_own_filings_not_its_signatures(api, approved_template, staff):
    mine = {f.carrier.code: f for f in CarrierFiling.objects.of(approved_template)}
    _answered(mine, staff, {"cucc": ("rejected", "CU-4007"), "cmcc": ("registered", "")})
    data = api.get(
        f"/api/v1/templates/{approved_template.public_id}", HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    rows = _by_carrier(data)
    assert {c: r["state"] for c, r in rows.items()} == {
        "cmcc": "registered",
        "cucc": "rejected",
        "ctcc": "queued",
    }
    assert rows["cmcc"]["usable"] is True
    reason = CarrierReason.objects.get(code="CU-4007")
    assert rows["cucc"]["carrier_reason"]["explanation"] == reason.explanation_en
    assert rows["cucc"]["carrier_reason"]["next_step"] == reason.next_step_en
