"""A filing names its item as the review kernel names items everywhere (kind and id) instead of
one foreign key per kind filed, so that a kind filed with the carriers needs no column here.
Existing filings keep their item; going back restores the two columns from it."""

import django.db.models.deletion
from django.db import migrations, models

KINDS = (("signature", "signatures", "signatureapplication"),
         ("template", "templates", "templateapplication"))  # fmt: skip


def forward(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    CarrierFiling = apps.get_model("carriers", "CarrierFiling")
    for field, app_label, model in KINDS:
        content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        # One statement per kind: F() of the old column into the new one.
        CarrierFiling.objects.filter(**{f"{field}__isnull": False}).update(
            content_type=content_type, object_id=models.F(f"{field}_id")
        )


def backward(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    CarrierFiling = apps.get_model("carriers", "CarrierFiling")
    for field, app_label, model in KINDS:
        content_type = ContentType.objects.filter(app_label=app_label, model=model).first()
        if content_type is not None:
            CarrierFiling.objects.filter(content_type=content_type).update(
                **{f"{field}_id": models.F("object_id")}
            )


class Migration(migrations.Migration):
    dependencies = [
        ("carriers", "0010_carrier_reason_roles"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("signatures", "0015_qualification_api_list_index"),
        ("templates", "0007_api_list_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="carrierfiling",
            name="content_type",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contenttypes.contenttype",
                verbose_name="kind of item",
            ),
        ),
        migrations.AddField(
            model_name="carrierfiling",
            name="object_id",
            field=models.PositiveBigIntegerField(null=True, verbose_name="item id"),
        ),
        migrations.RemoveConstraint(
            model_name="carrierfiling", name="filing_is_for_a_signature_or_a_template"
        ),
        migrations.RunPython(forward, backward, elidable=False),
        migrations.RemoveField(model_name="carrierfiling", name="signature"),
        migrations.RemoveField(model_name="carrierfiling", name="template"),
        migrations.AlterField(
            model_name="carrierfiling",
            name="content_type",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contenttypes.contenttype",
                verbose_name="kind of item",
            ),
        ),
        migrations.AlterField(
            model_name="carrierfiling",
            name="object_id",
            field=models.PositiveBigIntegerField(verbose_name="item id"),
        ),
        migrations.AddIndex(
            model_name="carrierfiling",
            index=models.Index(fields=["content_type", "object_id"], name="filing_item"),
        ),
    ]
