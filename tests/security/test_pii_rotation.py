"""``manage.py pii_rotate_keys``: a dry run unless ``--commit``; re-encrypts every ID number
(qualifications, authorizations, revision snapshots) under the first key and reports counts; bad
keys exit 2 with a message and write nothing."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import CommandError, call_command

from reviewportal.crypto import blind_index
from reviewportal.models import Revision
from reviewportal.sample_ids import sample_resident_id, sample_uscc
from signatures.models import Qualification
from signatures.services import authorization_create
from tests.factories import QualificationFactory
from tests.security.pii_support import decrypts_with, field_keys, raw_json, raw_row  # noqa: F401
from tests.states import walk_to

pytestmark = pytest.mark.django_db

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture
def stored(settings, account, customer, reviewer):
    """Everything that holds an ID number, written under the OLD key."""
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    qualification = QualificationFactory(
        account=account, agent_name="李四", agent_id_number=sample_resident_id(7101)
    )
    qualification = walk_to(
        qualification, "approved", customer=customer, reviewer=reviewer, senior=None
    )
    authorization = authorization_create(
        qualification=qualification,
        user=customer,
        partner_name="深圳市伙伴科技有限公司",
        partner_uscc=sample_uscc(7102),
        partner_legal_rep_name="王五",
        partner_legal_rep_id_number=sample_resident_id(7102),
        valid_from=dt.date(2026, 1, 1),
        valid_until=dt.date(2027, 1, 1),
    )
    return qualification, authorization


def tokens(qualification, authorization) -> list[str]:
    row = raw_row(
        "signatures_qualification", qualification.pk, "legal_rep_id_number", "agent_id_number"
    )
    (partner,) = raw_row(
        "signatures_authorization", authorization.pk, "partner_legal_rep_id_number"
    )
    return [*row, partner]


def snapshot_tokens(qualification) -> list[str]:
    import json

    found = []
    for revision in Revision.objects.filter(object_id=qualification.pk):
        (raw,) = raw_row("reviewportal_revision", revision.pk, "snapshot")
        data = json.loads(raw_json(raw))
        found += [data["legal_rep_id_number"], data["agent_id_number"]]
    return found


def test_dry_run_reports_and_changes_nothing(settings, stored):
    qualification, _authorization = stored
    before = tokens(*stored) + snapshot_tokens(qualification)
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    out = StringIO()
    call_command("pii_rotate_keys", stdout=out)
    text = out.getvalue()
    assert "Dry run" in text
    assert "signatures.Qualification.legal_rep_id_number: 1 to re-encrypt" in text
    assert "signatures.Authorization.partner_legal_rep_id_number: 1 to re-encrypt" in text
    assert "reviewportal.Revision.snapshot: 2 to re-encrypt" in text
    assert tokens(*stored) + snapshot_tokens(qualification) == before


def test_commit_re_encrypts_everything_under_the_first_key(settings, stored):
    qualification, _authorization = stored
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    out = StringIO()
    call_command("pii_rotate_keys", "--commit", stdout=out)
    assert "re-encrypted" in out.getvalue()
    values = tokens(*stored) + snapshot_tokens(qualification)
    for token in values:
        decrypts_with(NEW, token)
        with pytest.raises(InvalidToken):
            decrypts_with(OLD, token)
    # The old key can go now.
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    fresh = Qualification.objects.get(pk=qualification.pk)
    assert fresh.legal_rep_id_number == qualification.legal_rep_id_number
    assert (
        fresh.current_revision.snapshot["legal_rep_id_number"] == qualification.legal_rep_id_number
    )
    again = StringIO()
    call_command("pii_rotate_keys", "--commit", stdout=again)
    assert "0 re-encrypted" in again.getvalue()


def test_commit_recomputes_hashes_after_a_hash_key_change(settings, stored):
    qualification, _authorization = stored
    settings.FIELD_HASH_KEY = "another-hash-key-of-at-least-32-characters"
    call_command("pii_rotate_keys", "--commit", stdout=StringIO())
    (digest,) = raw_row("signatures_qualification", qualification.pk, "legal_rep_id_number_hash")
    assert digest == blind_index(qualification.legal_rep_id_number)


@pytest.mark.parametrize("keys", [["not-a-key"], []])
def test_bad_keys_exit_2_with_a_message(settings, stored, keys):
    before = tokens(*stored)
    settings.FIELD_ENCRYPTION_KEYS = keys
    with pytest.raises(CommandError, match="FIELD_ENCRYPTION_KEYS") as excinfo:
        call_command("pii_rotate_keys", "--commit", stdout=StringIO())
    assert excinfo.value.returncode == 2
    assert tokens(*stored) == before


def test_a_value_no_key_opens_exits_2_and_writes_nothing(settings, stored):
    before = tokens(*stored)
    settings.FIELD_ENCRYPTION_KEYS = [NEW]  # the old key was dropped too early
    with pytest.raises(CommandError, match="no key") as excinfo:
        call_command("pii_rotate_keys", "--commit", stdout=StringIO())
    assert excinfo.value.returncode == 2
    assert tokens(*stored) == before
