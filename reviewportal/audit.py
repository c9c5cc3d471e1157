"""Field-level change history (django-auditlog) of the records staff and customers edit.
Transitions are logged separately by django-fsm-log, and views of sensitive material by
``AccessLog``.

Encrypted fields (resident ID numbers) are recorded with the one mask every surface uses,
``mask_id_number`` (first 6 + last 4): a history that masked another part would, together with
the console, rebuild the number. Their keyed hashes are not recorded at all."""

from __future__ import annotations

import re

from auditlog.registry import auditlog
from django.apps import apps

from reviewportal.fields import BlindIndexField, EncryptedTextField
from reviewportal.validators import mask_id_number

MASK_CALLABLE = "reviewportal.validators.mask_id_number"

REGISTERED = {
    "reviewportal.Account": {},
    "reviewportal.User": {"exclude_fields": ["password", "last_login"]},
    "reviewportal.ReasonCode": {},
    "reviewportal.WorkingDay": {},
    "reviewportal.SlaPolicy": {},
    "signatures.Qualification": {},
    "signatures.Trademark": {},
    "signatures.Authorization": {},
    "signatures.SignatureApplication": {},
    "signatures.NeutralWord": {},
    "templates.TemplateApplication": {},
    "carriers.Carrier": {},
}


def audit_options(model, options: dict) -> dict:
    """``options`` plus the masking of ``model``'s encrypted fields and the exclusion of their
    keyed hashes."""
    fields = model._meta.concrete_fields
    masked = [f.name for f in fields if isinstance(f, EncryptedTextField)]
    hashes = [f.name for f in fields if isinstance(f, BlindIndexField)]
    if not (masked or hashes):
        return options
    return {
        **options,
        "mask_fields": [*options.get("mask_fields", []), *masked],
        "mask_callable": MASK_CALLABLE,
        "exclude_fields": [*options.get("exclude_fields", []), *hashes],
    }


def register_audited_models() -> None:
    for label, options in REGISTERED.items():
        model = apps.get_model(label)
        if not auditlog.contains(model):
            auditlog.register(model, **audit_options(model, options))


_ONE_MASK = re.compile(r"^[0-9]{6}\*+[0-9A-Za-z]{4}$")


def remask_logged_value(value):
    """An ID number as an older history recorded it, brought to the one mask: a full number is
    masked; a value masked another way keeps only its last four characters (its first six
    are no longer known); the one mask, empty values and auditlog's "None" stay."""
    if not isinstance(value, str) or value in ("", "None") or _ONE_MASK.match(value):
        return value
    if "*" in value:
        return "*" * max(len(value) - 4, 0) + value[-4:]
    return mask_id_number(value)
