"""The reports models, moved here from the alliances app: their tables keep their names and rows."""

import django.db.models.deletion
import django.utils.timezone
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
                    name='ArchiveExport',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('language', models.CharField(choices=[('en', 'English'), ('sv', 'Swedish')], max_length=8, verbose_name='language')),
                        ('status', models.CharField(choices=[('queued', 'Waiting to start'), ('running', 'Being built'), ('ready', 'Ready to download'), ('failed', 'Failed'), ('expired', 'Expired')], default='queued', max_length=16, verbose_name='status')),
                        ('total', models.PositiveIntegerField(default=0, verbose_name='documents')),
                        ('done', models.PositiveIntegerField(default=0, verbose_name='documents done')),
                        ('file_name', models.CharField(blank=True, editable=False, max_length=100)),
                        ('size', models.PositiveBigIntegerField(default=0, verbose_name='size')),
                        ('error', models.CharField(blank=True, max_length=500, verbose_name='error')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='requested')),
                        ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='started')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished')),
                        ('expires_at', models.DateTimeField(blank=True, null=True, verbose_name='expires')),
                        ('alliance', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='archive_exports', to='alliances.alliance', verbose_name='alliance')),
                        ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='requested by')),
                    ],
                    options={
                        'verbose_name': 'archive export',
                        'verbose_name_plural': 'archive exports',
                        'db_table': 'alliances_archiveexport',
                        'ordering': ['-created_at', '-pk'],
                        'indexes': [models.Index(fields=['status', 'expires_at'], name='archive_status_expiry')],
                    },
                ),
            ],
            # The tables stay as they are: only the models' app changes.
            database_operations=[],
        ),
        content_types_follow(
            models=('archiveexport',),
            from_app="alliances",
            to_app="reports",
        ),
    ]
