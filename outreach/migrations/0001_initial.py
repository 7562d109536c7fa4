"""The outreach models, moved here from the alliances app: their tables keep their names and rows."""

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from alliance_portal.moved_models import content_types_follow


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ('alliances', '0007_features_to_their_own_apps'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='CommunicationEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('position', models.PositiveIntegerField(default=0, verbose_name='position')),
                        ('audience', models.CharField(max_length=200, verbose_name='stakeholder (group)')),
                        ('purpose', models.TextField(blank=True, max_length=2000, validators=[django.core.validators.MaxLengthValidator(2000)], verbose_name='purpose (desired action)')),
                        ('message', models.TextField(blank=True, max_length=2000, validators=[django.core.validators.MaxLengthValidator(2000)], verbose_name='content of the message')),
                        ('delivery', models.TextField(blank=True, max_length=2000, validators=[django.core.validators.MaxLengthValidator(2000)], verbose_name='delivery (methods and place)')),
                        ('frequency', models.CharField(choices=[('once', 'Once'), ('weekly', 'Every week'), ('monthly', 'Every month'), ('quarterly', 'Every three months'), ('half_yearly', 'Twice a year'), ('yearly', 'Once a year')], default='monthly', max_length=16, verbose_name='how often')),
                        ('timing', models.CharField(blank=True, help_text='In words, e.g. “the week after each plenary meeting”.', max_length=200, verbose_name='when')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                    ],
                    options={
                        'verbose_name': 'communication plan row',
                        'verbose_name_plural': 'communication plan rows',
                        'db_table': 'alliances_communicationentry',
                        'ordering': ['position', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='CommunicationLog',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('date', models.DateField(verbose_name='carried out on')),
                        ('note', models.TextField(blank=True, max_length=2000, validators=[django.core.validators.MaxLengthValidator(2000)], verbose_name='what was done')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='recorded')),
                        ('entry', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='logs', to='outreach.communicationentry', verbose_name='communication plan row')),
                        ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recorded by')),
                    ],
                    options={
                        'verbose_name': 'communication carried out',
                        'verbose_name_plural': 'communications carried out',
                        'db_table': 'alliances_communicationlog',
                        'ordering': ['-date', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='CommunicationPlan',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('strategy', models.TextField(blank=True, max_length=2000, validators=[django.core.validators.MaxLengthValidator(2000)], verbose_name='the strategy in a few words')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                        ('alliance', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='communication_plan', to='alliances.alliance', verbose_name='alliance')),
                        ('press_contact', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='alliances.membership', verbose_name='communication and press contact')),
                    ],
                    options={
                        'verbose_name': 'communication plan',
                        'verbose_name_plural': 'communication plans',
                        'db_table': 'alliances_communicationplan',
                    },
                ),
                migrations.AddField(
                    model_name='communicationentry',
                    name='plan',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='entries', to='outreach.communicationplan', verbose_name='communication plan'),
                ),
                migrations.CreateModel(
                    name='InformationMaterial',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('why_alliance', models.TextField(blank=True, max_length=5000, validators=[django.core.validators.MaxLengthValidator(5000)], verbose_name='why the alliance')),
                        ('regional_situation', models.TextField(blank=True, max_length=5000, validators=[django.core.validators.MaxLengthValidator(5000)], verbose_name='the regional situation and its challenges')),
                        ('reasons_to_join', models.TextField(blank=True, max_length=5000, validators=[django.core.validators.MaxLengthValidator(5000)], verbose_name='reasons to join')),
                        ('time_commitment', models.TextField(blank=True, max_length=5000, validators=[django.core.validators.MaxLengthValidator(5000)], verbose_name='expected time commitment')),
                        ('target_group', models.CharField(blank=True, max_length=300, verbose_name='who is invited')),
                        ('registration', models.TextField(blank=True, max_length=2000, validators=[django.core.validators.MaxLengthValidator(2000)], verbose_name='how and by when to register')),
                        ('practical_details', models.TextField(blank=True, max_length=2000, validators=[django.core.validators.MaxLengthValidator(2000)], verbose_name='cost and travel')),
                        ('contact', models.CharField(blank=True, max_length=300, verbose_name='contact for questions')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                        ('alliance', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='information_material', to='alliances.alliance', verbose_name='alliance')),
                        ('updated_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='updated by')),
                    ],
                    options={
                        'verbose_name': 'information material',
                        'verbose_name_plural': 'information material',
                        'db_table': 'alliances_informationmaterial',
                    },
                ),
            ],
            # The tables stay as they are: only the models' app changes.
            database_operations=[],
        ),
        content_types_follow(
            models=('informationmaterial', 'communicationplan', 'communicationentry', 'communicationlog'),
            from_app="alliances",
            to_app="outreach",
        ),
    ]
