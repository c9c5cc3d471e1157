"""An other-use signature relies on its partner's authorization letter only while the
authorization is valid (SPEC §2 "Authorization ... validity dates", §4 SIG_AUTHORIZATION_REQUIRED).

Three places build the pre-check input from the database, and each must drop an expired letter:
(a) the per-item findings (``signatures.selectors.signature_findings``, what submission and
approval store), (b) the signature form's live check (the ``signature_precheck`` JSON view),
(c) bulk re-review's batched inputs (``reviewportal.services.rereview.checks``). An authorization
whose validity ended yesterday gives the blocking SIG_AUTHORIZATION_REQUIRED finding (its letter
is missing) in each; one valid until today, or later, does not."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from reviewportal.errors import PrecheckBlocked
from reviewportal.models import ReviewState
from reviewportal.sample_ids import sample_resident_id, sample_uscc
from reviewportal.services import lifecycle as lc
from reviewportal.services.findings import findings_for
from reviewportal.services.rereview import BatchChecker, rereview_run
from signatures.models import SignatureApplication
from signatures.rules import SIG_AUTHORIZATION_REQUIRED, SIG_MATERIALS_MISSING
from signatures.selectors import signature_check_input, signature_findings
from signatures.services import authorization_create
from tests.factories import SignatureApplicationFactory, make_material

pytestmark = pytest.mark.django_db

S = ReviewState
DAY = dt.timedelta(days=1)

#: Two partners, each lending its name to one other-use signature.
PARTNERS = {
    "途远国际": "上海途远国际旅行社有限公司",
    "星河远航": "北京星河远航科技有限公司",
}

#: What an expired (or not yet valid) authorization leaves the signature without.
EXPIRED_BLOCKS = {SIG_AUTHORIZATION_REQUIRED, SIG_MATERIALS_MISSING}

#: The run kind the signatures app registers.
SIGNATURES = "signatures"


def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def other_use(approved_qualification, customer):
    """``other_use(content, valid_until=…)``: a draft other-use signature of ``content`` relying
    on an authorization (with its letter) of the partner of that name, valid from the start of
    the year until ``valid_until``."""
    numbers = iter(range(7100, 7200))

    def make(content: str, *, valid_until: dt.date, valid_from: dt.date | None = None):
        n = next(numbers)
        authorization = authorization_create(
            qualification=approved_qualification,
            user=customer,
            partner_name=PARTNERS[content],
            partner_uscc=sample_uscc(n, region="310000"),
            partner_legal_rep_name="周七",
            partner_legal_rep_id_number=sample_resident_id(n),
            valid_from=valid_from or dt.date(2026, 1, 1),
            valid_until=valid_until,
            letter=make_material(customer.account, "authorization_letter", user=customer),
        )
        return SignatureApplicationFactory(
            qualification=approved_qualification,
            content=content,
            purpose="other",
            authorization=authorization,
        )

    return make


def _blocking(findings) -> set[str]:
    return {f["code"] for f in findings if f["severity"] == "block"}


def _authorization_finding(findings) -> dict:
    (finding,) = [f for f in findings if f["code"] == SIG_AUTHORIZATION_REQUIRED]
    return finding


# --- (a) the per-item findings ------------------------------------------------------------------


def test_item_findings_block_an_authorization_that_ended_yesterday(other_use):
    item = other_use("途远国际", valid_until=today() - DAY)

    findings = signature_findings(item, on=today())

    assert _blocking(findings) == EXPIRED_BLOCKS
    finding = _authorization_finding(findings)
    assert finding["severity"] == "block"
    assert finding["field"] == "authorization"
    assert finding["params"]["missing"] == ["authorization_letter"]
    assert not signature_check_input(item, on=today()).has_authorization_letter
    # What the lifecycle stores and refuses on: today's findings.
    assert _blocking(findings_for(item)) == EXPIRED_BLOCKS


@pytest.mark.parametrize("days_left", [0, 1, 400])
def test_item_findings_accept_an_authorization_valid_until_today_or_later(other_use, days_left):
    item = other_use("途远国际", valid_until=today() + days_left * DAY)

    findings = signature_findings(item, on=today())

    assert _blocking(findings) == set()
    assert SIG_AUTHORIZATION_REQUIRED not in {f["code"] for f in findings}
    assert signature_check_input(item, on=today()).has_authorization_letter


def test_item_findings_block_an_authorization_not_yet_valid(other_use):
    item = other_use("途远国际", valid_from=today() + DAY, valid_until=today() + 400 * DAY)
    assert _blocking(signature_findings(item, on=today())) == EXPIRED_BLOCKS


def test_item_findings_are_as_of_the_date_asked(other_use):
    item = other_use("途远国际", valid_until=today())
    assert _blocking(signature_findings(item, on=today())) == set()
    assert _blocking(signature_findings(item, on=today() + DAY)) == EXPIRED_BLOCKS


def test_submission_with_an_expired_authorization_is_refused(other_use, customer):
    expired = other_use("途远国际", valid_until=today() - DAY)
    with pytest.raises(PrecheckBlocked) as refused:
        lc.review_submit(item=expired, user=customer)
    assert SIG_AUTHORIZATION_REQUIRED in _blocking(refused.value.findings)
    assert SignatureApplication.objects.get(pk=expired.pk).state == S.DRAFT

    valid = other_use("星河远航", valid_until=today())
    assert lc.review_submit(item=valid, user=customer).state == S.PENDING_REVIEW


# --- (b) the live check of the signature form ---------------------------------------------------


def _live_check(client, item) -> dict:
    response = client.get(
        reverse("signatures:signature_precheck"),
        {
            "qualification": item.qualification.public_id,
            "sig_type": item.sig_type,
            "content": item.content,
            "purpose": item.purpose,
            "authorization": item.authorization_id,
        },
    )
    assert response.status_code == 200
    return response.json()


def test_live_check_blocks_an_authorization_that_ended_yesterday(client, customer, other_use):
    item = other_use("途远国际", valid_until=today() - DAY)
    client.force_login(customer)

    answer = _live_check(client, item)

    assert answer["blocking"] is True
    assert _blocking(answer["findings"]) == EXPIRED_BLOCKS
    finding = _authorization_finding(answer["findings"])
    assert finding["field"] == "authorization"


@pytest.mark.parametrize("days_left", [0, 1, 400])
def test_live_check_accepts_an_authorization_valid_until_today_or_later(
    client, customer, other_use, days_left
):
    item = other_use("途远国际", valid_until=today() + days_left * DAY)
    client.force_login(customer)

    answer = _live_check(client, item)

    assert answer["blocking"] is False, answer
    assert SIG_AUTHORIZATION_REQUIRED not in {f["code"] for f in answer["findings"]}


def test_live_check_blocks_an_authorization_not_yet_valid(client, customer, other_use):
    item = other_use("途远国际", valid_from=today() + DAY, valid_until=today() + 400 * DAY)
    client.force_login(customer)
    assert _blocking(_live_check(client, item)["findings"]) == EXPIRED_BLOCKS


# --- (c) bulk re-review -------------------------------------------------------------------------


@pytest.fixture
def approved_pair(other_use, customer, reviewer):
    """Two approved other-use signatures: one whose authorization ended yesterday (approved
    while it was valid: the checks as of yesterday), one valid until today."""

    def approve(item, as_of=None):
        item = lc.review_submit(item=item, user=customer, checks_as_of=as_of)
        item = lc.review_claim(item=item, user=reviewer)
        lc.review_approve(item=item, user=reviewer, checks_as_of=as_of)
        item = SignatureApplication.objects.get(pk=item.pk)
        assert item.state == S.APPROVED
        return item

    yesterday = today() - DAY
    expired = approve(other_use("途远国际", valid_until=yesterday), as_of=yesterday)
    valid = approve(other_use("星河远航", valid_until=today()))
    return expired, valid


def _noncompliant(checker) -> dict[int, set[str]]:
    return {
        checked.row.pk: set(checked.codes) for batch in checker for checked in batch.noncompliant
    }


def test_rereview_flags_the_authorization_that_ended_yesterday_only(approved_pair):
    expired, valid = approved_pair

    found = _noncompliant(BatchChecker(SIGNATURES, on=today()))

    assert found == {expired.pk: EXPIRED_BLOCKS}
    assert valid.pk not in found


def test_rereview_limited_to_the_authorization_rule(approved_pair):
    expired, _valid = approved_pair
    checker = BatchChecker(SIGNATURES, on=today(), codes=[SIG_AUTHORIZATION_REQUIRED])
    assert _noncompliant(checker) == {expired.pk: {SIG_AUTHORIZATION_REQUIRED}}


def test_rereview_is_as_of_its_date(approved_pair):
    expired, valid = approved_pair
    yesterday, tomorrow = today() - DAY, today() + DAY
    assert _noncompliant(BatchChecker(SIGNATURES, on=yesterday)) == {}
    # Tomorrow the one valid until today has ended yesterday too.
    assert _noncompliant(BatchChecker(SIGNATURES, on=tomorrow)) == {
        expired.pk: EXPIRED_BLOCKS,
        valid.pk: EXPIRED_BLOCKS,
    }


def test_rereview_batches_agree_with_the_item_findings(approved_pair):
    """The batched inputs are the twins of ``signature_check_input``, batch size regardless."""
    for size in (1, 1000):
        found = _noncompliant(BatchChecker(SIGNATURES, on=today(), batch_size=size))
        for item in approved_pair:
            expected = _blocking(signature_findings(item, on=today()))
            assert found.get(item.pk, set()) == expected, (size, item.content)


def test_rereview_run_reports_and_flags_the_expired_authorization(approved_pair, senior, tmp_path):
    expired, valid = approved_pair

    dry = rereview_run(kind=SIGNATURES, on=today(), report_path=tmp_path / "dry.csv")

    assert (dry.checked, dry.noncompliant) == (2, 1)
    with open(tmp_path / "dry.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["item"] for row in rows] == [expired.public_id]
    assert SIG_AUTHORIZATION_REQUIRED in rows[0]["rule_codes"]

    committed = rereview_run(
        kind=SIGNATURES, on=today(), commit=True, user=senior, report_path=tmp_path / "run.csv"
    )

    assert committed.flagged == 1
    expired.refresh_from_db()
    valid.refresh_from_db()
    assert expired.state == S.REREVIEW
    assert SIG_AUTHORIZATION_REQUIRED in _blocking(expired.current_revision.findings)
    assert valid.state == S.APPROVED
