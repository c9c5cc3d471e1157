"""Senior reviewers and support handle carrier filings in the console: retry, re-file, enter a
carrier's result (SPEC §5)."""

from django.db import migrations

GROUPS = ("Senior reviewer", "Support")


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perm = Permission.objects.get(content_type__app_label="carriers", codename="change_carrierfiling")
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.add(perm)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perm = Permission.objects.filter(
        content_type__app_label="carriers", codename="change_carrierfiling"
    ).first()
    if perm:
        for group in Group.objects.filter(name__in=GROUPS):
            group.permissions.remove(perm)


class Migration(migrations.Migration):
    dependencies = [
        ("carriers", "0004_outbox_attempts_usage_stub"),
        ("reviewportal", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
