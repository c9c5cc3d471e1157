"""Neutral words are kept in the console (SPEC §4) as the reason catalogue is: every staff role
reads the list, senior reviewers add words and disable or enable them. Nobody deletes one."""

from django.db import migrations

GRANTS = {
    "Reviewer": [("signatures", "view_neutralword")],
    "Senior reviewer": [
        ("signatures", "view_neutralword"),
        ("signatures", "add_neutralword"),
        ("signatures", "change_neutralword"),
    ],
    "Support": [("signatures", "view_neutralword")],
    "Auditor": [("signatures", "view_neutralword")],
}


def _permissions(apps, perms):
    Permission = apps.get_model("auth", "Permission")
    return [
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
        for app_label, codename in perms
    ]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations ran; create them now so that the
    # groups can refer to them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    for name, perms in GRANTS.items():
        for group in Group.objects.filter(name=name):
            group.permissions.add(*_permissions(apps, perms))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name, perms in GRANTS.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(*_permissions(apps, perms))


class Migration(migrations.Migration):
    dependencies = [
        ("signatures", "0008_one_live_qualification_per_uscc"),
        ("reviewportal", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
