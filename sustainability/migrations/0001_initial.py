"""The sustainability models, moved here from the actionplans app: their tables keep their names and rows."""

import django.core.validators
import django.db.models.deletion
import sustainability.models
from django.conf import settings
from django.db import migrations, models

from alliance_portal.moved_models import content_types_follow


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ('actionplans', '0005_sustainability_to_its_own_app'),
        ('alliances', '0007_features_to_their_own_apps'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='SustainabilityPlan',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('what_continues', models.TextField(blank=True, max_length=10000, validators=[django.core.validators.MaxLengthValidator(10000)], verbose_name='what continues')),
                        ('carried_by', models.TextField(blank=True, max_length=2000, validators=[django.core.validators.MaxLengthValidator(2000)], verbose_name='who carries it on')),
                        ('resources', models.TextField(blank=True, max_length=2000, validators=[django.core.validators.MaxLengthValidator(2000)], verbose_name='resources and funding')),
                        ('committees', models.TextField(blank=True, max_length=2000, validators=[django.core.validators.MaxLengthValidator(2000)], verbose_name='sub-groups or committees')),
                        ('decision_date', models.DateField(blank=True, help_text='Leave empty while the plan is still a draft.', null=True, validators=[sustainability.models._not_in_future], verbose_name='decided on')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                        ('plan', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='sustainability_plan', to='actionplans.actionplan', verbose_name='action plan')),
                        ('updated_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'sustainability plan',
                        'verbose_name_plural': 'sustainability plans',
                        'db_table': 'actionplans_sustainabilityplan',
                    },
                ),
                migrations.CreateModel(
                    name='Swot',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(max_length=200, verbose_name='title')),
                        ('held_on', models.DateField(validators=[sustainability.models._not_in_future], verbose_name='date of the analysis')),
                        ('strengths', models.TextField(blank=True, max_length=5000, validators=[django.core.validators.MaxLengthValidator(5000)], verbose_name='strengths')),
                        ('weaknesses', models.TextField(blank=True, max_length=5000, validators=[django.core.validators.MaxLengthValidator(5000)], verbose_name='weaknesses')),
                        ('opportunities', models.TextField(blank=True, max_length=5000, validators=[django.core.validators.MaxLengthValidator(5000)], verbose_name='opportunities')),
                        ('threats', models.TextField(blank=True, max_length=5000, validators=[django.core.validators.MaxLengthValidator(5000)], verbose_name='threats')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                        ('alliance', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='swots', to='alliances.alliance', verbose_name='alliance')),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'SWOT analysis',
                        'verbose_name_plural': 'SWOT analyses',
                        'db_table': 'actionplans_swot',
                        'ordering': ['-held_on', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='Evaluation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('self', 'Self-evaluation'), ('joint', 'Joint approach: interviews with members'), ('evaluator', 'Internal or external evaluator')], max_length=16, verbose_name='kind of evaluation')),
                        ('date', models.DateField(validators=[sustainability.models._not_in_future], verbose_name='date')),
                        ('evaluator_type', models.CharField(blank=True, choices=[('internal', 'Internal (a member of staff)'), ('external', 'External (an independent evaluator)')], max_length=16, verbose_name='evaluator')),
                        ('evaluator', models.CharField(blank=True, max_length=200, verbose_name='evaluated by')),
                        ('method', models.TextField(blank=True, max_length=2000, validators=[django.core.validators.MaxLengthValidator(2000)], verbose_name='method')),
                        ('findings', models.TextField(max_length=10000, validators=[django.core.validators.MaxLengthValidator(10000)], verbose_name='findings')),
                        ('follow_up', models.TextField(blank=True, max_length=10000, validators=[django.core.validators.MaxLengthValidator(10000)], verbose_name='follow-up actions')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                        ('alliance', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='evaluations', to='alliances.alliance', verbose_name='alliance')),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('swot', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='evaluations', to='sustainability.swot', verbose_name='SWOT analysis used')),
                    ],
                    options={
                        'verbose_name': 'evaluation',
                        'verbose_name_plural': 'evaluations',
                        'db_table': 'actionplans_evaluation',
                        'ordering': ['-date', '-pk'],
                    },
                ),
            ],
            # The tables stay as they are: only the models' app changes.
            database_operations=[],
        ),
        content_types_follow(
            models=('swot', 'evaluation', 'sustainabilityplan'),
            from_app="actionplans",
            to_app="sustainability",
        ),
    ]
