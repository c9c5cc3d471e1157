"""Resident ID numbers are encrypted at rest (SPEC §10): the database holds Fernet tokens and a
keyed hash, reads decrypt, a wrong key fails loudly, validation still runs on the plaintext."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError, ImproperlyConfigured, ValidationError
from django.db import IntegrityError, transaction

from reviewportal.crypto import FieldDecryptionError, blind_index
from reviewportal.models import Revision
from reviewportal.sample_ids import sample_resident_id, sample_uscc
from signatures.models import Authorization, Qualification
from signatures.services import authorization_create, qualification_create
from tests.factories import QualificationFactory
from tests.security.pii_support import decrypts_with, field_keys, raw_json, raw_row  # noqa: F401

pytestmark = pytest.mark.django_db


def _qualification(**fields):
    return QualificationFactory(with_materials=False, **fields)


def test_qualification_id_numbers_are_ciphertext_in_the_row(field_keys):
    number, agent = sample_resident_id(4101), sample_resident_id(4102)
    item = _qualification(legal_rep_id_number=number, agent_name="李四", agent_id_number=agent)
    stored, stored_agent, digest = raw_row(
        "signatures_qualification",
        item.pk,
        "legal_rep_id_number",
        "agent_id_number",
        "legal_rep_id_number_hash",
    )
    assert number not in stored and agent not in stored_agent
    key = field_keys.FIELD_ENCRYPTION_KEYS[0]
    assert decrypts_with(key, stored) == number
    assert decrypts_with(key, stored_agent) == agent
    assert (
        digest
        == hmac.new(field_keys.FIELD_HASH_KEY.encode(), number.encode(), hashlib.sha256).hexdigest()
    )


def test_reads_decrypt_and_empty_stays_empty():
    number = sample_resident_id(4103)
    item = _qualification(legal_rep_id_number=number)
    assert raw_row(
        "signatures_qualification", item.pk, "agent_id_number", "agent_id_number_hash"
    ) == (
        "",
        "",
    )
    fresh = Qualification.objects.get(pk=item.pk)
    assert fresh.legal_rep_id_number == number and fresh.agent_id_number == ""


def test_same_number_encrypts_differently_each_time_but_hashes_alike():
    number = sample_resident_id(4104)
    first, second = (
        _qualification(legal_rep_id_number=number),
        _qualification(legal_rep_id_number=number),
    )
    row = ("legal_rep_id_number", "legal_rep_id_number_hash")
    (token_a, hash_a), (token_b, hash_b) = (
        raw_row("signatures_qualification", first.pk, *row),
        raw_row("signatures_qualification", second.pk, *row),
    )
    assert token_a != token_b and hash_a == hash_b
    found = Qualification.objects.filter(legal_rep_id_number_hash=blind_index(number))
    assert set(found) == {first, second}


def test_authorization_partner_id_number_is_ciphertext(account, customer, field_keys):
    qualification = qualification_create(
        account=account,
        user=customer,
        name="深圳市和讯华谷信息技术有限公司",
        uscc=sample_uscc(4105),
        legal_rep_name="张三",
        legal_rep_id_number=sample_resident_id(4105),
    )
    number = sample_resident_id(4106)
    authorization = authorization_create(
        qualification=qualification,
        user=customer,
        partner_name="深圳市伙伴科技有限公司",
        partner_uscc=sample_uscc(4106),
        partner_legal_rep_name="李四",
        partner_legal_rep_id_number=number,
        valid_from=dt.date(2026, 1, 1),
        valid_until=dt.date(2027, 1, 1),
    )
    (stored,) = raw_row("signatures_authorization", authorization.pk, "partner_legal_rep_id_number")
    assert number not in stored
    assert decrypts_with(field_keys.FIELD_ENCRYPTION_KEYS[0], stored) == number
    assert Authorization.objects.get(pk=authorization.pk).partner_legal_rep_id_number == number


def test_revision_snapshot_holds_ciphertext_and_reads_back_plain(approved_qualification):
    number = approved_qualification.legal_rep_id_number
    revision = approved_qualification.current_revision
    (stored,) = raw_row("reviewportal_revision", revision.pk, "snapshot")
    assert number not in raw_json(stored)
    assert approved_qualification.name in raw_json(stored)
    assert Revision.objects.get(pk=revision.pk).snapshot["legal_rep_id_number"] == number


def test_wrong_key_fails_loudly(settings):
    item = _qualification(legal_rep_id_number=sample_resident_id(4107))
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(FieldDecryptionError, match="legal_rep_id_number"):
        Qualification.objects.get(pk=item.pk)


@pytest.mark.parametrize("keys", [[], None, ["not-a-fernet-key"]])
def test_missing_or_malformed_keys_refuse_to_write(settings, keys):
    settings.FIELD_ENCRYPTION_KEYS = keys
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS"), transaction.atomic():
        _qualification(legal_rep_id_number=sample_resident_id(4108))
    assert not Qualification.objects.exists()


def test_missing_hash_key_refuses_to_write(settings):
    settings.FIELD_HASH_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="FIELD_HASH_KEY"):
        _qualification(legal_rep_id_number=sample_resident_id(4109))


def test_check_constraint_still_needs_one_id_number(account):
    # A draft may be saved before its ID numbers are known; a submitted one has one.
    submitted = {"name": "某公司", "legal_rep_name": "张三", "state": "pending_review"}
    with pytest.raises(IntegrityError), transaction.atomic():
        Qualification.objects.create(account=account, uscc=sample_uscc(4110), **submitted)
    item = Qualification(account=account, uscc=sample_uscc(4110), **submitted)
    with pytest.raises(ValidationError, match="qualification_has_an_id_number"):
        item.validate_constraints()
    Qualification.objects.create(account=account, name="某公司", uscc=sample_uscc(4112))


def test_validators_run_on_the_plaintext(account, customer):
    good = sample_resident_id(4111)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(ValidationError) as excinfo:
        qualification_create(
            account=account,
            user=customer,
            name="某公司",
            uscc=sample_uscc(4111),
            legal_rep_name="张三",
            legal_rep_id_number=bad,
        )
    assert excinfo.value.message_dict["legal_rep_id_number"] == [
        "The check digit of this resident ID number is wrong; please re-type it."
    ]


def test_equality_lookup_on_the_ciphertext_is_refused():
    number = sample_resident_id(4112)
    _qualification(legal_rep_id_number=number)
    with pytest.raises(FieldError, match="legal_rep_id_number_hash"):
        list(Qualification.objects.filter(legal_rep_id_number=number))
    with pytest.raises(FieldError):
        list(Qualification.objects.filter(legal_rep_id_number__contains=number[:6]))


def test_saving_only_the_number_keeps_its_hash_in_step():
    item = _qualification(legal_rep_id_number=sample_resident_id(4113))
    item.legal_rep_id_number = sample_resident_id(4114)
    item.save(update_fields=["legal_rep_id_number"])
    (digest,) = raw_row("signatures_qualification", item.pk, "legal_rep_id_number_hash")
    assert digest == blind_index(sample_resident_id(4114))
