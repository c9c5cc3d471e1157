"""Seed the business calendar from every year the installed ``chinese_calendar`` covers, and the
SLA policies with the SPEC §6 defaults. Later years are entered with ``manage.py calendar_import``.
"""

from django.db import migrations

# SPEC §6 defaults; from here on they are edited in the admin.
DEFAULT_POLICIES = [
    # seed 000: "generally reviewed within one working day".
    ("standard", 9, "business_hours"),
    # seed 000 "Urgent Application": counted from the moment support accepts the ticket.
    ("urgent", 2, "business_hours"),
    # seed 004: carriers file within 3–5 working days.
    ("filing", 5, "working_days"),
    # seed 003: real-name review within 7–10 working days.
    ("qualification", 10, "working_days"),
]


def seed(apps, schema_editor):
    from reviewportal.calendar_seed import statutory_days

    WorkingDay = apps.get_model("reviewportal", "WorkingDay")
    SlaPolicy = apps.get_model("reviewportal", "SlaPolicy")
    # Some 8,000 rows: one multi-row INSERT per batch keeps this well under a second on SQLite
    # and PostgreSQL alike.
    WorkingDay.objects.bulk_create(
        (WorkingDay(date=day, is_working=working, note=note) for day, working, note in
         statutory_days()),
        batch_size=1000,
    )
    for code, value, unit in DEFAULT_POLICIES:
        SlaPolicy.objects.get_or_create(
            code=code, defaults={"target_value": value, "target_unit": unit}
        )


def unseed(apps, schema_editor):
    apps.get_model("reviewportal", "WorkingDay").objects.all().delete()
    apps.get_model("reviewportal", "SlaPolicy").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("reviewportal", "0004_calendar_and_sla_policies")]

    operations = [migrations.RunPython(seed, unseed)]
