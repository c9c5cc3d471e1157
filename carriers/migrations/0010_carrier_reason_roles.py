"""The carrier-reason catalogue is kept in the console as the rejection reasons are: every staff
role reads it, senior reviewers add entries and change them (deactivating one retires it).
Nobody deletes one. Staff read customers' re-files with the filings they handle."""

from django.db import migrations

_READ = [("carriers", "view_carrierreason"), ("carriers", "view_customerrefile")]
GRANTS = {
    "Reviewer": _READ,
    "Senior reviewer": [
        *_READ,
        ("carriers", "add_carrierreason"),
        ("carriers", "change_carrierreason"),
    ],
    "Support": _READ,
    "Auditor": _READ,
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
        ("carriers", "0009_seed_carrier_reasons"),
        ("reviewportal", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
