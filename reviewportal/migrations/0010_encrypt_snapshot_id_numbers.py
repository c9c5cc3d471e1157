"""ID numbers held outside their records (SPEC §10): revision snapshots encrypt theirs like the
records do, and the field history keeps only the one mask (first 6 + last 4).

Snapshots are converted while the column is still a plain JSON field, then the column is handed
to the encrypting field (no schema change). The history had been masked with the first half
starred, which together with the console's mask rebuilt most of a number: such values keep only
their last four characters; values logged in full get the one mask. Masking is not undone by
reversing."""

import django.core.serializers.json
from django.db import migrations

import reviewportal.fields
from reviewportal import crypto
from reviewportal.audit import remask_logged_value

#: The encrypted fields of the records as of this migration.
ID_KEYS = frozenset({"legal_rep_id_number", "agent_id_number", "partner_legal_rep_id_number"})


def _encrypt_if_plain(value: str) -> str:
    try:
        crypto.decrypt(value)
    except crypto.FieldDecryptionError:
        return crypto.encrypt(value)
    return value


def encrypt_snapshots(apps, schema_editor):
    crypto.check_keys()
    Revision = apps.get_model("reviewportal", "Revision")
    for pk, snapshot in Revision.objects.order_by("pk").values_list("pk", "snapshot").iterator():
        converted = reviewportal.fields.convert_sensitive(snapshot, _encrypt_if_plain, ID_KEYS)
        if converted != snapshot:
            Revision.objects.filter(pk=pk).update(snapshot=converted)


def decrypt_snapshots(apps, schema_editor):
    Revision = apps.get_model("reviewportal", "Revision")
    for pk, snapshot in Revision.objects.order_by("pk").values_list("pk", "snapshot").iterator():
        converted = reviewportal.fields.convert_sensitive(snapshot, crypto.decrypt, ID_KEYS)
        if converted != snapshot:
            Revision.objects.filter(pk=pk).update(snapshot=converted)


def _remask(changes):
    if not isinstance(changes, dict):
        return changes
    return {
        key: [remask_logged_value(v) for v in value]
        if key in ID_KEYS and isinstance(value, list | tuple)
        else value
        for key, value in changes.items()
    }


def remask_history(apps, schema_editor):
    LogEntry = apps.get_model("auditlog", "LogEntry")
    entries = LogEntry.objects.filter(changes__has_any_keys=sorted(ID_KEYS)).order_by("pk")
    for pk, changes in entries.values_list("pk", "changes").iterator():
        remasked = _remask(changes)
        if remasked != changes:
            LogEntry.objects.filter(pk=pk).update(changes=remasked)


class Migration(migrations.Migration):
    dependencies = [
        ("reviewportal", "0009_calendar_changes_and_opening_hours"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [
        migrations.RunPython(encrypt_snapshots, decrypt_snapshots, elidable=False),
        migrations.AlterField(
            model_name="revision",
            name="snapshot",
            field=reviewportal.fields.EncryptedKeysJSONField(
                encoder=django.core.serializers.json.DjangoJSONEncoder, verbose_name="snapshot"
            ),
        ),
        migrations.RunPython(remask_history, migrations.RunPython.noop, elidable=False),
    ]
