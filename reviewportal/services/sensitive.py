"""Sensitive personal information (SPEC §10). ID numbers are encrypted at rest
(``reviewportal.fields``) and shown with one mask everywhere (``mask_id_number``); unmasking one
is an explicit, logged act of a user who holds the "view sensitive" permission. Rotating the
encryption keys re-encrypts every stored value under the first key."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models import Value
from django.utils.translation import gettext as _

from reviewportal import crypto
from reviewportal.errors import PermissionRefused
from reviewportal.fields import (
    BlindIndexField,
    EncryptedKeysJSONField,
    EncryptedTextField,
    convert_sensitive,
    encrypted_fields,
    sensitive_keys,
)
from reviewportal.models import AccessLog, User
from reviewportal.permissions import PERM_SENSITIVE, is_staff_user
from reviewportal.validators import mask_id_number

#: The ID-number fields of a qualification, in the order they are shown.
ID_FIELDS = ("legal_rep_id_number", "agent_id_number")


def snapshot_masked(snapshot: Any) -> Any:
    """A copy of ``snapshot`` with every ID number in it masked (at any depth)."""
    return convert_sensitive(snapshot, mask_id_number, sensitive_keys())


def id_numbers_unmask(*, qualification, user: User, ip_address: str | None = None) -> dict:
    """Return the qualification's unmasked ID numbers ({field: value}, empty ones left out).

    Effects: refused unless ``user`` is staff with ``view_sensitive``; one AccessLog row
    (``unmask_id``) per ID number shown, naming the field."""
    with transaction.atomic():
        if not (is_staff_user(user) and user.has_perm(PERM_SENSITIVE)):
            raise PermissionRefused(_("You may not see unmasked ID numbers."))
        content_type = ContentType.objects.get_for_model(qualification)
        shown = {f: getattr(qualification, f) for f in ID_FIELDS if getattr(qualification, f)}
        AccessLog.objects.bulk_create(
            AccessLog(
                user=user,
                action=AccessLog.Action.UNMASK_ID,
                content_type=content_type,
                object_id=qualification.pk,
                detail=field,
                ip_address=ip_address,
            )
            for field in shown
        )
        return shown


# --- key rotation -----------------------------------------------------------------------------


@dataclass
class RotationCount:
    """What rotation found (dry run) or did (committed) for one encrypted column."""

    label: str
    values: int = 0
    reencrypted: int = 0
    hashes: int = 0

    @property
    def current(self) -> int:
        return self.values - self.reencrypted


def _rows(model: type[models.Model], columns: list[str], batch_size: int):
    """The raw stored values of ``columns`` (as the database holds them, past the fields'
    decryption), in primary-key order and batches."""
    quote = connection.ops.quote_name
    pk = model._meta.pk.column
    select = ", ".join(quote(c) for c in [pk, *columns])
    table = quote(model._meta.db_table)
    last = None
    while True:
        where, params = ("", []) if last is None else (f" WHERE {quote(pk)} > %s", [last])
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {select} FROM {table}{where} ORDER BY {quote(pk)} LIMIT %s",
                [*params, batch_size],
            )
            batch = cursor.fetchall()
        if not batch:
            return
        yield from batch
        last = batch[-1][0]


def _rotate_json(raw, label: str) -> tuple[Any, int, int]:
    """(data with every token under the first key, tokens seen, tokens re-encrypted)."""
    data = json.loads(raw) if isinstance(raw, str | bytes) else raw
    seen = rotated = 0

    def rotate(token: str) -> str:
        nonlocal seen, rotated
        seen += 1
        if crypto.is_under_first_key(token):
            crypto.decrypt(token, what=label)
            return token
        rotated += 1
        return crypto.reencrypt(token, what=label)

    return convert_sensitive(data, rotate, sensitive_keys()), seen, rotated


def _rotate_model(model, fields, *, commit: bool, batch_size: int) -> list[RotationCount]:
    texts = [f for f in fields if isinstance(f, EncryptedTextField)]
    jsons = [f for f in fields if isinstance(f, EncryptedKeysJSONField)]
    hashes = {f.source: f for f in fields if isinstance(f, BlindIndexField)}
    columns = [f.column for f in texts] + [hashes[f.name].column for f in texts if f.name in hashes]
    columns += [f.column for f in jsons]
    counts = {f.name: RotationCount(f"{model._meta.label}.{f.name}") for f in [*texts, *jsons]}
    for row in _rows(model, columns, batch_size):
        pk, values = row[0], dict(zip(columns, row[1:], strict=True))
        updates: dict[str, Value] = {}
        for field in texts:
            token, count = values[field.column], counts[field.name]
            if not token:
                continue
            count.values += 1
            label = f"{count.label} of row {pk}"
            plain = crypto.decrypt(token, what=label)
            if not crypto.is_under_first_key(token):
                count.reencrypted += 1
                updates[field.name] = Value(crypto.reencrypt(token, what=label), models.TextField())
            index = hashes.get(field.name)
            if index and values[index.column] != crypto.blind_index(plain):
                count.hashes += 1
                updates[index.name] = Value(crypto.blind_index(plain), models.CharField())
        for field in jsons:
            raw, count = values[field.column], counts[field.name]
            if raw is None:
                continue
            label = f"{count.label} of row {pk}"
            data, seen, rotated = _rotate_json(raw, label)
            count.values += seen
            count.reencrypted += rotated
            if rotated:
                updates[field.name] = Value(data, models.JSONField(encoder=field.encoder))
        if commit and updates:
            # The base manager: re-encrypting changes no content, so even records that are
            # otherwise never updated (revisions) take it.
            model._base_manager.filter(pk=pk).update(**updates)
    return list(counts.values())


def field_keys_rotate(*, commit: bool = False, batch_size: int = 500) -> list[RotationCount]:
    """Re-encrypt every encrypted value (records and snapshots) under the first key of
    ``FIELD_ENCRYPTION_KEYS`` and recompute keyed hashes that ``FIELD_HASH_KEY`` no longer
    gives; return the counts per column.

    Dry run unless ``commit``: the same checks, nothing written. Raises FieldKeysError for bad
    configuration and FieldDecryptionError for a value no configured key opens; either way
    before anything is written, since a committed run is one transaction."""
    crypto.check_keys()
    counts: list[RotationCount] = []
    with transaction.atomic():
        for model, fields in sorted(encrypted_fields().items(), key=lambda i: i[0]._meta.label):
            counts += _rotate_model(model, fields, commit=commit, batch_size=batch_size)
    return counts
