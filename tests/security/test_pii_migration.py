"""The data migrations encrypt the ID numbers an installation already holds: qualification and
authorization rows, revision snapshots; and re-mask the audit log's history of them with the
one mask (first 6 + last 4)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from reviewportal.crypto import blind_index
from reviewportal.sample_ids import sample_resident_id, sample_uscc
from reviewportal.validators import mask_id_number
from tests.security.pii_support import decrypts_with, field_keys, raw_json, raw_row  # noqa: F401

BEFORE = [
    ("signatures", "0006_sla_clock_start_and_pending"),
    ("reviewportal", "0009_calendar_changes_and_opening_hours"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _old_rows(apps):
    """Rows as an installation before encryption holds them: plain numbers everywhere, the
    audit log masked by auditlog's default (first half starred)."""
    Account = apps.get_model("reviewportal", "Account")
    Qualification = apps.get_model("signatures", "Qualification")
    Authorization = apps.get_model("signatures", "Authorization")
    Revision = apps.get_model("reviewportal", "Revision")
    ContentType = apps.get_model("contenttypes", "ContentType")
    LogEntry = apps.get_model("auditlog", "LogEntry")
    account = Account.objects.create(name="迁移前客户", public_id="ACC-MIGRATE-1")
    legal, agent, partner = (sample_resident_id(n) for n in (8101, 8102, 8103))
    qualification = Qualification.objects.create(
        account=account,
        public_id="QUA-MIGRATE-1",
        name="深圳市和讯华谷信息技术有限公司",
        uscc=sample_uscc(8101),
        legal_rep_name="张三",
        legal_rep_id_number=legal,
        agent_name="李四",
        agent_id_number=agent,
    )
    empty_agent = Qualification.objects.create(
        account=account,
        public_id="QUA-MIGRATE-2",
        name="某公司",
        uscc=sample_uscc(8104),
        legal_rep_name="王五",
        legal_rep_id_number=sample_resident_id(8104),
    )
    authorization = Authorization.objects.create(
        account=account,
        qualification=qualification,
        partner_name="深圳市伙伴科技有限公司",
        partner_uscc=sample_uscc(8103),
        partner_legal_rep_name="赵六",
        partner_legal_rep_id_number=partner,
        valid_from=dt.date(2026, 1, 1),
        valid_until=dt.date(2027, 1, 1),
    )
    qualification_type = ContentType.objects.get(app_label="signatures", model="qualification")
    revision = Revision.objects.create(
        content_type=qualification_type,
        object_id=qualification.pk,
        number=1,
        snapshot={"name": qualification.name, "legal_rep_id_number": legal, "agent_id_number": ""},
    )
    half = len(legal) // 2
    entry = LogEntry.objects.create(
        content_type=qualification_type,
        object_pk=str(qualification.pk),
        object_id=qualification.pk,
        object_repr=qualification.name,
        action=0,
        changes={
            "legal_rep_id_number": ["None", "*" * half + legal[half:]],
            "agent_id_number": ["", agent],  # logged before the field was masked at all
            "legal_rep_name": ["None", "张三"],
        },
    )
    return {
        "numbers": (legal, agent, partner),
        "qualification": qualification.pk,
        "empty_agent": empty_agent.pk,
        "authorization": authorization.pk,
        "revision": revision.pk,
        "entry": entry.pk,
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migrations_encrypt_existing_rows_and_remask_the_audit_log(field_keys):
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        rows = _old_rows(_migrate(BEFORE))
    finally:
        _migrate(latest)
    key = field_keys.FIELD_ENCRYPTION_KEYS[0]
    legal, agent, partner = rows["numbers"]

    stored = raw_row(
        "signatures_qualification",
        rows["qualification"],
        "legal_rep_id_number",
        "agent_id_number",
        "legal_rep_id_number_hash",
        "agent_id_number_hash",
    )
    assert [decrypts_with(key, t) for t in stored[:2]] == [legal, agent]
    assert list(stored[2:]) == [blind_index(legal), blind_index(agent)]
    assert raw_row("signatures_qualification", rows["empty_agent"], "agent_id_number") == ("",)
    (token,) = raw_row(
        "signatures_authorization", rows["authorization"], "partner_legal_rep_id_number"
    )
    assert decrypts_with(key, token) == partner

    (snapshot,) = raw_row("reviewportal_revision", rows["revision"], "snapshot")
    snapshot = json.loads(raw_json(snapshot))
    assert decrypts_with(key, snapshot["legal_rep_id_number"]) == legal
    assert snapshot["agent_id_number"] == ""

    (changes,) = raw_row("auditlog_logentry", rows["entry"], "changes")
    changes = json.loads(raw_json(changes))
    assert changes["agent_id_number"] == ["", mask_id_number(agent)]
    # Of a half-starred value only what the one mask shows may stay: its last four.
    assert changes["legal_rep_id_number"] == ["None", "*" * 14 + legal[-4:]]
    assert changes["legal_rep_name"] == ["None", "张三"]

    from signatures.models import Qualification

    assert Qualification.objects.get(pk=rows["qualification"]).agent_id_number == agent
