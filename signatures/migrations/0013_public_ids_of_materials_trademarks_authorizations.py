"""Materials, trademarks and authorizations get public ids (``MAT…``, ``TMK…``, ``AUT…``):
the customer API names objects by public id only. Existing rows get theirs here."""

import django.db.models
from django.db import migrations

import signatures.models
from reviewportal.identifiers import new_public_id

PREFIXES = {"material": "MAT", "trademark": "TMK", "authorization": "AUT"}


def give_public_ids(apps, schema_editor):
    for model_name, prefix in PREFIXES.items():
        model = apps.get_model("signatures", model_name)
        rows = list(model.objects.filter(public_id__isnull=True).only("pk"))
        for row in rows:
            row.public_id = new_public_id(prefix)
        model.objects.bulk_update(rows, ["public_id"], batch_size=1000)


def _add(model_name):
    return migrations.AddField(
        model_name=model_name,
        name="public_id",
        field=django.db.models.CharField(
            editable=False, max_length=20, null=True, verbose_name="ID"
        ),
    )


def _finish(model_name, default):
    return migrations.AlterField(
        model_name=model_name,
        name="public_id",
        field=django.db.models.CharField(
            default=default, editable=False, max_length=20, unique=True, verbose_name="ID"
        ),
    )


class Migration(migrations.Migration):
    dependencies = [("signatures", "0012_material_in_revision")]

    operations = [
        _add("material"),
        _add("trademark"),
        _add("authorization"),
        migrations.RunPython(give_public_ids, migrations.RunPython.noop),
        _finish("material", signatures.models._material_public_id),
        _finish("trademark", signatures.models._trademark_public_id),
        _finish("authorization", signatures.models._authorization_public_id),
    ]
