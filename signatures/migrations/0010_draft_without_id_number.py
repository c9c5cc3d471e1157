# A draft qualification may be saved before its ID numbers are known: the check that a
# qualification has the legal representative's or the agent's ID number holds for every
# qualification that is not a draft.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("signatures", "0009_neutral_word_roles"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="qualification",
            name="qualification_has_an_id_number",
        ),
        migrations.AddConstraint(
            model_name="qualification",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("state", "draft"),
                    models.Q(("legal_rep_id_number", ""), _negated=True),
                    models.Q(("agent_id_number", ""), _negated=True),
                    _connector="OR",
                ),
                name="qualification_has_an_id_number",
            ),
        ),
    ]
