"""A dry run of bulk re-review (outside a transaction) reads each following page in a helper
thread while the current one is checked: the page's rows, their own materials and the holders
of their signature texts. The checking thread reads only the first page and what no page reads
ahead (the accounts, the qualifications)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviewportal.models import ReviewState
from reviewportal.services.rereview import BatchChecker
from tests.factories import QualificationFactory, SignatureApplicationFactory, make_material

ON = dt.date(2026, 6, 17)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_dry_run_reads_the_following_pages_in_the_helper_thread():
    qualification = QualificationFactory()
    items = []
    for content in ("和讯华谷", "星河互动", "极光推送", "途远国际", "远航科技", "讯华"):
        item = SignatureApplicationFactory(
            qualification=qualification, content=content, state=ReviewState.APPROVED
        )
        item.materials.set([make_material(qualification.account, "other")])
        items.append(item)
    assert not connection.in_atomic_block

    with CaptureQueriesContext(connection) as captured:
        batches = list(BatchChecker("signatures", on=ON, batch_size=2))

    sqls = [q["sql"] for q in captured.captured_queries]
    assert [row.pk for b in batches for row in b.rows] == [i.pk for i in items]
    # Three pages; this thread read the rows, holders and materials of the first one only.
    assert len(batches) == 3
    assert len([sql for sql in sqls if "MIN(" in sql.upper()]) == 1
    assert len([sql for sql in sqls if '"signatures_signatureapplication_materials"' in sql]) == 1
    assert len([sql for sql in sqls if " LIMIT " in sql]) == 1  # the page of rows
