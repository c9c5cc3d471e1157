"""Resident ID numbers encrypted at rest, with a keyed hash beside each (SPEC §10).

In three steps, so that the rows are converted while the columns are still plain text: widen
the columns to text (a token is longer than 18 characters), encrypt what the rows hold and fill
the hashes, then hand the columns to the encrypting field (no schema change). Reversible while
the keys that encrypted the rows are configured."""

import django.core.validators
from django.db import migrations, models

import reviewportal.fields
import reviewportal.validators
from reviewportal import crypto

ENCRYPTED = {
    "qualification": ("legal_rep_id_number", "agent_id_number"),
    "authorization": ("partner_legal_rep_id_number",),
}


def _is_token(value: str) -> bool:
    try:
        crypto.decrypt(value)
    except crypto.FieldDecryptionError:
        return False
    return True


def encrypt_rows(apps, schema_editor):
    crypto.check_keys()
    for model_name, fields in ENCRYPTED.items():
        model = apps.get_model("signatures", model_name)
        for pk, *values in model.objects.order_by("pk").values_list("pk", *fields).iterator():
            updates = {}
            for field, value in zip(fields, values, strict=True):
                if not value or _is_token(value):
                    continue
                updates[field] = crypto.encrypt(value)
                updates[f"{field}_hash"] = crypto.blind_index(value)
            if updates:
                model.objects.filter(pk=pk).update(**updates)


def decrypt_rows(apps, schema_editor):
    for model_name, fields in ENCRYPTED.items():
        model = apps.get_model("signatures", model_name)
        for pk, *values in model.objects.order_by("pk").values_list("pk", *fields).iterator():
            updates = {f: crypto.decrypt(v, what=f) for f, v in zip(fields, values) if v}
            if updates:
                model.objects.filter(pk=pk).update(**updates)


def _plain(verbose_name, blank=True):
    return models.TextField(
        blank=blank,
        max_length=18,
        validators=[reviewportal.validators.validate_resident_id],
        verbose_name=verbose_name,
    )


def _encrypted(verbose_name, blank=True):
    return reviewportal.fields.EncryptedTextField(
        blank=blank,
        max_length=18,
        validators=[reviewportal.validators.validate_resident_id],
        verbose_name=verbose_name,
    )


PARTNER = "partner's legal representative ID number"
AGENT = "agent ID number"
LEGAL_REP = "legal representative ID number"


class Migration(migrations.Migration):
    dependencies = [
        ("signatures", "0006_sla_clock_start_and_pending"),
    ]

    operations = [
        migrations.AlterField(
            model_name="authorization",
            name="partner_legal_rep_id_number",
            field=_plain(PARTNER, blank=False),
        ),
        migrations.AlterField(
            model_name="qualification", name="agent_id_number", field=_plain(AGENT)
        ),
        migrations.AlterField(
            model_name="qualification", name="legal_rep_id_number", field=_plain(LEGAL_REP)
        ),
        migrations.AddField(
            model_name="authorization",
            name="partner_legal_rep_id_number_hash",
            field=reviewportal.fields.BlindIndexField(source="partner_legal_rep_id_number"),
        ),
        migrations.AddField(
            model_name="qualification",
            name="agent_id_number_hash",
            field=reviewportal.fields.BlindIndexField(source="agent_id_number"),
        ),
        migrations.AddField(
            model_name="qualification",
            name="legal_rep_id_number_hash",
            field=reviewportal.fields.BlindIndexField(source="legal_rep_id_number"),
        ),
        migrations.RunPython(encrypt_rows, decrypt_rows, elidable=False),
        migrations.AlterField(
            model_name="authorization",
            name="partner_legal_rep_id_number",
            field=_encrypted(PARTNER, blank=False),
        ),
        migrations.AlterField(
            model_name="qualification", name="agent_id_number", field=_encrypted(AGENT)
        ),
        migrations.AlterField(
            model_name="qualification", name="legal_rep_id_number", field=_encrypted(LEGAL_REP)
        ),
        migrations.AlterField(
            model_name="signatureapplication",
            name="use_case",
            field=models.TextField(
                blank=True,
                max_length=500,
                validators=[django.core.validators.MaxLengthValidator(500)],
                verbose_name="use case",
            ),
        ),
    ]
