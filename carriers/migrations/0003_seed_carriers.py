from django.db import migrations

CARRIERS = [
    ("cmcc", "中国移动", "China Mobile", 1),
    ("cucc", "中国联通", "China Unicom", 2),
    ("ctcc", "中国电信", "China Telecom", 3),
]


def add_carriers(apps, schema_editor):
    Carrier = apps.get_model("carriers", "Carrier")
    for code, name_zh, name_en, order in CARRIERS:
        Carrier.objects.get_or_create(
            code=code, defaults={"name_zh": name_zh, "name_en": name_en, "sort_order": order}
        )


def remove_carriers(apps, schema_editor):
    apps.get_model("carriers", "Carrier").objects.filter(code__in=[c[0] for c in CARRIERS]).delete()


class Migration(migrations.Migration):
    dependencies = [("carriers", "0002_initial")]

    operations = [migrations.RunPython(add_carriers, remove_carriers)]
