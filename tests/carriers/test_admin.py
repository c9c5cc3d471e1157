"""Carrier filings in the reviewer console: actions call the services, per filing."""

from __future__ import annotations

import pytest

from carriers.models import CarrierFiling
from carriers.services import filing_result_enter, filing_submit
from tests.carriers.conftest import fresh
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

URL = "/admin/carriers/carrierfiling/"


@pytest.fixture
def senior_client(client):
    staff = StaffFactory(role="Senior reviewer")
    client.force_login(staff)
    client.user = staff
    return client


def act(client, action, filings, **extra):
    data = {"action": action, "_selected_action": [f.pk for f in filings], **extra}
    return client.post(URL, data, follow=True)


def test_filings_list_shows_state_and_readiness(senior_client, filings):
    response = senior_client.get(URL)
    assert response.status_code == 200
    assert filings["cmcc"].subject.public_id in response.content.decode()


def test_refile_action_queues_a_rejected_filing_again(senior_client, filings):
    filing = filings["cmcc"]
    filing_submit(filing_id=filing.pk)
    filing_result_enter(filing=filing, user=senior_client.user, status="rejected", reason="CM-E310")
    response = act(senior_client, "refile", [filing, filings["cucc"]])
    assert response.status_code == 200
    assert fresh(filing).state == "queued" and fresh(filing).generation == 2
    # The queued one is refused with a message of its own, not silently changed.
    assert fresh(filings["cucc"]).generation == 1
    assert "can be filed again" in response.content.decode() or "重新" in response.content.decode()


def test_enter_result_action_asks_then_records(senior_client, filings):
    filing = filings["cmcc"]
    filing_submit(filing_id=filing.pk)
    page = act(senior_client, "enter_result", [filing])
    assert page.status_code == 200 and 'name="status"' in page.content.decode()
    act(senior_client, "enter_result", [filing], apply="1", status="registered", reason="")
    assert fresh(filing).state == "registered" and fresh(filing).is_usable


def test_reviewers_cannot_run_filing_actions(client, filings):
    client.force_login(StaffFactory(role="Reviewer"))
    filing_submit(filing_id=filings["cmcc"].pk)
    act(client, "enter_result", [filings["cmcc"]], apply="1", status="registered")
    assert CarrierFiling.objects.get(pk=filings["cmcc"].pk).state == "submitted"


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_check_now_names_the_filing_without_its_state_when_the_carrier_is_silent(
    senior_client, filings, carrier_policy
):
    filing = filings["cmcc"]
    filing_submit(filing_id=filing.pk)
    filing_result_enter(filing=filing, user=senior_client.user, status="registered")
    carrier_policy["STUB"]["FAULT_RATE"] = 1.0  # every call times out

    shown = _messages(act(senior_client, "check_now", [filing]))

    label = f"签名申请 {filing.subject} · 中国移动"
    assert shown == [f"{label}：运营商没有答复，系统会自动再次查询。"]
    # Not "registered: unreachable", and none of the gateway's own (English) words.
    assert "报备成功" not in shown[0] and "carrier" not in shown[0]
    assert fresh(filing).state == "registered"


def test_check_now_counts_what_each_filing_got(senior_client, filings):
    filing_submit(filing_id=filings["cmcc"].pk)  # waiting at the carrier: no result yet
    shown = _messages(act(senior_client, "check_now", [filings["cmcc"], filings["cucc"]]))
    assert shown == [
        "已查询 1 条报备：运营商尚无结果。",
        "1 条报备此时未查询：只有等待运营商结果的报备才会查询；"
        "不提供查询接口的运营商只能在其免打扰时段以外通过测试发送确认。",
    ]


def _listed(response) -> set[int]:
    return {f.pk for f in response.context["cl"].result_list}


def test_filings_are_found_by_their_item_s_public_id_or_the_carrier_s_ticket(
    senior_client, filings, approve
):
    other = {f.carrier.code: f for f in CarrierFiling.objects.of(approve(content="和讯"))}
    item = filings["cmcc"].subject
    found = senior_client.get(URL, {"q": item.public_id.lower()})
    assert _listed(found) == {f.pk for f in filings.values()}
    # Part of an ID finds it too, as the search of any other admin list does.
    assert _listed(senior_client.get(URL, {"q": item.public_id[-6:]})) == {
        f.pk for f in filings.values()
    }
    filing_submit(filing_id=other["cucc"].pk)
    ticket = fresh(other["cucc"]).carrier_ticket_id
    assert ticket
    assert _listed(senior_client.get(URL, {"q": ticket})) == {other["cucc"].pk}
    # The search keeps the list's filters.
    carrier = filings["cmcc"].carrier_id
    narrowed = senior_client.get(URL, {"q": item.public_id, "carrier__id__exact": carrier})
    assert _listed(narrowed) == {filings["cmcc"].pk}
    assert _listed(senior_client.get(URL, {"q": "SIG-NOTHING"})) == set()


def test_a_filing_s_page_names_its_item_and_offers_no_field_to_change(senior_client, filings):
    filing = filings["cmcc"]
    response = senior_client.get(f"{URL}{filing.pk}/change/")
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "content_type" not in form.fields and "object_id" not in form.fields
    page = response.content.decode()
    assert filing.subject.public_id in page
    assert 'name="object_id"' not in page and 'name="content_type"' not in page
