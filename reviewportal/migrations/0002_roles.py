"""Staff roles as groups with permissions (SPEC §1). Re-running keeps groups in line with this
table: permissions are set, not added."""

from django.db import migrations

VIEW_ITEMS = [
    ("signatures", "view_qualification"),
    ("signatures", "view_signatureapplication"),
    ("signatures", "view_material"),
    ("signatures", "view_trademark"),
    ("signatures", "view_authorization"),
    ("templates", "view_templateapplication"),
    ("reviewportal", "view_account"),
    ("reviewportal", "view_revision"),
    ("reviewportal", "view_reviewdecision"),
    ("reviewportal", "view_reasoncode"),
    ("reviewportal", "view_urgentticket"),
    ("carriers", "view_carrier"),
    ("carriers", "view_carrierfiling"),
    ("django_fsm_log", "view_statelog"),
]

ROLES = {
    "Reviewer": VIEW_ITEMS
    + [
        ("reviewportal", "review_items"),
        ("reviewportal", "write_internal_notes"),
    ],
    "Senior reviewer": VIEW_ITEMS
    + [
        ("reviewportal", "review_items"),
        ("reviewportal", "write_internal_notes"),
        ("reviewportal", "override_findings"),
        ("reviewportal", "reassign_items"),
        ("reviewportal", "handle_urgent"),
        ("reviewportal", "flag_rereview"),
        ("reviewportal", "view_sensitive"),
        ("reviewportal", "add_reasoncode"),
        ("reviewportal", "change_reasoncode"),
    ],
    "Support": VIEW_ITEMS
    + [
        ("reviewportal", "handle_urgent"),
        ("reviewportal", "write_internal_notes"),
        ("reviewportal", "view_notification"),
    ],
    "Auditor": VIEW_ITEMS
    + [
        ("reviewportal", "view_audit"),
        ("reviewportal", "view_accesslog"),
        ("reviewportal", "view_notification"),
        ("reviewportal", "view_user"),
        ("auditlog", "view_logentry"),
    ],
}


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations ran; create them now so that the
    # groups can refer to them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for app_label, codename in perms:
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reviewportal", "0001_initial"),
        ("signatures", "0001_initial"),
        ("templates", "0001_initial"),
        ("carriers", "0001_initial"),
        ("django_fsm_log", "__latest__"),
        ("auditlog", "__latest__"),
        ("auth", "__latest__"),
        ("contenttypes", "__latest__"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
