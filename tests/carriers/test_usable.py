"""Usable on a carrier means the filing is registered and active (SPEC §5), nothing else: the
one definition, ``CarrierFiling.is_usable``, is what the portal's detail and list pages, the
console's review page and filings list, the callback's answer and the customers' notifications
show. A rejected, cleared, submitted or queued filing is never shown as 可用."""

from __future__ import annotations

import json
import secrets
import time
import uuid
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from carriers.models import Availability, CarrierFiling, FilingState
from carriers.selectors import readiness_of
from carriers.services import (
    callback_signature,
    filing_availability_set,
    filing_result_enter,
    filing_submit,
)
from reviewportal.kinds import kind_of
from reviewportal.models import Notification
from tests.carriers.conftest import fresh
from tests.factories import StaffFactory, TemplateApplicationFactory
from tests.states import walk_to

pytestmark = pytest.mark.django_db

F = FilingState
#: The states of a filing that is not usable whatever its availability flag says.
NOT_REGISTERED = [F.QUEUED, F.SUBMITTED, F.REJECTED, F.CLEARED, F.FAILED]


def _zh(text: str) -> str:
    """A filing's usability in the words a Chinese page uses."""
    with translation.override("zh-hans"):
        return translation.pgettext("carrier filing", text)


class _Rows(HTMLParser):
    """The table rows of a page: each row's attributes and its cells' attributes, text and
    inner tags."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.rows: list[dict] = []
        self._cell: dict | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr":
            self.rows.append({"attrs": attrs, "cells": []})
        elif tag in ("td", "th") and self.rows:
            self._cell = {"attrs": attrs, "text": "", "inner": []}
            self.rows[-1]["cells"].append(self._cell)
        elif self._cell is not None:
            self._cell["inner"].append((tag, attrs))

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["text"] += data


def rows_of(response) -> list[dict]:
    assert response.status_code == 200
    rows = _Rows(response.content.decode()).rows
    for row in rows:
        for cell in row["cells"]:
            cell["text"] = " ".join(cell["text"].split())
    return rows


def put(filing: CarrierFiling, state: str, staff) -> CarrierFiling:
    """Walk a queued filing to ``state`` through the services (staff enter the results; a
    failed one meets a carrier that always times out, with one attempt allowed)."""
    if state == F.FAILED:
        stub, policy = settings.CARRIER_POLICY["STUB"], settings.CARRIER_POLICY
        saved = stub["FAULT_RATE"], policy["MAX_ATTEMPTS"]
        stub["FAULT_RATE"], policy["MAX_ATTEMPTS"] = 1.0, 1
        try:
            filing_submit(filing_id=filing.pk)
        finally:
            stub["FAULT_RATE"], policy["MAX_ATTEMPTS"] = saved
    elif state != F.QUEUED:
        filing_submit(filing_id=filing.pk)
    if state in (F.REGISTERED, F.CLEARED):
        filing_result_enter(filing=filing, user=staff, status="registered")
    if state == F.REJECTED:
        filing_result_enter(filing=filing, user=staff, status="rejected", reason="CU-4007")
    if state == F.CLEARED:
        filing_result_enter(filing=filing, user=staff, status="cleared", reason="CM-C900")
    filing = fresh(filing)
    assert filing.state == state
    return filing


@pytest.fixture
def staff(db):
    return StaffFactory(role="Senior reviewer")


@pytest.fixture(params=["signature", "template"])
def item(request, approved_qualification, customer, reviewer, senior):
    """An approved signature, or an approved template on one; its filings are queued."""
    from tests.factories import SignatureApplicationFactory

    signature = SignatureApplicationFactory(qualification=approved_qualification)
    signature = walk_to(signature, "approved", customer=customer, reviewer=reviewer, senior=senior)
    if request.param == "signature":
        return signature
    template = TemplateApplicationFactory(signature=signature)
    return walk_to(template, "approved", customer=customer, reviewer=reviewer, senior=senior)


@pytest.fixture(params=[F.SUBMITTED, F.REJECTED, F.CLEARED, F.QUEUED])
def mixed(request, item, staff):
    """The item on three carriers: registered and active at China Mobile (usable), in the
    parameter's state at China Unicom, registered but marked inactive at China Telecom. Returns
    the item and what each carrier's filing must be shown as."""
    filings = {f.carrier.code: f for f in CarrierFiling.objects.of(item)}
    put(filings["cmcc"], F.REGISTERED, staff)
    put(filings["cucc"], request.param, staff)
    put(filings["ctcc"], F.REGISTERED, staff)
    filing_availability_set(filing=filings["ctcc"], user=staff, active=False)
    return item, {"cmcc": True, "cucc": False, "ctcc": False}


def kind(item) -> str:
    return kind_of(item).event_name


@pytest.mark.parametrize("state", F.values)
@pytest.mark.parametrize("availability", Availability.values)
def test_is_usable_only_when_registered_and_active(state, availability):
    filing = CarrierFiling(state=state, availability=availability)
    expected = state == F.REGISTERED and availability == Availability.ACTIVE
    assert filing.is_usable is expected
    with translation.override("en"):
        assert filing.get_usable_display() == ("Usable" if expected else "Not usable")


@pytest.mark.parametrize("state", NOT_REGISTERED)
def test_readiness_of_is_false_for_every_state_but_registered(filings, staff, state):
    put(filings["cmcc"], F.REGISTERED, staff)
    put(filings["cucc"], state, staff)
    ready = readiness_of(filings["cmcc"].subject)
    assert ready["cmcc"] is True
    assert ready["cucc"] is False and ready["ctcc"] is False


def assert_shown(shown: dict[str, str], usable: dict[str, bool]) -> None:
    """Per carrier code, what a page shows of a filing's usability: 可用 (or its translation)
    exactly for the usable ones, 不可用 for the others."""
    assert set(shown) == set(usable)
    # The defect first: a filing that is not usable shown as 可用.
    assert not [code for code, text in shown.items() if text == "可用" and not usable[code]], shown
    assert shown == {
        code: _zh("Usable") if ok else _zh("Not usable") for code, ok in usable.items()
    }


def names_of(item) -> dict[str, str]:
    """Carrier code by Chinese carrier name, for the item's filings."""
    return {f.carrier.name_zh: f.carrier.code for f in CarrierFiling.objects.of(item)}


def test_portal_detail_shows_usable_only_for_registered_and_active(client, customer, mixed):
    item, usable = mixed
    client.force_login(customer)
    names = names_of(item)
    url = reverse(f"{kind(item)}s:{kind(item)}_detail", args=[item.public_id])
    shown = {
        names[row["cells"][0]["text"]]: row["cells"][2]["text"]
        for row in rows_of(client.get(url))  # Chinese by default
        if len(row["cells"]) == 4 and row["cells"][0]["text"] in names
    }
    assert_shown(shown, usable)


def test_portal_list_titles_usable_only_for_registered_and_active(client, customer, mixed):
    item, usable = mixed
    client.force_login(customer)
    names = names_of(item)
    shown = {
        names[cell["attrs"]["data-label"]]: dict(cell["inner"])["span"].get("title")
        for row in rows_of(client.get(reverse(f"{kind(item)}s:{kind(item)}_list")))
        for cell in row["cells"]
        if "carrier-cell" in cell["attrs"].get("class", "")
    }
    assert_shown(shown, usable)


def test_console_review_page_shows_usable_only_for_registered_and_active(client, mixed, staff):
    item, usable = mixed
    client.force_login(staff)
    url = reverse(f"admin:{item._meta.app_label}_{item._meta.model_name}_change", args=[item.pk])
    shown = {
        # "不可用 (停用)": the staff-set flag follows in brackets when it is inactive.
        row["attrs"]["data-carrier"]: row["cells"][3]["text"].split(" (")[0]
        for row in rows_of(client.get(url))
        if "data-carrier" in row["attrs"]
    }
    assert_shown(shown, usable)


def test_console_filings_list_shows_usable_only_for_registered_and_active(client, mixed, staff):
    item, usable = mixed
    client.force_login(staff)
    filings = {f.pk: f.carrier.code for f in CarrierFiling.objects.of(item)}
    flags, icons = {}, {}
    for row in rows_of(client.get("/admin/carriers/carrierfiling/")):
        selected = [
            int(attrs["value"])
            for cell in row["cells"]
            for tag, attrs in cell["inner"]
            if tag == "input" and attrs.get("name") == "_selected_action"
        ]
        if not selected or selected[0] not in filings:
            continue
        code = filings[selected[0]]
        cells = {c["attrs"].get("class", ""): c for c in row["cells"]}
        flags[code] = cells["field-availability"]["text"]
        usable_cell = cells.get("field-usable")
        icons[code] = usable_cell and dict(usable_cell["inner"])["img"]["alt"]
    assert set(flags) == {"cmcc", "cucc", "ctcc"}
    # The staff-set flag is not "usable": no row of a filing that is not usable reads 可用...
    assert not [code for code, flag in flags.items() if flag == "可用" and not usable[code]], flags
    # ...and the usable column says which are.
    assert icons == {code: str(ok) for code, ok in usable.items()}


def test_registered_notification_says_usable_only_when_active(filings, customer, staff):
    customer.language = "en"
    customer.save(update_fields=["language"])
    active, inactive = filings["cmcc"], filings["ctcc"]
    filing_submit(filing_id=active.pk)
    filing_submit(filing_id=inactive.pk)
    filing_availability_set(filing=inactive, user=staff, active=False)
    filing_result_enter(filing=active, user=staff, status="registered")
    told_active = Notification.objects.filter(recipient=customer).latest("pk")
    filing_result_enter(filing=inactive, user=staff, status="registered")
    told_inactive = Notification.objects.filter(recipient=customer).latest("pk")
    assert told_active.pk != told_inactive.pk
    assert "can be used there" in told_active.body
    assert "can be used there" not in told_inactive.body
    assert "cannot be used there" in told_inactive.body


def callback(client, filing: CarrierFiling, secret: str, status: str, reason: str = "") -> dict:
    """A carrier's signed callback about ``filing``; the answer's JSON."""
    raw = json.dumps(
        {"ticket_id": filing.carrier_ticket_id, "status": status, "reason": reason}
    ).encode()
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex
    response = client.post(
        f"/carriers/callback/{filing.carrier.code}/",
        data=raw,
        content_type="application/json",
        headers={
            "X-Carrier-Timestamp": timestamp,
            "X-Carrier-Nonce": nonce,
            "X-Carrier-Signature": callback_signature(
                secret=secret, timestamp=timestamp, nonce=nonce, body=raw
            ),
        },
    )
    assert response.status_code == 200, response.content
    answer = response.json()
    return {k: answer[k] for k in ("state", "availability", "usable")}


def test_callback_answers_whether_the_filing_is_usable(client, filings, carrier_policy, staff):
    secret = secrets.token_hex(16)
    carrier_policy["CALLBACK_SECRETS"]["cmcc"] = secret
    filing = filing_submit(filing_id=filings["cmcc"].pk)
    assert callback(client, filing, secret, "registered") == {
        "state": "registered",
        "availability": "active",
        "usable": True,
    }
    filing_availability_set(filing=filing, user=staff, active=False)
    assert callback(client, filing, secret, "registered") == {
        "state": "registered",
        "availability": "inactive",
        "usable": False,
    }


def test_callback_answers_that_a_rejected_filing_is_not_usable(client, filings, carrier_policy):
    secret = secrets.token_hex(16)
    carrier_policy["CALLBACK_SECRETS"]["cucc"] = secret
    filing = filing_submit(filing_id=filings["cucc"].pk)
    assert callback(client, filing, secret, "rejected", "CU-4007") == {
        "state": "rejected",
        "availability": "active",
        "usable": False,
    }
