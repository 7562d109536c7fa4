"""The sustainability models leave this app for their own app.

Only Django's record of the models changes; their tables keep their names and rows.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('actionplans', '0004_sustainability'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='sustainabilityplan',
                    name='plan',
                ),
                migrations.RemoveField(
                    model_name='sustainabilityplan',
                    name='updated_by',
                ),
                migrations.RemoveField(
                    model_name='swot',
                    name='alliance',
                ),
                migrations.RemoveField(
                    model_name='swot',
                    name='created_by',
                ),
                migrations.DeleteModel(
                    name='Evaluation',
                ),
                migrations.DeleteModel(
                    name='SustainabilityPlan',
                ),
                migrations.DeleteModel(
                    name='Swot',
                ),
            ],
            # The tables stay as they are: only the models' app changes.
            database_operations=[],
        ),
    ]
