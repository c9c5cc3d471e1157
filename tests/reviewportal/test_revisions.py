import pytest

from reviewportal.models import Revision
from reviewportal.models.review import ImmutableRevisionError
from reviewportal.services import lifecycle as lc
from signatures.services import signature_application_update
from tests.factories import make_material


@pytest.fixture
def revision(signature, customer):
    return lc.review_submit(item=signature, user=customer).current_revision


def test_revision_save_is_refused(revision):
    revision.snapshot = {"content": "篡改"}
    with pytest.raises(ImmutableRevisionError):
        revision.save()
    revision.refresh_from_db()
    assert revision.snapshot["content"] == "和讯华谷"


def test_revision_delete_is_refused(revision):
    with pytest.raises(ImmutableRevisionError):
        revision.delete()
    with pytest.raises(ImmutableRevisionError):
        Revision.objects.filter(pk=revision.pk).delete()
    assert Revision.objects.filter(pk=revision.pk).exists()


def test_revision_queryset_update_is_refused(revision):
    with pytest.raises(ImmutableRevisionError):
        Revision.objects.filter(pk=revision.pk).update(snapshot={})


def test_revision_snapshot_lists_materials_with_checksums(signature, customer):
    letter = make_material(signature.account, "other", user=customer)
    signature.materials.set([letter])
    revision = lc.review_submit(item=signature, user=customer).current_revision
    assert revision.snapshot["materials"] == [
        {"id": letter.pk, "kind": "other", "sha256": letter.sha256, "name": "other.png"}
    ]
    assert len(letter.sha256) == 64


def test_each_resubmission_freezes_a_new_numbered_revision(signature, customer):
    item = lc.review_submit(item=signature, user=customer)
    item = signature_application_update(application=item, user=customer, use_case="第二版")
    item = signature_application_update(application=item, user=customer, use_case="第三版")
    numbers = list(
        Revision.objects.filter(object_id=item.pk, content_type__model="signatureapplication")
        .order_by("number")
        .values_list("number", "snapshot__use_case")
    )
    assert numbers == [(1, "注册登录验证码与订单通知"), (2, "第二版"), (3, "第三版")]
    assert item.current_revision.number == 3


def test_field_changes_are_audited_with_id_numbers_masked(approved_qualification, customer):
    from auditlog.models import LogEntry

    from signatures.services import qualification_change_start

    entries = LogEntry.objects.get_for_object(approved_qualification)
    assert entries.exists()
    qualification_change_start(
        qualification=approved_qualification, user=customer, legal_rep_name="王五"
    )
    change = approved_qualification.changes.get()
    created = LogEntry.objects.get_for_object(change).get(action=LogEntry.Action.CREATE)
    assert created.changes_dict["legal_rep_name"][1] == "王五"
    stored_id = created.changes_dict["legal_rep_id_number"][1]
    assert stored_id != change.legal_rep_id_number and "*" in stored_id
