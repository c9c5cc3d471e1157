"""Senior reviewers keep the business calendar, the SLA targets and the carriers' filing pauses
(SPEC §6) and read what each change did; auditors read them all."""

from django.db import migrations

GRANTS = {
    "Senior reviewer": [
        ("reviewportal", "view_workingday"),
        ("reviewportal", "change_workingday"),
        ("reviewportal", "view_slapolicy"),
        ("reviewportal", "change_slapolicy"),
        ("reviewportal", "view_calendarchange"),
        ("carriers", "view_carrierpause"),
        ("carriers", "add_carrierpause"),
        ("carriers", "change_carrierpause"),
        ("carriers", "delete_carrierpause"),
    ],
    "Auditor": [
        ("reviewportal", "view_workingday"),
        ("reviewportal", "view_slapolicy"),
        ("reviewportal", "view_calendarchange"),
        ("carriers", "view_carrierpause"),
    ],
}


def _permissions(apps, perms):
    Permission = apps.get_model("auth", "Permission")
    return [
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
        for app_label, codename in perms
    ]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

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
        ("carriers", "0006_filing_clock_and_pauses"),
        ("reviewportal", "0009_calendar_changes_and_opening_hours"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
