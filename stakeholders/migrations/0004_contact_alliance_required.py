import django.db.models.deletion
import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('alliances', '0006_outreach_reports'),
        ('stakeholders', '0003_contacts_to_alliances'),
    ]

    operations = [
        migrations.AlterField(
            model_name='contact',
            name='alliance',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='contacts', to='alliances.alliance', verbose_name='alliance'),
        ),
        migrations.AddConstraint(
            model_name='contact',
            constraint=models.UniqueConstraint(models.F('alliance'), django.db.models.functions.text.Lower('email'), condition=models.Q(('email', ''), _negated=True), name='one_contact_per_email_in_alliance', violation_error_message='A contact person with this email address is already registered.'),
        ),
        migrations.AddIndex(
            model_name='contact',
            index=models.Index(fields=['alliance', 'organisation'], name='stakeholder_allianc_a29999_idx'),
        ),
        migrations.RemoveField(
            model_name='organisation',
            name='notes',
        ),
    ]
