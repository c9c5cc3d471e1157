"""What the carrier services' row locks read with the filings they lock (``lock`` for one
filing, ``lock_many`` for a batch): the carrier, the revision and the item in the queries of the
lock itself, so that a worker holding the lock touches the database no more; and a batch locked
without ``related`` reads nothing besides the filings, in primary-key order (two batches
sharing filings then lock them in the same order)."""

from __future__ import annotations

import pytest

from carriers.models import CarrierFiling
from carriers.services.common import lock, lock_many

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed(filings, approved_template):
    """The three filings of a signature and the three of its approved template."""
    return list(filings.values()) + list(CarrierFiling.objects.of(approved_template))


def test_one_locked_filing_comes_with_its_carrier_revision_and_item(
    filings, django_assert_num_queries
):
    wanted = filings["cucc"]
    item = wanted.subject
    lock(filings["cmcc"].pk)  # a process that has locked a filing before (content types known)
    # The filing joined with its carrier and revision, then its item (with its account and
    # qualification): nothing more is read afterwards.
    with django_assert_num_queries(2):
        filing = lock(wanted.pk)
        assert filing.pk == wanted.pk
        assert filing.carrier.code == "cucc"
        assert filing.revision.pk == wanted.revision_id
        assert filing.subject.public_id == item.public_id
        assert filing.subject.account.pk == item.account_id
        assert filing.subject.qualification.pk == item.qualification_id


def test_a_locked_batch_without_related_reads_only_the_filings_in_key_order(
    mixed, django_assert_num_queries
):
    ids = [f.pk for f in reversed(mixed)]
    with django_assert_num_queries(1):
        locked = lock_many(ids)
    assert [f.pk for f in locked] == sorted(ids)


def test_a_locked_batch_with_related_brings_them_and_each_kind_s_items(
    mixed, django_assert_num_queries
):
    ids = [f.pk for f in mixed]
    expected = {f.subject.public_id for f in mixed}
    lock_many(ids[:1], related=("carrier",))  # content types known, as in a running worker
    # The filings with their carriers, then one query per kind of item (signatures, templates).
    with django_assert_num_queries(3):
        locked = lock_many(ids, related=("carrier",))
        codes = [f.carrier.code for f in locked]
        items = {f.subject.public_id for f in locked}
    assert sorted(codes) == sorted(["cmcc", "cucc", "ctcc"] * 2)
    assert items == expected
