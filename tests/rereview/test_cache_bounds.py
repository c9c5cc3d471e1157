"""Bulk re-review keeps what it read of accounts, qualifications and signature texts between
batches in caches of a bounded size (``reviewportal.services.rereview.checks``): a cache that
has room keeps everything it read, so what it knows is never read again; once a batch would
take it past its size it forgets what that batch does not need, and reads it again when a
later batch does."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviewportal.models import ReviewState
from reviewportal.services.rereview.checks import AccountIds
from signatures.models import SignatureApplication
from signatures.rereview import SIGNATURE_FIELDS, SignatureInputs
from tests.factories import AccountFactory, QualificationFactory, SignatureApplicationFactory

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 6, 17)


def _queries(captured, table: str) -> int:
    return len([q for q in captured.captured_queries if f'"{table}"' in q["sql"]])


def _holder_queries(captured) -> int:
    return len([q for q in captured.captured_queries if "MIN(" in q["sql"].upper()])


def test_account_ids_are_kept_up_to_the_cache_size_then_forgotten(monkeypatch):
    monkeypatch.setattr(AccountIds, "CACHE_SIZE", 3)
    a, b, c, d = (AccountFactory() for _ in range(4))
    ids = AccountIds()

    assert ids({a.pk, b.pk}) == {a.pk: a.public_id, b.pk: b.public_id}
    # Exactly full: everything stays known.
    assert set(ids({c.pk})) == {a.pk, b.pk, c.pk}
    with CaptureQueriesContext(connection) as known:
        assert ids({a.pk})[a.pk] == a.public_id
    assert _queries(known, "reviewportal_account") == 0

    # One more would overflow it: only the batch's own account is kept.
    assert ids({d.pk}) == {d.pk: d.public_id}
    with CaptureQueriesContext(connection) as again:
        assert ids({a.pk})[a.pk] == a.public_id
    assert _queries(again, "reviewportal_account") == 1


def test_qualifications_are_kept_up_to_the_cache_size_then_forgotten(monkeypatch):
    monkeypatch.setattr(SignatureInputs, "CACHE_SIZE", 3)
    a, b, c, d = (QualificationFactory() for _ in range(4))
    inputs = SignatureInputs(on=ON)

    assert set(inputs.qualifications({a.pk, b.pk})) == {a.pk, b.pk}
    assert set(inputs.qualifications({c.pk})) == {a.pk, b.pk, c.pk}
    with CaptureQueriesContext(connection) as known:
        assert inputs.qualifications({a.pk})[a.pk][0] == a.name
    assert _queries(known, "signatures_qualification") == 0

    assert set(inputs.qualifications({d.pk})) == {d.pk}
    with CaptureQueriesContext(connection) as again:
        assert inputs.qualifications({a.pk})[a.pk][0] == a.name
    assert _queries(again, "signatures_qualification") == 1


def test_signature_texts_are_kept_up_to_the_cache_size_then_forgotten(monkeypatch):
    monkeypatch.setattr(SignatureInputs, "CACHE_SIZE", 3)
    items = [
        SignatureApplicationFactory(content=content, state=ReviewState.APPROVED)
        for content in ("和讯华谷", "星河互动", "极光推送", "途远国际")
    ]
    rows = {
        v[0]: v
        for v in SignatureApplication.objects.filter(pk__in=[i.pk for i in items]).values_list(
            *SIGNATURE_FIELDS
        )
    }
    first, second, third, fourth = (rows[i.pk] for i in items)
    inputs = SignatureInputs(on=ON)

    assert inputs.taken([first, second]) == set()
    assert inputs.taken([third]) == set()
    with CaptureQueriesContext(connection) as known:
        assert inputs.taken([first]) == set()
    assert _holder_queries(known) == 0

    assert inputs.taken([fourth]) == set()
    with CaptureQueriesContext(connection) as again:
        assert inputs.taken([first]) == set()
    assert _holder_queries(again) == 1
