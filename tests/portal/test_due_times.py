"""Due times in the portal: the review's expected time or that it is pending on a year's calendar,
and per carrier when its answer is expected, or the day a paused carrier resumes filing."""

from __future__ import annotations

import copy
from datetime import date

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from carriers.models import Carrier, CarrierFiling
from carriers.services import filing_submit
from carriers.services.pauses import carrier_pause_save
from reviewportal.services import lifecycle as lc
from reviewportal.services.sla import business_tz, pending_text
from tests.factories import SignatureApplicationFactory
from tests.sla.conftest import at
from tests.states import walk_to


@pytest.fixture
def quiet_carriers(settings):
    """Stub carriers without transient faults."""
    policy = copy.deepcopy(settings.CARRIER_POLICY)
    policy["STUB"]["FAULT_RATE"] = 0.0
    settings.CARRIER_POLICY = policy


@pytest.fixture
def new_years_eve_signature(customer, approved_qualification):
    """A signature submitted at 17:30 on 31 December 2026, and the clock stopped there: its due
    time needs 2027, which the calendar does not have."""
    with time_machine.travel(at("2026-12-31T17:30:00+08:00"), tick=False):
        item = SignatureApplicationFactory(qualification=approved_qualification)
        item = lc.review_submit(item=item, user=customer)
        assert (item.due_at, item.due_pending_year) == (None, 2027)
        yield item


def detail(client, customer, item, *, language=None) -> str:
    # Logged in at the stopped clock: a session of the suite's instant would have expired.
    client.force_login(customer)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("signatures:signature_detail", args=[item.public_id]))
    assert response.status_code == 200
    return response.content.decode()


def test_portal_detail_says_due_time_pending_in_chinese_by_default(
    client, customer, new_years_eve_signature
):
    body = detail(client, customer, new_years_eve_signature)

    with translation.override("zh-hans"):
        chinese = pending_text(2027)
    with translation.override("en"):
        english = pending_text(2027)
    assert chinese == "截止时间待定：尚未导入 2027 年工作日历"
    assert chinese in body
    assert english not in body


def test_portal_detail_says_due_time_pending_in_english_with_the_language_cookie(
    client, customer, new_years_eve_signature
):
    body = detail(client, customer, new_years_eve_signature, language="en")

    assert 'id="review-due"' in body
    assert pending_text(2027) in body


def test_portal_detail_shows_when_the_review_is_expected(client, customer, approved_qualification):
    item = SignatureApplicationFactory(qualification=approved_qualification)
    item = lc.review_submit(item=item, user=customer)

    body = detail(client, customer, item, language="en")

    assert f"{item.due_at.astimezone(business_tz()):%Y-%m-%d %H:%M}" in body
    assert "due time pending" not in body


@pytest.fixture
def approved(approved_qualification, customer, reviewer, senior):
    """An approved signature; its three filings are queued."""
    item = SignatureApplicationFactory(qualification=approved_qualification)
    return walk_to(item, "approved", customer=customer, reviewer=reviewer, senior=senior)


def test_portal_detail_says_when_a_paused_carrier_resumes_filing(
    monday_clock, client, customer, approved
):
    # The suite runs on 23 November 2026: the pause is under way.
    carrier_pause_save(
        carrier=Carrier.objects.get(code="cmcc"),
        starts_on=date(2026, 11, 20),
        ends_on=date(2026, 12, 5),
        note="系统升级",
        user=None,
    )
    assert set(CarrierFiling.objects.of(approved).values_list("state", flat=True)) == {"queued"}

    english = detail(client, customer, approved, language="en")
    assert english.count("resumes filing on") == 1
    assert "China Mobile resumes filing on 2026-12-06" in english

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    chinese = client.get(reverse("signatures:signature_detail", args=[approved.public_id]))
    with translation.override("zh-hans"):
        expected = translation.gettext("%(carrier)s resumes filing on %(date)s") % {
            "carrier": "中国移动",
            "date": "2026-12-06",
        }
    assert expected in chinese.content.decode()


def test_portal_detail_says_nothing_of_a_pause_that_is_over(client, customer, approved):
    carrier_pause_save(
        carrier=Carrier.objects.get(code="cmcc"),
        starts_on=date(2026, 11, 1),
        ends_on=date(2026, 11, 10),
        user=None,
    )

    assert "resumes filing on" not in detail(client, customer, approved, language="en")


def test_portal_detail_says_when_each_carriers_answer_is_expected(
    quiet_carriers, client, customer, approved
):
    filings = CarrierFiling.objects.of(approved).order_by("carrier__sort_order")
    submitted = filing_submit(filing_id=filings[0].pk)
    assert submitted.state == "submitted"

    body = detail(client, customer, approved, language="en")

    due = submitted.due_at.astimezone(business_tz())
    assert f"expected by {due:%Y-%m-%d %H:%M}" in body
    assert body.count("expected by") == 1


def test_portal_detail_says_a_carriers_due_time_is_pending(
    quiet_carriers, client, customer, approved
):
    filing = CarrierFiling.objects.of(approved).order_by("carrier__sort_order")[0]
    with time_machine.travel(at("2026-12-28T10:00:00+08:00"), tick=False):
        submitted = filing_submit(filing_id=filing.pk)
        assert submitted.due_pending_year == 2027

        body = detail(client, customer, approved, language="en")

    assert pending_text(2027) in body
    assert "expected by" not in body
