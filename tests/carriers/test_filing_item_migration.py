"""The migration that names a filing's item by kind and id keeps every filing's item: going back
restores the signature and template columns from it, coming forward again gives each filing the
same item it had."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from carriers.models import CarrierFiling
from tests.factories import TemplateApplicationFactory
from tests.states import walk_to

BEFORE = [("carriers", "0010_carrier_reason_roles")]


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _columns() -> dict[int, tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, signature_id, template_id FROM carriers_carrierfiling")
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_filings_keep_their_item_back_and_forth(approve, customer, reviewer, senior):
    signature = approve()
    template = walk_to(
        TemplateApplicationFactory(signature=signature),
        "approved",
        customer=customer,
        reviewer=reviewer,
        senior=senior,
    )
    items = {f.pk: f.subject for f in CarrierFiling.objects.with_subjects()}
    assert sorted(type(i).__name__ for i in items.values()) == (
        ["SignatureApplication"] * 3 + ["TemplateApplication"] * 3
    )
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        _migrate(BEFORE)
        before = _columns()
    finally:
        _migrate(latest)
    assert before == {
        pk: (signature.pk, None) if item == signature else (None, template.pk)
        for pk, item in items.items()
    }
    kinds = {
        ContentType.objects.get_for_model(signature).pk: signature,
        ContentType.objects.get_for_model(template).pk: template,
    }
    after = {
        pk: kinds[content_type]
        for pk, content_type, object_id in CarrierFiling.objects.values_list(
            "pk", "content_type", "object_id"
        )
        if kinds[content_type].pk == object_id
    }
    assert after == items
