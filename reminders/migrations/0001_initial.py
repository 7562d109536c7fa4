"""The reminders models, moved here from the alliances app: their tables keep their names and rows."""

import django.core.validators
import django.db.models.deletion
import reminders.models
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
                    name='ReminderRun',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('started_at', models.DateTimeField(verbose_name='started')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished')),
                        ('created', models.PositiveIntegerField(default=0, verbose_name='new deliveries')),
                        ('dropped', models.PositiveIntegerField(default=0, verbose_name='dropped')),
                        ('queued', models.PositiveIntegerField(default=0, verbose_name='queued')),
                    ],
                    options={
                        'verbose_name': 'reminder run',
                        'verbose_name_plural': 'reminder runs',
                        'db_table': 'alliances_reminderrun',
                        'ordering': ['-started_at'],
                        'indexes': [models.Index(fields=['-started_at'], name='reminder_run_started')],
                    },
                ),
                migrations.CreateModel(
                    name='ReminderSettings',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('switched_off', models.JSONField(blank=True, default=list, help_text='Kinds of reminder this alliance does not send.', verbose_name='reminders switched off')),
                        ('meeting_days_before', models.JSONField(default=reminders.models._default_meeting_days, validators=[reminders.models.validate_meeting_days], verbose_name='days before a meeting')),
                        ('minutes_approval_days', models.PositiveSmallIntegerField(default=7, help_text='When the chair is reminded to approve circulated minutes; then every week.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(60)], verbose_name='days after circulating minutes')),
                        ('secretary_nudge_days', models.PositiveSmallIntegerField(default=3, help_text='When the secretaries are reminded to start the minutes.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(60)], verbose_name='days after a meeting without minutes')),
                        ('action_due_days', models.PositiveSmallIntegerField(default=3, help_text='When the responsible person is reminded.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(60)], verbose_name='days before an action is due')),
                        ('agreement_days', models.JSONField(default=reminders.models._default_agreement_days, help_text='At most three reminders to members who have not signed.', validators=[reminders.models.validate_agreement_days], verbose_name='days after the agreement was sent')),
                        ('plan_signoff_days', models.PositiveSmallIntegerField(default=2, help_text='When the chair is reminded to sign the plan off; then every week.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(60)], verbose_name='days after a plan was submitted')),
                        ('sustainability_months', models.PositiveSmallIntegerField(default=6, help_text='The guide asks for a sustainability plan six months before the action plan ends.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(12)], verbose_name='months before the plan period ends')),
                        ('send_hour', models.PositiveSmallIntegerField(default=8, help_text="Reminders about due dates go out at this hour, in the alliance's time zone.", validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(23)], verbose_name='hour for reminders about dates')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                        ('alliance', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='reminder_settings', to='alliances.alliance')),
                    ],
                    options={
                        'verbose_name': 'reminder settings',
                        'verbose_name_plural': 'reminder settings',
                        'db_table': 'alliances_remindersettings',
                    },
                ),
                migrations.CreateModel(
                    name='Delivery',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('meeting_upcoming', 'Upcoming meeting'), ('agenda_published', 'Agenda published'), ('minutes_circulated', 'Minutes circulated for comments'), ('minutes_approval', "Minutes awaiting the chair's approval"), ('secretary_nudge', 'Minutes not yet started after a meeting'), ('action_due', 'Action due soon'), ('action_overdue', 'Action overdue'), ('agreement_unsigned', 'Commitment agreement not yet signed'), ('plan_signoff', "Action plan awaiting the chair's sign-off"), ('sustainability_prompt', 'Sustainability plan due')], max_length=32, verbose_name='reminder')),
                        ('object_id', models.PositiveBigIntegerField(verbose_name='object')),
                        ('slot', models.CharField(max_length=64, verbose_name='slot')),
                        ('due_at', models.DateTimeField(verbose_name='due')),
                        ('status', models.CharField(choices=[('pending', 'Waiting'), ('sent', 'Sent'), ('failed', 'Could not be sent'), ('dropped', 'Not sent')], default='pending', max_length=16, verbose_name='status')),
                        ('drop_reason', models.CharField(blank=True, choices=[('rescheduled', 'The meeting moved to another time'), ('no_longer_due', 'No longer needed'), ('opted_out', 'The recipient switched this reminder off'), ('switched_off', 'The alliance switched this reminder off'), ('not_a_member', 'The recipient is no longer a member'), ('no_address', 'The recipient has no email address')], max_length=16, verbose_name='why not sent')),
                        ('enqueued_at', models.DateTimeField(blank=True, null=True, verbose_name='queued')),
                        ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                        ('last_error', models.CharField(blank=True, max_length=500, verbose_name='last error')),
                        ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent')),
                        ('failed_at', models.DateTimeField(blank=True, null=True, verbose_name='failed')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                        ('alliance', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reminder_deliveries', to='alliances.alliance', verbose_name='alliance')),
                        ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reminder_deliveries', to=settings.AUTH_USER_MODEL, verbose_name='recipient')),
                    ],
                    options={
                        'verbose_name': 'reminder delivery',
                        'verbose_name_plural': 'reminder deliveries',
                        'db_table': 'alliances_delivery',
                        'ordering': ['-due_at', '-pk'],
                        'indexes': [models.Index(fields=['status', 'due_at'], name='delivery_status_due'), models.Index(fields=['kind', 'object_id'], name='delivery_kind_object')],
                        'constraints': [models.UniqueConstraint(fields=('kind', 'object_id', 'recipient', 'slot'), name='one_delivery_per_key')],
                    },
                ),
                migrations.CreateModel(
                    name='ReminderOptOut',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('meeting_upcoming', 'Upcoming meeting'), ('agenda_published', 'Agenda published'), ('minutes_circulated', 'Minutes circulated for comments'), ('minutes_approval', "Minutes awaiting the chair's approval"), ('secretary_nudge', 'Minutes not yet started after a meeting'), ('action_due', 'Action due soon'), ('action_overdue', 'Action overdue'), ('agreement_unsigned', 'Commitment agreement not yet signed'), ('plan_signoff', "Action plan awaiting the chair's sign-off"), ('sustainability_prompt', 'Sustainability plan due')], max_length=32, verbose_name='reminder')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='switched off')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reminder_opt_outs', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'reminder switched off',
                        'verbose_name_plural': 'reminders switched off',
                        'db_table': 'alliances_reminderoptout',
                        'constraints': [models.UniqueConstraint(fields=('user', 'kind'), name='one_opt_out_per_kind')],
                    },
                ),
            ],
            # The tables stay as they are: only the models' app changes.
            database_operations=[],
        ),
        content_types_follow(
            models=('delivery', 'reminderoptout', 'remindersettings', 'reminderrun'),
            from_app="alliances",
            to_app="reminders",
        ),
    ]
