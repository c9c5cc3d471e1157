"""A customer re-files a filing the carrier rejected or cleared, after fixing what it asked
(``filing_refile_by_customer``): only their own account's, only rejected or cleared filings,
only while the item is usable, at most so many a day and not too soon after the last one. A
re-file is audited and sent through the forwarding path after commit; the portal shows the
button only when it is allowed, the re-files afterwards, and a refusal as a message."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from carriers.models import CarrierFiling, CustomerRefile, FilingAttempt, FilingState, StubFiling
from carriers.rules import RefileRefusalCode
from carriers.selectors import refile_histories
from carriers.services import (
    RefileRefused,
    filing_refile,
    filing_refile_by_customer,
    filing_result_enter,
    filing_submit,
)
from reviewportal.services import lifecycle as lc
from reviewportal.services.sla import business_tz
from tests.carriers.conftest import fresh
from tests.carriers.test_usable import put
from tests.factories import CustomerFactory, StaffFactory, TemplateApplicationFactory
from tests.states import walk_to

pytestmark = pytest.mark.django_db

F = FilingState
R = RefileRefusalCode


@pytest.fixture
def limits(carrier_policy):
    """Explicit limits, whatever the defaults: two a day, ten minutes apart."""
    carrier_policy["CUSTOMER_REFILE"] = {"MAX_PER_DAY": 2, "MIN_WAIT_SECONDS": 600}
    return carrier_policy["CUSTOMER_REFILE"]


@pytest.fixture
def staff(db):
    return StaffFactory(role="Senior reviewer")


def reject(filing: CarrierFiling, staff, reason: str = "CU-4007") -> CarrierFiling:
    """The carrier takes the (queued) filing and rejects it."""
    assert filing_submit(filing_id=filing.pk).state == F.SUBMITTED
    filing_result_enter(filing=filing, user=staff, status="rejected", reason=reason)
    return fresh(filing)


@pytest.fixture
def rejected(filings, staff, limits) -> CarrierFiling:
    return reject(filings["cucc"], staff)


def refused(filing, user) -> RefileRefusalCode:
    before, refiles, logs = fresh(filing), CustomerRefile.objects.count(), StateLog.objects.count()
    with pytest.raises(RefileRefused) as refusal:
        filing_refile_by_customer(filing=filing, user=user)
    after = fresh(filing)
    # Nothing was written.
    assert (after.state, after.generation) == (before.state, before.generation)
    assert (CustomerRefile.objects.count(), StateLog.objects.count()) == (refiles, logs)
    return refusal.value.refusal.code


#: What a bulk re-review flags an approved item with (a rule changed).
FINDING = {
    "code": "SIG_TYPE_NOT_ACCEPTED",
    "severity": "block",
    "field": "sig_type",
    "message": "rule changed",
    "params": {},
}


def move(time_machine, **delta) -> None:
    time_machine.move_to(timezone.now() + timedelta(**delta), tick=True)


# --- the service -------------------------------------------------------------------------------


def test_customer_refiles_a_rejected_filing_audited_and_sent_after_commit(
    eager_tasks, rejected, customer, django_capture_on_commit_callbacks
):
    key_before = rejected.idempotency_key
    with django_capture_on_commit_callbacks(execute=True):
        filing = filing_refile_by_customer(filing=rejected, user=customer)
        # Nothing goes to the carrier before the commit.
        assert fresh(rejected).state == F.QUEUED
        assert not FilingAttempt.objects.filter(filing=rejected, generation=2).exists()
    assert filing.generation == 2 and filing.idempotency_key != key_before
    refile = CustomerRefile.objects.get(filing=rejected)
    assert (refile.requested_by, refile.from_state, refile.carrier_reason, refile.generation) == (
        customer,
        F.REJECTED,
        "CU-4007",
        2,
    )
    log = StateLog.objects.for_(rejected).filter(transition="refile").get()
    assert (log.by, log.source_state, log.state) == (customer, F.REJECTED, F.QUEUED)
    assert "CU-4007" in log.description
    # The forwarding task sent the new generation: the carrier holds both, once each.
    after = fresh(rejected)
    assert after.state == F.SUBMITTED and after.carrier_reason == ""
    attempt = FilingAttempt.objects.get(filing=rejected, generation=2)
    assert attempt.idempotency_key == after.idempotency_key
    assert (
        StubFiling.objects.filter(revision_id=rejected.revision_id, carrier_code="cucc").count()
        == 2
    )


def test_customer_refiles_a_cleared_filing(filings, customer, staff, limits):
    filing = put(filings["cmcc"], F.CLEARED, staff)
    assert filing_refile_by_customer(filing=filing, user=customer).state == F.QUEUED
    assert CustomerRefile.objects.get(filing=filing).from_state == F.CLEARED


@pytest.mark.parametrize("state", [F.QUEUED, F.SUBMITTED, F.REGISTERED, F.FAILED])
def test_filings_neither_rejected_nor_cleared_are_refused(filings, customer, staff, limits, state):
    filing = put(filings["ctcc"], state, staff)
    assert refused(filing, customer) == R.STATE
    assert not CustomerRefile.objects.exists()


def test_another_accounts_customer_is_refused(rejected):
    assert refused(rejected, CustomerFactory()) == R.NOT_YOURS


@pytest.mark.parametrize("role", ["Senior reviewer", "Support", "Reviewer"])
def test_staff_may_not_use_the_customer_path(rejected, role):
    assert refused(rejected, StaffFactory(role=role)) == R.NOT_YOURS


def test_an_inactive_user_of_the_account_is_refused(rejected, customer):
    colleague = CustomerFactory(account=customer.account, is_active=False)
    assert refused(rejected, colleague) == R.NOT_YOURS
    # An active colleague of the same account may.
    colleague = CustomerFactory(account=customer.account)
    assert filing_refile_by_customer(filing=rejected, user=colleague).state == F.QUEUED


def test_refused_once_the_item_is_revoked(rejected, customer, senior):
    item = rejected.subject
    item = lc.review_flag_for_rereview(item=item, user=senior, findings=[FINDING])
    lc.review_revoke(item=item, user=senior, reasons=["other"])
    assert refused(rejected, customer) == R.ITEM_NOT_USABLE


def test_refused_while_suspended_for_rereview_but_allowed_when_not(rejected, customer, senior):
    item = lc.review_flag_for_rereview(
        item=rejected.subject, user=senior, findings=[FINDING], suspend=True
    )
    with pytest.raises(RefileRefused) as refusal:
        filing_refile_by_customer(filing=rejected, user=customer)
    assert refusal.value.refusal.code == R.ITEM_NOT_USABLE
    assert "suspended" in str(refusal.value)
    lc.review_confirm(item=item, user=senior)
    lc.review_flag_for_rereview(item=item, user=senior, findings=[FINDING])  # usable meanwhile
    assert filing_refile_by_customer(filing=rejected, user=customer).state == F.QUEUED


def test_not_again_before_the_minimum_wait(rejected, customer, staff, limits, time_machine):
    filing_refile_by_customer(filing=rejected, user=customer)
    first = CustomerRefile.objects.get().requested_at
    reject(rejected, staff)
    with pytest.raises(RefileRefused) as refusal:
        filing_refile_by_customer(filing=rejected, user=customer)
    assert refusal.value.refusal.code == R.TOO_SOON
    assert refusal.value.refusal.retry_at == first + timedelta(seconds=600)
    retry = refusal.value.refusal.retry_at.astimezone(business_tz())
    assert f"{retry:%H:%M}" in str(refusal.value)
    move(time_machine, seconds=590)
    assert refused(rejected, customer) == R.TOO_SOON
    move(time_machine, seconds=15)
    assert filing_refile_by_customer(filing=rejected, user=customer).generation == 3


def test_at_most_so_many_a_day_per_filing(filings, rejected, customer, staff, limits, time_machine):
    for _n in range(limits["MAX_PER_DAY"]):
        filing_refile_by_customer(filing=rejected, user=customer)
        reject(rejected, staff)
        move(time_machine, minutes=11)
    with pytest.raises(RefileRefused) as refusal:
        filing_refile_by_customer(filing=rejected, user=customer)
    assert refusal.value.refusal.code == R.DAILY_LIMIT
    tomorrow = refusal.value.refusal.retry_at.astimezone(business_tz())
    assert (tomorrow.date(), tomorrow.hour, tomorrow.minute) == (
        timezone.localdate(timezone.now(), business_tz()) + timedelta(days=1),
        0,
        0,
    )
    # The limit is per filing: another filing of the same item is not affected.
    other = reject(filings["cmcc"], staff, reason="CM-E310")
    assert filing_refile_by_customer(filing=other, user=customer).state == F.QUEUED
    # From midnight (Beijing time) the filing may be re-filed again.
    time_machine.move_to(tomorrow + timedelta(minutes=1), tick=True)
    assert filing_refile_by_customer(filing=rejected, user=customer).state == F.QUEUED
    history = refile_histories([rejected.pk])[rejected.pk]
    assert (history.count, history.today) == (limits["MAX_PER_DAY"] + 1, 1)


def test_staff_refiles_are_not_limited_and_not_counted(rejected, customer, staff, limits):
    for _n in range(limits["MAX_PER_DAY"] + 1):
        filing_refile(filing=rejected, user=staff)
        reject(rejected, staff)
    assert not CustomerRefile.objects.exists()
    assert filing_refile_by_customer(filing=rejected, user=customer).state == F.QUEUED


def test_default_limits_are_set_in_settings():
    limits = settings.CARRIER_POLICY["CUSTOMER_REFILE"]
    assert limits["MAX_PER_DAY"] >= 1 and limits["MIN_WAIT_SECONDS"] >= 60


def test_refile_histories_count_the_day_in_beijing_time(rejected, customer, staff, limits):
    assert refile_histories([rejected.pk]) == {}
    filing_refile_by_customer(filing=rejected, user=customer)
    at = CustomerRefile.objects.get().requested_at
    history = refile_histories([rejected.pk])[rejected.pk]
    assert (history.count, history.today, history.last_at) == (1, 1, at)
    # Seen from the next day (Beijing), it is not today's any more.
    local = at.astimezone(business_tz())
    next_day = datetime.combine(
        local.date() + timedelta(days=1), datetime.min.time(), business_tz()
    )
    assert refile_histories([rejected.pk], now=next_day)[rejected.pk].today == 0


# --- the portal --------------------------------------------------------------------------------


def refile_url(filing) -> str:
    return reverse("portal:filing_refile", args=[filing.pk])


def detail_url(filing) -> str:
    return reverse("signatures:signature_detail", args=[filing.subject.public_id])


@pytest.fixture
def portal(client, customer):
    client.force_login(customer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def row(body: str, code: str) -> str:
    return body[body.index(f'data-carrier="{code}"') :].split("</tr>")[0]


def test_portal_button_only_for_filings_the_customer_may_refile(portal, rejected, filings):
    body = portal.get(detail_url(rejected)).content.decode()
    assert refile_url(rejected) in row(body, "cucc")
    # Queued: nothing to re-file, and nothing said about it.
    assert "refile" not in row(body, "cmcc") and "refile-refused" not in row(body, "cmcc")


def test_portal_refile_then_shows_the_attempt(portal, rejected):
    response = portal.post(refile_url(rejected), {"form_token": "t-1"}, follow=True)
    assert response.redirect_chain == [(detail_url(rejected), 302)]
    body = response.content.decode()
    assert "was filed again with China Unicom" in body
    cells = row(body, "cucc")
    refile = CustomerRefile.objects.get(filing=rejected)
    assert 'data-count="1"' in cells
    assert f"{refile.requested_at.astimezone(business_tz()):%Y-%m-%d %H:%M}" in cells
    assert "fl-queued" in cells  # the state after the re-file; the button is gone
    assert refile_url(rejected) not in cells


def test_portal_refile_of_a_template_filing_returns_to_the_template(
    portal, customer, reviewer, senior, approve, staff, limits
):
    template = walk_to(
        TemplateApplicationFactory(signature=approve()),
        "approved",
        customer=customer,
        reviewer=reviewer,
        senior=senior,
    )
    filing = reject(CarrierFiling.objects.of(template).get(carrier__code="cucc"), staff)
    response = portal.post(refile_url(filing))
    assert response.status_code == 302
    assert response["Location"] == reverse("templates:template_detail", args=[template.public_id])
    assert fresh(filing).state == F.QUEUED


def test_portal_refusal_is_a_message_on_the_items_page(portal, rejected, staff, time_machine):
    portal.post(refile_url(rejected))
    reject(rejected, staff)
    body = portal.get(detail_url(rejected)).content.decode()
    # Too soon: no button, and the page says from when.
    cells = row(body, "cucc")
    assert refile_url(rejected) not in cells and "refile-refused" in cells
    response = portal.post(refile_url(rejected), follow=True)
    assert response.status_code == 200
    assert "you can re-file it again from" in response.content.decode()
    assert fresh(rejected).generation == 2


def test_portal_refusal_of_a_filing_in_another_state(portal, filings, limits):
    queued = filings["cmcc"]
    response = portal.post(refile_url(queued), follow=True)
    assert response.status_code == 200
    assert (
        "Only a filing the carrier rejected or cleared can be re-filed" in response.content.decode()
    )
    assert fresh(queued).generation == 1 and not CustomerRefile.objects.exists()


def test_portal_another_accounts_filing_is_not_found(client, rejected):
    client.force_login(CustomerFactory())
    assert client.post(refile_url(rejected)).status_code == 404
    assert fresh(rejected).state == F.REJECTED
    # Nor does the other account see a button on a page it cannot open.
    assert client.get(detail_url(rejected)).status_code == 404


@pytest.mark.parametrize("filing_id", ["abc", "0", "１２", "9" * 40, "-1"])
def test_portal_odd_filing_ids_are_not_found(portal, filing_id, rejected):
    url = reverse("portal:filing_refile", args=[filing_id])
    assert portal.post(url).status_code == 404


def test_portal_refile_answers_a_get_with_405(portal, rejected):
    assert portal.get(refile_url(rejected)).status_code == 405
    assert fresh(rejected).state == F.REJECTED


def test_portal_refile_needs_a_customer(client, rejected):
    assert client.post(refile_url(rejected)).status_code == 302  # to the login page
    client.force_login(StaffFactory(role="Senior reviewer"))
    assert client.post(refile_url(rejected)).status_code == 403
    assert fresh(rejected).state == F.REJECTED


def test_portal_double_click_refiles_once(portal, rejected):
    first = portal.post(refile_url(rejected), {"form_token": "same"})
    second = portal.post(refile_url(rejected), {"form_token": "same"}, follow=True)
    assert first.status_code == 302
    assert "already been sent" in second.content.decode()
    assert CustomerRefile.objects.count() == 1 and fresh(rejected).generation == 2
