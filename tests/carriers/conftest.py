"""Fixtures of the carrier tests: approved signatures whose filings are queued, and stub carriers
without faults unless a test asks for them. The stubs are the carriers' stand-ins; nothing of
ours is mocked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from carriers.models import CarrierFiling
from tests.factories import SignatureApplicationFactory, TemplateApplicationFactory
from tests.states import walk_to


@pytest.fixture(autouse=True)
def carrier_policy(stub_carriers):
    """Every carrier test on fault-free stub carriers (``stub_carriers``)."""
    return stub_carriers


@pytest.fixture
def approve(approved_qualification, customer, reviewer, senior):
    """``approve(content=...)``: a signature walked to approved; its filings are queued."""

    def make(**fields):
        item = SignatureApplicationFactory(qualification=approved_qualification, **fields)
        return walk_to(item, "approved", customer=customer, reviewer=reviewer, senior=senior)

    return make


@pytest.fixture
def filings(approve):
    """The three queued filings (cmcc, cucc, ctcc) of one approved signature."""
    item = approve()
    return {f.carrier.code: f for f in CarrierFiling.objects.of(item)}


@pytest.fixture
def approved_template(filings, customer, reviewer, senior):
    """A template of the ``filings``' signature, walked to approved: its filings are queued."""
    return walk_to(
        TemplateApplicationFactory(signature=filings["cmcc"].subject),
        "approved",
        customer=customer,
        reviewer=reviewer,
        senior=senior,
    )


@pytest.fixture
def later(time_machine):
    """``later(days=10)``: move the clock forward (carriers take working days)."""

    def move(**delta):
        time_machine.move_to(timezone.now() + timedelta(**delta), tick=True)

    return move


def fresh(filing: CarrierFiling) -> CarrierFiling:
    return CarrierFiling.objects.get(pk=filing.pk)
