"""Bulk re-review's batched check inputs (``reviewportal.services.rereview.checks``) are the
twins of the per-item builders, whatever the batch boundaries, and read what they must only.

The approved items here are built directly in the approved state, as imported data is (the
services would refuse most of them at approval): each carries one thing the inputs must get
right: own materials, a trademark with or without its certificate, an authorization valid on
exactly the run's day, over a longer time, not yet, or without its letter, a qualification of
another entity kind with no document, a signature held by two qualifications, neutral words of
the console. Every item's batched input and blocking findings are compared with what
``signatures.selectors.signature_check_input`` gives for it alone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.management.color import no_style
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviewportal.models import ReviewState
from reviewportal.precheck import run_signature_checks, run_template_checks
from reviewportal.sample_ids import sample_resident_id, sample_uscc
from reviewportal.services.rereview import BatchChecker
from reviewportal.services.rereview.checks import AccountIds, Row
from signatures.models import NeutralWord, SignatureApplication
from signatures.rereview import SIGNATURE_FIELDS, SignatureInputs
from signatures.selectors import signature_check_input
from signatures.services import authorization_create, trademark_create
from templates.models import TemplateApplication
from templates.rereview import TEMPLATE_FIELDS, TemplateInputs
from templates.selectors import template_check_input
from tests.factories import (
    AccountFactory,
    CustomerFactory,
    QualificationFactory,
    SignatureApplicationFactory,
    TemplateApplicationFactory,
    make_material,
)

pytestmark = pytest.mark.django_db

S = ReviewState
ON = dt.date(2026, 6, 17)
DAY = dt.timedelta(days=1)


@dataclass
class World:
    signatures: list
    qualifications: dict


class Maker:
    def __init__(self):
        self.n = 8100
        self.a = self.qualification(name="深圳市和讯华谷信息技术有限公司")
        self.b = self.qualification(
            name="香港和讯国际事业单位",
            entity_kind="public_institution",
            is_mainland=False,
            with_materials=False,
        )
        self.c = self.qualification(name="杭州星河互动娱乐有限公司")

    def qualification(self, **kwargs):
        account = AccountFactory()
        CustomerFactory(account=account)
        return QualificationFactory(account=account, **kwargs)

    def materials(self, qualification, *kinds):
        return [make_material(qualification.account, kind) for kind in kinds]

    def signature(self, qualification, content, *, own=(), **kwargs):
        item = SignatureApplicationFactory(
            qualification=qualification, content=content, state=S.APPROVED, **kwargs
        )
        if own:
            item.materials.set(self.materials(qualification, *own))
        return item

    def trademark(self, qualification, name, *, certificate=True):
        return trademark_create(
            qualification=qualification,
            user=qualification.account.users.first(),
            name=name,
            registration_number="30123456",
            owner_name=qualification.name,
            certificate=self.materials(qualification, "trademark_certificate")[0]
            if certificate
            else None,
        )

    def authorization(self, qualification, partner, *, valid_from, valid_until, letter=True):
        self.n += 1
        return authorization_create(
            qualification=qualification,
            user=qualification.account.users.first(),
            partner_name=partner,
            partner_uscc=sample_uscc(self.n, region="310000"),
            partner_legal_rep_name="周七",
            partner_legal_rep_id_number=sample_resident_id(self.n),
            valid_from=valid_from,
            valid_until=valid_until,
            letter=self.materials(qualification, "authorization_letter")[0] if letter else None,
            partner_materials=self.materials(qualification, "special_permit"),
        )


@pytest.fixture
def maker(db) -> Maker:
    return Maker()


@pytest.fixture
def world(maker) -> World:
    NeutralWord.objects.create(word="官方旗舰")
    NeutralWord.objects.filter(word="温馨提示").update(is_active=False)
    m = maker
    a, b, c = m.a, m.b, m.c
    signatures = [
        m.signature(a, "和讯华谷"),
        m.signature(a, "和讯", sig_type="trademark", trademark=m.trademark(a, "和讯")),
        m.signature(b, "和讯国际", own=["other"]),
        m.signature(
            a,
            "途远国际",
            purpose="other",
            authorization=m.authorization(
                a, "上海途远国际旅行社有限公司", valid_from=ON, valid_until=ON
            ),
        ),
        m.signature(
            a,
            "星河远航",
            purpose="other",
            authorization=m.authorization(
                a, "北京星河远航科技有限公司", valid_from=ON - 100 * DAY, valid_until=ON + 100 * DAY
            ),
        ),
        m.signature(
            a,
            "讯华",
            sig_type="trademark",
            trademark=m.trademark(a, "讯华", certificate=False),
            own=["other"],
        ),
        m.signature(
            b,
            "远航",
            purpose="other",
            authorization=m.authorization(
                b, "北京远航科技有限公司", valid_from=ON + DAY, valid_until=ON + 100 * DAY
            ),
            own=["institution_certificate"],
        ),
        m.signature(c, "星河互动"),
        m.signature(a, "星河互动"),
        m.signature(a, "极光推送", sig_type="app", own=["icp_screenshot"]),
        m.signature(
            a,
            "途远旅行",
            purpose="other",
            authorization=m.authorization(
                a,
                "上海途远旅行有限公司",
                valid_from=ON - DAY,
                valid_until=ON + DAY,
                letter=False,
            ),
        ),
        m.signature(a, "通知提醒"),
        m.signature(a, "官方旗舰"),
        m.signature(a, "温馨提示"),
        m.signature(c, "星河", own=["other", "special_permit"]),
    ]
    return World(signatures, {"a": a, "b": b, "c": c})


def _values(items=None):
    queryset = SignatureApplication.objects.order_by("pk")
    if items is not None:
        queryset = queryset.filter(pk__in=[i.pk for i in items])
    return list(queryset.values_list(*SIGNATURE_FIELDS))


def _singly(values):
    return [signature_check_input(SignatureApplication.objects.get(pk=v[0]), on=ON) for v in values]


def _chunks(values, size):
    after = 0
    for start in range(0, len(values), size):
        chunk = values[start : start + size]
        yield chunk, after
        after = chunk[-1][0]


def _blocking(item, codes=None) -> list[str]:
    data = signature_check_input(item, on=ON)
    found = run_signature_checks(data, on=ON, codes=codes)
    return list(dict.fromkeys(f.code for f in found if f.is_blocking))


def _noncompliant(checker) -> dict[int, list[str]]:
    return {c.row.pk: c.codes for batch in checker for c in batch.noncompliant}


# --- the inputs themselves ----------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 2, 3, 100])
def test_batched_inputs_read_for_themselves_match_the_per_item_builder(world, size):
    values = _values()
    inputs = SignatureInputs(on=ON)

    batched = [
        data for chunk, after in _chunks(values, size) for data in inputs(chunk, after=after)
    ]

    assert batched == _singly(values)


@pytest.mark.parametrize("size", [2, 3, 100])
def test_batched_inputs_read_ahead_match_the_per_item_builder(world, size):
    values = _values()
    inputs = SignatureInputs(on=ON)

    batched = []
    for chunk, after in _chunks(values, size):
        batched += inputs(chunk, after=after, **inputs.read_ahead(chunk, after=after))

    assert batched == _singly(values)


def test_batched_inputs_of_the_items_that_need_each_part(world):
    """The parts that decide each item, spelled out (the comparison above covers the rest)."""
    by_content = {
        (data.content, data.entity_name): data
        for data in SignatureInputs(on=ON)(_values(), after=0)
    }
    a, b = world.qualifications["a"].name, world.qualifications["b"].name
    assert "trademark_certificate" in by_content["和讯", a].material_kinds
    assert "trademark_certificate" not in by_content["讯华", a].material_kinds
    assert "other" in by_content["讯华", a].material_kinds
    assert by_content["途远国际", a].has_authorization_letter
    assert "authorization_letter" in by_content["途远国际", a].material_kinds
    assert "special_permit" in by_content["途远国际", a].material_kinds
    assert by_content["星河远航", a].has_authorization_letter
    assert not by_content["远航", b].has_authorization_letter
    assert by_content["远航", b].material_kinds == {"special_permit", "institution_certificate"}
    assert not by_content["途远旅行", a].has_authorization_letter
    assert by_content["和讯国际", b].material_kinds == {"other"}
    assert (by_content["和讯国际", b].entity_kind, by_content["和讯国际", b].is_mainland) == (
        "public_institution",
        False,
    )
    assert not by_content["和讯华谷", a].has_authorization_letter
    assert [content for (content, _n), data in by_content.items() if data.taken] == [
        "星河互动",
        "星河互动",
    ]


def test_a_signature_held_by_its_own_qualification_only_is_not_taken(world):
    """Every item here is approved, so it holds its own text: that alone is no clash."""
    values = _values(world.signatures[:2])
    assert [data.taken for data in SignatureInputs(on=ON)(values, after=0)] == [False, False]


def test_inputs_of_no_rows_are_empty(world):
    inputs = SignatureInputs(on=ON)
    assert inputs([], after=0) == []
    assert inputs.read_ahead([], after=0) == {"own": {}, "ahead": {}}
    assert TemplateInputs()([], after=0) == []


# --- what a run finds ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 3, 4, 100])
def test_a_run_finds_what_the_per_item_pre_check_finds(world, size):
    expected = {i.pk: codes for i in world.signatures if (codes := _blocking(i))}
    assert len(expected) >= 8  # the world has a variety of findings

    batches = list(BatchChecker("signatures", on=ON, batch_size=size))

    assert {c.row.pk: c.codes for b in batches for c in b.noncompliant} == expected
    assert [len(b.rows) for b in batches][:1] == [min(size, len(world.signatures))]
    rows = [row for b in batches for row in b.rows]
    assert rows == [
        Row(i.pk, i.public_id, i.account_id, i.account.public_id, f"【{i.content}】")
        for i in sorted(world.signatures, key=lambda i: i.pk)
    ]
    assert [c.row for b in batches for c in b.noncompliant] == [r for r in rows if r.pk in expected]


@pytest.mark.parametrize(
    "codes",
    [
        ["SIG_TAKEN"],
        ["SIG_NEUTRAL"],
        ["SIG_MATERIALS_MISSING"],
        ["SIG_TYPE_NOT_ACCEPTED"],
        ["SIG_AUTHORIZATION_REQUIRED"],
        ["SIG_NON_MAINLAND", "SIG_TRADEMARK_MISMATCH"],
    ],
)
def test_a_run_limited_to_some_rules_finds_only_theirs(world, codes):
    expected = {i.pk: found for i in world.signatures if (found := _blocking(i, codes))}
    assert expected, codes

    assert _noncompliant(BatchChecker("signatures", on=ON, codes=codes, batch_size=4)) == expected


def test_a_run_of_one_account_checks_its_items_only(world):
    account = world.qualifications["c"].account
    checker = BatchChecker("signatures", on=ON, account=account)

    rows = [row for batch in checker for row in batch.rows]

    assert {row.pk for row in rows} == {i.pk for i in world.signatures if i.account == account}
    assert {row.account_public_id for row in rows} == {account.public_id}


def test_a_run_is_as_of_its_day(world):
    before = BatchChecker("signatures", on=ON - 60 * DAY, codes=["SIG_TYPE_NOT_ACCEPTED"])
    app = next(i for i in world.signatures if i.sig_type == "app")
    assert _noncompliant(before) == {}
    after = BatchChecker("signatures", on=ON, codes=["SIG_TYPE_NOT_ACCEPTED"])
    assert _noncompliant(after) == {app.pk: ["SIG_TYPE_NOT_ACCEPTED"]}


def _first_row(**kwargs):
    """An approved signature with the table's first primary key (1), the sequence moved past
    it: the keyset pagination starts below every key."""
    item = SignatureApplicationFactory(pk=1, state=S.APPROVED, **kwargs)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [SignatureApplication]):
            cursor.execute(sql)
    return item


def test_the_item_with_the_first_primary_key_is_checked(db):
    item = _first_row(content="极光推送", sig_type="app")

    found = _noncompliant(BatchChecker("signatures", on=ON, codes=["SIG_TYPE_NOT_ACCEPTED"]))

    assert found == {item.pk: ["SIG_TYPE_NOT_ACCEPTED"]}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_run_outside_a_transaction_reads_ahead_every_page_once(maker):
    a, b, c = maker.a, maker.b, maker.c
    first = _first_row(content="极光认证", sig_type="app", qualification=a)
    items = [
        first,
        maker.signature(b, "和讯国际", own=["other"]),
        maker.signature(c, "星河互动"),
        maker.signature(a, "星河互动"),
        maker.signature(a, "极光推送", sig_type="app", own=["icp_screenshot"]),
        maker.signature(a, "通知提醒"),
        maker.signature(c, "星河", own=["other", "special_permit"]),
    ]
    assert not connection.in_atomic_block
    expected = {i.pk: codes for i in items if (codes := _blocking(i))}
    assert len(expected) == 6

    batches = list(BatchChecker("signatures", on=ON, batch_size=3))

    assert [row.pk for b in batches for row in b.rows] == [i.pk for i in items]
    assert [len(b.rows) for b in batches] == [3, 3, 1]
    assert {c.row.pk: c.codes for b in batches for c in b.noncompliant} == expected


# --- what a batch reads -------------------------------------------------------------------------


def _tables(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries]


def _reading(sqls, table: str) -> list[str]:
    return [sql for sql in sqls if f'"{table}"' in sql]


def test_a_run_of_content_rules_reads_the_signatures_and_accounts_only(world):
    with CaptureQueriesContext(connection) as captured:
        found = _noncompliant(
            BatchChecker("signatures", on=ON, codes=["SIG_LATIN", "SIG_TYPE_NOT_ACCEPTED"])
        )

    sqls = _tables(captured)
    app = next(i for i in world.signatures if i.sig_type == "app")
    assert found == {app.pk: ["SIG_TYPE_NOT_ACCEPTED"]}
    for table in (
        "signatures_qualification",
        "signatures_material",
        "signatures_signatureapplication_materials",
        "signatures_trademark",
        "signatures_authorization",
        "signatures_neutralword",
    ):
        assert _reading(sqls, table) == [], table
    # No signature text is looked up among the holders (SIG_TAKEN is not checked).
    assert [sql for sql in sqls if "MIN(" in sql.upper()] == []


def test_a_run_of_the_neutral_rule_reads_the_words_once(world):
    with CaptureQueriesContext(connection) as captured:
        found = _noncompliant(
            BatchChecker("signatures", on=ON, codes=["SIG_NEUTRAL"], batch_size=5)
        )

    assert len(_reading(_tables(captured), "signatures_neutralword")) == 1
    assert _reading(_tables(captured), "signatures_qualification") == []
    assert sorted(SignatureApplication.objects.get(pk=pk).content for pk in found) == [
        "官方旗舰",
        "通知提醒",
    ]


def test_a_batch_reads_its_holders_and_materials_once(world):
    checker = BatchChecker("signatures", on=ON, batch_size=100)

    with CaptureQueriesContext(connection) as captured:
        batch = checker.batch(after=0)

    sqls = _tables(captured)
    assert len(batch.rows) == len(world.signatures)
    assert len([sql for sql in sqls if "MIN(" in sql.upper()]) == 1
    assert len(_reading(sqls, "signatures_signatureapplication_materials")) == 1
    assert len(_reading(sqls, "reviewportal_account")) == 1
    # A second batch of the same run knows those accounts already.
    with CaptureQueriesContext(connection) as again:
        assert checker.batch(after=batch.last_pk) is None
    assert _reading(_tables(again), "reviewportal_account") == []


# --- bounded caches -----------------------------------------------------------------------------


def _two_batches(m: Maker):
    """Batches of two: (A, B) then (A, C): the second meets one account and qualification the
    first did, and one new."""
    a, b, c = m.a, m.b, m.c
    return [
        m.signature(a, "和讯华谷"),
        m.signature(b, "和讯国际"),
        m.signature(a, "和讯"),
        m.signature(c, "星河互动"),
    ]


def test_a_run_whose_accounts_and_qualifications_just_fill_the_caches(maker, monkeypatch):
    items = _two_batches(maker)
    monkeypatch.setattr(AccountIds, "CACHE_SIZE", 3)
    monkeypatch.setattr(SignatureInputs, "CACHE_SIZE", 3)

    batches = list(BatchChecker("signatures", on=ON, batch_size=2))

    assert [row.pk for b in batches for row in b.rows] == [i.pk for i in items]
    assert _noncompliant(iter(batches)) == {i.pk: codes for i in items if (codes := _blocking(i))}


def test_batched_inputs_whose_texts_just_fill_the_cache(maker, monkeypatch):
    items = _two_batches(maker)
    monkeypatch.setattr(SignatureInputs, "CACHE_SIZE", 3)
    values = _values(items)
    inputs = SignatureInputs(on=ON)

    batched = [data for chunk, after in _chunks(values, 2) for data in inputs(chunk, after=after)]

    assert batched == _singly(values)


def test_a_run_meeting_more_accounts_than_its_cache_holds(maker, monkeypatch):
    items = _two_batches(maker)
    monkeypatch.setattr(AccountIds, "CACHE_SIZE", 2)

    rows = [row for batch in BatchChecker("signatures", on=ON, batch_size=2) for row in batch.rows]

    assert [row.pk for row in rows] == [i.pk for i in items]


def test_a_run_meeting_more_qualifications_than_its_cache_holds(maker, monkeypatch):
    items = _two_batches(maker)
    monkeypatch.setattr(SignatureInputs, "CACHE_SIZE", 2)

    rows = [row for batch in BatchChecker("signatures", on=ON, batch_size=2) for row in batch.rows]

    assert [row.pk for row in rows] == [i.pk for i in items]


def test_signature_texts_known_before_stay_known_when_the_holders_cache_is_full(maker, monkeypatch):
    """Batches checked one after the other without read-ahead: the second meets one text the
    first did and two new ones, with room for two."""
    items = [*_two_batches(maker), maker.signature(maker.c, "星河互娱")]
    values = _values(items)
    monkeypatch.setattr(SignatureInputs, "CACHE_SIZE", 2)
    inputs = SignatureInputs(on=ON)

    first = inputs.taken(values[:2])
    second = inputs.taken([values[0], *values[3:]])

    assert (first, second) == (set(), set())


# --- templates ----------------------------------------------------------------------------------


@pytest.fixture
def templates(world):
    company = world.signatures[0]
    letter = ["live_streaming_commitment_letter"]
    made = []
    for n, (industry, own) in enumerate(
        [
            ("general", []),
            ("live_streaming", letter),
            ("live_streaming", []),
            ("live_streaming", letter),
        ]
    ):
        template = TemplateApplicationFactory(
            signature=company,
            name=f"开播提醒{n}",
            kind="notification",
            industry=industry,
            content="您关注的直播将于${time}开始。",
            state=S.APPROVED,
        )
        if own:
            template.materials.set([make_material(company.account, kind) for kind in own])
        made.append(template)
    return made


def _template_values():
    return list(TemplateApplication.objects.order_by("pk").values_list(*TEMPLATE_FIELDS))


def _template_singly(values):
    return [template_check_input(TemplateApplication.objects.get(pk=v[0]), on=ON) for v in values]


@pytest.mark.parametrize("size", [1, 3, 100])
def test_template_inputs_read_for_themselves_match_the_per_item_builder(templates, size):
    values = _template_values()
    batched = [
        data
        for chunk, after in _chunks(values, size)
        for data in TemplateInputs()(chunk, after=after)
    ]
    assert batched == _template_singly(values)
    assert [sorted(data.material_kinds) for data in batched] == [
        [],
        ["live_streaming_commitment_letter"],
        [],
        ["live_streaming_commitment_letter"],
    ]


def test_a_template_run_finds_the_missing_letter_only(templates):
    expected = {}
    for template in templates:
        found = run_template_checks(template_check_input(template, on=ON), on=ON)
        if codes := list(dict.fromkeys(f.code for f in found if f.is_blocking)):
            expected[template.pk] = codes
    assert list(expected) == [templates[2].pk]

    for size in (1, 3, 100):
        batches = list(BatchChecker("templates", on=ON, batch_size=size))
        assert {c.row.pk: c.codes for b in batches for c in b.noncompliant} == expected
        assert [r.label for b in batches for r in b.rows] == [t.name for t in templates]


def test_a_template_batch_reads_its_materials_once(templates):
    with CaptureQueriesContext(connection) as captured:
        batch = BatchChecker("templates", on=ON, batch_size=100).batch(after=0)
    assert len(batch.rows) == 4
    assert len(_reading(_tables(captured), "templates_templateapplication_materials")) == 1
