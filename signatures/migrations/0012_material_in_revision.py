"""Materials named by a revision's snapshot are part of the history: the flag that keeps the
staged-upload clean-up away from them, set for every revision written so far."""

from django.db import migrations, models


def _ids_in(snapshot):
    # As signatures.selectors.material_ids_in, frozen here with the migration.
    if isinstance(snapshot, dict):
        if {"id", "kind", "sha256"} <= snapshot.keys() and isinstance(snapshot["id"], int):
            yield snapshot["id"]
        for value in snapshot.values():
            yield from _ids_in(value)
    elif isinstance(snapshot, list):
        for value in snapshot:
            yield from _ids_in(value)


def mark(apps, schema_editor):
    Revision = apps.get_model("reviewportal", "Revision")
    Material = apps.get_model("signatures", "Material")
    ids = set()
    for revision in Revision.objects.only("snapshot").iterator(chunk_size=500):
        ids.update(_ids_in(revision.snapshot))
    ids = sorted(ids)
    for start in range(0, len(ids), 1000):
        Material.objects.filter(pk__in=ids[start : start + 1000]).update(in_revision=True)


class Migration(migrations.Migration):
    dependencies = [
        ("signatures", "0011_domain_verification"),
        ("reviewportal", "0014_link_reason_wording"),
    ]

    operations = [
        migrations.AddField(
            model_name="material",
            name="in_revision",
            field=models.BooleanField(default=False, verbose_name="in a revision"),
        ),
        migrations.RunPython(mark, migrations.RunPython.noop),
    ]
