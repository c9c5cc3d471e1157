"""The rejection reason for a template link says "the domains you own" (the term of the
glossary: a qualification's domains are declared by the customer, and "verified" is what a
reviewer marks with evidence). A text staff have edited in the console is left alone."""

from django.db import migrations

OLD = (
    "模板中的链接或IP须属于贵司已验证的域名。",
    "Links and IP addresses in the template must belong to your verified domains.",
)
NEW = (
    "模板中的链接或IP须属于资质中列出的贵司自有域名。",
    "Links and IP addresses in the template must belong to the domains you own, as listed in "
    "your qualification.",
)


def _reword(apps, before, after):
    ReasonCode = apps.get_model("reviewportal", "ReasonCode")
    ReasonCode.objects.filter(
        code="tpl_link_not_owned", customer_text_zh=before[0], customer_text_en=before[1]
    ).update(customer_text_zh=after[0], customer_text_en=after[1])


class Migration(migrations.Migration):
    dependencies = [("reviewportal", "0013_notification_texts")]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: _reword(apps, OLD, NEW),
            lambda apps, schema_editor: _reword(apps, NEW, OLD),
        )
    ]
