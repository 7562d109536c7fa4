# Contacts move under the alliance that recorded them, and an organisation's notes under each
# alliance's assessment. This step only adds the columns; 0003 fills them, 0004 requires them.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('alliances', '0006_outreach_reports'),
        ('stakeholders', '0001_initial'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='contact',
            name='one_contact_per_email',
        ),
        migrations.AddField(
            model_name='contact',
            name='alliance',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='contacts', to='alliances.alliance', verbose_name='alliance'),
        ),
        migrations.AddField(
            model_name='stakeholder',
            name='notes',
            field=models.TextField(blank=True, max_length=5000, verbose_name='notes'),
        ),
    ]
