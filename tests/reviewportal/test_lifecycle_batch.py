"""``review_flag_for_rereview_batch``: the batched twin of ``review_flag_for_rereview`` that bulk
re-review uses. It must leave the database exactly as the single-item service does, refuse what
the single-item service refuses (reporting it instead of raising), and skip rows another
transaction holds. Real services and a real database; nothing of ours is mocked."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections, transaction
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django_fsm_log.models import StateLog

from reviewportal.errors import ReviewError
from reviewportal.models import Notification, ReviewState, Revision
from reviewportal.services import lifecycle as lc
from reviewportal.services.sla import sla_due
from signatures.models import Authorization, SignatureApplication, Trademark
from templates.models import TemplateApplication
from tests.factories import (
    SignatureApplicationFactory,
    StaffFactory,
    TemplateApplicationFactory,
    make_material,
)
from tests.states import walk_to

S = ReviewState
FINDING = {
    "code": "SIG_TYPE_NOT_ACCEPTED",
    "severity": "block",
    "field": "sig_type",
    "message": "App names are not accepted for filing from 2026-05-01.",
    "params": {"type": "app"},
}
WARNING = {
    "code": "SIG_ABBREV_SKIPS",
    "severity": "warn",
    "field": "content",
    "message": "The abbreviation skips characters.",
    "params": {},
}
#: A working day inside the seeded calendar, at 16:30: the new due time crosses the night.
FROZEN = dt.datetime.fromisoformat("2026-11-24T16:30:00+08:00")


def approved(item, actors):
    return walk_to(item, S.APPROVED, **actors)


@pytest.fixture
def signatures(approved_qualification, actors):
    """Three approved signatures that differ in what the re-review has to carry over: one with
    its own material, one whose previous clock was urgent and breached, one plain."""
    account = approved_qualification.account
    own = SignatureApplicationFactory(qualification=approved_qualification, content="华谷")
    own.materials.set([make_material(account, "other")])
    items = [
        own,
        SignatureApplicationFactory(qualification=approved_qualification, content="和讯华谷"),
        SignatureApplicationFactory(qualification=approved_qualification, content="和讯"),
    ]
    items = [approved(item, actors) for item in items]
    # The marks a previous clock left behind (the sweep sets them with an UPDATE, as here): the
    # re-review's new clock must clear them, and the audit rows record that.
    SignatureApplication.objects.filter(pk=items[1].pk).update(
        is_urgent=True,
        at_risk_flagged_at=dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC),
        breach_recorded_at=dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC),
    )
    return [SignatureApplication.objects.get(pk=item.pk) for item in items]


@pytest.fixture
def templates(signatures, actors):
    return [
        approved(TemplateApplicationFactory(signature=signatures[1], name=name), actors)
        for name in ("登录验证码", "注册验证码")
    ]


def findings_for(items):
    # Different findings per item, warnings included: each revision keeps its own list.
    return {
        item.pk: [FINDING, WARNING] if n % 2 else [{**FINDING, "params": {"n": n}}]
        for n, item in enumerate(items)
    }


def database_state(items):
    """Everything the database holds about ``items``, compared field by field: the item rows,
    their revisions, transition-log rows, audit rows and notifications. Primary keys of rows
    the flag inserts are sequence values (the two paths cannot share them); revisions are
    identified by their number instead, everywhere they are referred to."""
    model = type(items[0])
    content_type = ContentType.objects.get_for_model(model)
    pks = [item.pk for item in items]
    numbers = dict(
        Revision.objects.filter(content_type=content_type, object_id__in=pks).values_list(
            "pk", "number"
        )
    )

    def revision_ref(value):
        return f"revision {numbers[int(value)]}" if value not in (None, "None") else value

    state = {}
    for row in model.objects.filter(pk__in=pks).order_by("pk").values():
        row["current_revision_id"] = revision_ref(row["current_revision_id"])
        state[("item", row["id"])] = row
    for revision in Revision.objects.filter(content_type=content_type, object_id__in=pks):
        row = model_to_dict(revision, exclude=["id"])
        row["created_at"] = revision.created_at
        state[("revision", revision.object_id, revision.number)] = row
    logs = StateLog.objects.filter(content_type=content_type, object_id__in=pks)
    for n, log in enumerate(logs.order_by("object_id", "timestamp", "pk")):
        row = model_to_dict(log, exclude=["id"])
        row["timestamp"] = log.timestamp
        state[("statelog", log.object_id, n)] = row
    entries = LogEntry.objects.filter(content_type=content_type, object_id__in=pks)
    for n, entry in enumerate(entries.order_by("object_id", "timestamp", "pk")):
        row = model_to_dict(entry, exclude=["id"])
        row["timestamp"] = entry.timestamp
        changes = dict(row["changes"] or {})
        if "current_revision" in changes:
            changes["current_revision"] = [revision_ref(v) for v in changes["current_revision"]]
        row["changes"] = changes
        state[("logentry", entry.object_id, n)] = row
    state["notifications"] = sorted(
        Notification.objects.values_list("recipient_id", "kind", "title", "body")
    )
    return state


def both_paths(items, *, user, findings, suspend=False, note="", actor=None):
    """The database state after flagging ``items`` one by one with ``review_flag_for_rereview``
    and, from the same starting point (a savepoint rolled back in between), after one
    ``review_flag_for_rereview_batch``, at the same frozen instant."""
    with time_machine.travel(FROZEN, tick=False):
        savepoint = transaction.savepoint()
        with set_actor(actor) if actor else _nothing():
            for item in items:
                lc.review_flag_for_rereview(
                    item=item,
                    user=user,
                    findings=findings[item.pk],
                    suspend=suspend,
                    note=note,
                    notify=False,
                )
        single = database_state(items)
        transaction.savepoint_rollback(savepoint)
        before = database_state(items)
        with set_actor(actor) if actor else _nothing():
            result = lc.review_flag_for_rereview_batch(
                items=items, user=user, findings_by_item=findings, suspend=suspend, note=note
            )
        batched = database_state(items)
    return before, single, batched, result


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize(
    ("suspend", "note", "with_actor"),
    [(False, "", False), (True, "", False), (False, "政策调整：APP签名停止报备", True)],
)
def test_flag_batch_leaves_the_same_database_as_flagging_one_by_one(
    signatures, senior, suspend, note, with_actor
):
    findings = findings_for(signatures)

    before, single, batched, result = both_paths(
        signatures,
        user=senior,
        findings=findings,
        suspend=suspend,
        note=note,
        actor=senior if with_actor else None,
    )

    assert batched == single
    assert batched != before
    assert [item.pk for item in result.flagged] == [item.pk for item in signatures]
    assert result.skipped == {}
    # What "the same" covers, spelled out on one item of the batch.
    item = SignatureApplication.objects.get(pk=signatures[1].pk)
    assert (item.state, item.suspended, item.is_usable) == (S.REREVIEW, suspend, not suspend)
    assert item.current_revision.number == 2
    assert item.current_revision.findings == findings[item.pk]
    assert item.current_revision.snapshot == item.snapshot_data()
    assert item.submitted_at == FROZEN
    assert item.due_at == sla_due(start=FROZEN, policy="standard")
    assert (item.is_urgent, item.at_risk_flagged_at, item.breach_recorded_at) == (
        False,
        None,
        None,
    )
    log = StateLog.objects.filter(object_id=item.pk, transition="flag_for_rereview").get()
    assert (log.by, log.source_state, log.state) == (senior, S.APPROVED, S.REREVIEW)
    assert log.description == (note or "SIG_TYPE_NOT_ACCEPTED")
    entry = LogEntry.objects.get_for_object(item).filter(timestamp=FROZEN).get()
    assert entry.changes["state"] == ["approved", "rereview"]
    assert entry.changes["breach_recorded_at"][1] == "None"
    assert entry.actor == (senior if with_actor else None)


def test_flag_batch_of_templates_matches_the_single_service(templates, senior):
    _before, single, batched, result = both_paths(
        templates, user=senior, findings=findings_for(templates)
    )

    assert batched == single
    assert len(result.flagged) == 2
    assert TemplateApplication.objects.get(pk=templates[0].pk).state == S.REREVIEW


@pytest.mark.parametrize("state", [s for s in S.values if s != S.APPROVED])
def test_flag_batch_refuses_an_item_that_is_not_approved(
    state, approved_qualification, actors, signatures
):
    other = walk_to(
        SignatureApplicationFactory(qualification=approved_qualification, content="讯华"),
        state,
        **actors,
    )
    before = database_state([other])
    items = [signatures[0], other]

    result = lc.review_flag_for_rereview_batch(
        items=items, user=actors["senior"], findings_by_item=findings_for(items)
    )

    assert [item.pk for item in result.flagged] == [signatures[0].pk]
    assert "only an approved item can be flagged" in result.skipped[other.pk]
    assert database_state([other]) == before
    assert SignatureApplication.objects.get(pk=signatures[0].pk).state == S.REREVIEW


def test_flag_batch_skips_an_item_flagged_since_it_was_read(signatures, senior):
    stale = list(signatures)  # read while approved
    lc.review_flag_for_rereview(item=signatures[2], user=senior, findings=[FINDING])
    revisions = Revision.objects.count()

    result = lc.review_flag_for_rereview_batch(
        items=stale, user=senior, findings_by_item=findings_for(stale)
    )

    assert [item.pk for item in result.flagged] == [s.pk for s in signatures[:2]]
    assert set(result.skipped) == {signatures[2].pk}
    # Flagged once: revision 1 (submission), 2 (the single flag), never a third.
    assert Revision.objects.count() == revisions + 2
    assert SignatureApplication.objects.get(pk=signatures[2].pk).current_revision.number == 2


def test_flag_batch_checks_the_permission_per_item(signatures, reviewer):
    result = lc.review_flag_for_rereview_batch(
        items=signatures, user=reviewer, findings_by_item=findings_for(signatures)
    )

    assert result.flagged == []
    assert all("may not flag" in reason for reason in result.skipped.values())
    assert set(result.skipped) == {s.pk for s in signatures}
    assert {SignatureApplication.objects.get(pk=s.pk).state for s in signatures} == {S.APPROVED}


def test_flag_batch_refuses_an_item_without_a_blocking_finding(signatures, senior):
    findings = findings_for(signatures)
    findings[signatures[1].pk] = [WARNING]
    revisions, logs = Revision.objects.count(), StateLog.objects.count()

    with pytest.raises(ReviewError, match="blocking finding"):
        lc.review_flag_for_rereview_batch(items=signatures, user=senior, findings_by_item=findings)

    assert (Revision.objects.count(), StateLog.objects.count()) == (revisions, logs)
    assert {SignatureApplication.objects.get(pk=s.pk).state for s in signatures} == {S.APPROVED}


def test_flag_batch_without_the_calendar_flags_with_due_time_pending(signatures, senior):
    from reviewportal.models import WorkingDay

    WorkingDay.objects.filter(date__year__gte=2026).delete()

    result = lc.review_flag_for_rereview_batch(
        items=signatures, user=senior, findings_by_item=findings_for(signatures)
    )

    assert len(result.flagged) == len(signatures)
    fresh = SignatureApplication.objects.filter(pk__in=[s.pk for s in signatures])
    assert {(s.state, s.due_at, s.due_pending_year) for s in fresh} == {(S.REREVIEW, None, 2026)}
    assert all(s.sla_started_at is not None for s in fresh)


def _with_snapshot_relations(item, n: int):
    """Give an approved signature what its snapshot lists beyond its own row: ``n`` materials
    of its own, and (by turns) a trademark with its certificate or a partner's authorization
    with its letter and materials. Written with UPDATEs: only the snapshot reads them here."""
    account = item.account
    item.materials.set([make_material(account, "other") for _ in range(n)])
    if n % 2:
        trademark = Trademark.objects.create(
            account=account,
            qualification=item.qualification,
            name="和讯",
            registration_number=f"TM{item.pk:08d}",
            owner_name=item.qualification.name,
            certificate=make_material(account, "trademark_certificate"),
        )
        SignatureApplication.objects.filter(pk=item.pk).update(trademark=trademark)
    else:
        authorization = Authorization.objects.create(
            account=account,
            qualification=item.qualification,
            partner_name="深圳市合作伙伴科技有限公司",
            partner_entity_kind="enterprise",
            partner_uscc=item.qualification.uscc,
            partner_legal_rep_name="李四",
            partner_legal_rep_id_number=item.qualification.legal_rep_id_number,
            letter=make_material(account, "authorization_letter"),
            valid_from=dt.date(2026, 1, 1),
            valid_until=dt.date(2027, 12, 31),
        )
        authorization.partner_materials.set(
            [make_material(account, "business_license") for _ in range(n)]
        )
        SignatureApplication.objects.filter(pk=item.pk).update(authorization=authorization)
    return SignatureApplication.objects.get(pk=item.pk)


def test_flag_batch_runs_the_same_statements_however_many_items(
    approved_qualification, actors, senior
):
    items = [
        _with_snapshot_relations(
            approved(SignatureApplicationFactory(qualification=approved_qualification), actors), n
        )
        for n in range(1, 8)
    ]
    expected = {item.pk: item.snapshot_data() for item in items}

    def queries(batch):
        batch = [SignatureApplication(pk=item.pk) for item in batch]
        with CaptureQueriesContext(connection) as captured:
            lc.review_flag_for_rereview_batch(
                items=batch, user=senior, findings_by_item=findings_for(batch)
            )
        return len(captured)

    queries(items[:1])  # the user's permissions and the calendar are read once per process
    # Both batches hold a trademark signature and an authorized one.
    two, four = queries(items[1:3]), queries(items[3:])
    # The relations the snapshots read (materials, trademark certificate, authorization letter
    # and partner materials) are prefetched with the locked rows: no statement is per item.
    assert four == two
    # 16, and one for the webhooks: the endpoints of the batch's accounts (there are none).
    assert two <= 17
    snapshots = {
        item.pk: SignatureApplication.objects.get(pk=item.pk).current_revision.snapshot
        for item in items
    }
    assert snapshots == expected
    assert all(len(snapshot["materials"]) >= 1 for snapshot in snapshots.values())
    assert [m["id"] for m in snapshots[items[-1].pk]["materials"]] == sorted(
        m.pk for m in items[-1].materials.all()
    )


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_flag_batch_skips_a_row_another_transaction_holds(approved_qualification, actors):
    assert connection.vendor == "postgresql", "this test must run on PostgreSQL"
    senior = StaffFactory(role="Senior reviewer")
    items = [
        approved(SignatureApplicationFactory(qualification=approved_qualification), actors)
        for _ in range(3)
    ]
    held, release = threading.Event(), threading.Event()

    def hold_the_row():
        try:
            with transaction.atomic():
                SignatureApplication.objects.select_for_update().get(pk=items[1].pk)
                held.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    try:
        assert held.wait(timeout=10)
        result = lc.review_flag_for_rereview_batch(
            items=items, user=senior, findings_by_item=findings_for(items)
        )
    finally:
        release.set()
        holder.join(timeout=30)

    assert [item.pk for item in result.flagged] == [items[0].pk, items[2].pk]
    assert list(result.skipped) == [items[1].pk]
    assert "holding this item" in result.skipped[items[1].pk]
    assert SignatureApplication.objects.get(pk=items[1].pk).state == S.APPROVED
    assert SignatureApplication.objects.get(pk=items[2].pk).state == S.REREVIEW
