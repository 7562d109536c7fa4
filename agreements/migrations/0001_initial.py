"""The agreements models, moved here from the alliances app: their tables keep their names and rows."""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import uuid
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
                    name='Agreement',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(max_length=200, verbose_name='title')),
                        ('body', models.TextField(max_length=20000, validators=[django.core.validators.MaxLengthValidator(20000)], verbose_name='text')),
                        ('language', models.CharField(choices=[('en', 'English'), ('sv', 'Swedish')], max_length=8, verbose_name='language of the text')),
                        ('countersignature', models.BooleanField(default=False, help_text="The chair confirms each member's signature with their own.", verbose_name='the chair countersigns each signature')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                        ('alliance', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='agreement', to='alliances.alliance', verbose_name='alliance')),
                        ('updated_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='updated by')),
                    ],
                    options={
                        'verbose_name': 'commitment agreement',
                        'verbose_name_plural': 'commitment agreements',
                        'db_table': 'alliances_agreement',
                    },
                ),
                migrations.CreateModel(
                    name='AgreementVersion',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.PositiveIntegerField(verbose_name='version')),
                        ('title', models.CharField(max_length=200, verbose_name='title')),
                        ('body', models.TextField(max_length=20000, validators=[django.core.validators.MaxLengthValidator(20000)], verbose_name='text')),
                        ('language', models.CharField(choices=[('en', 'English'), ('sv', 'Swedish')], max_length=8, verbose_name='language of the text')),
                        ('sha256', models.CharField(max_length=64, verbose_name='SHA-256')),
                        ('countersignature', models.BooleanField(default=False, verbose_name='countersigned by the chair')),
                        ('published_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='published')),
                        ('superseded_at', models.DateTimeField(blank=True, null=True, verbose_name='replaced')),
                        ('agreement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='versions', to='agreements.agreement', verbose_name='agreement')),
                        ('published_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='published by')),
                    ],
                    options={
                        'verbose_name': 'agreement version',
                        'verbose_name_plural': 'agreement versions',
                        'db_table': 'alliances_agreementversion',
                        'ordering': ['agreement', '-number'],
                    },
                ),
                migrations.CreateModel(
                    name='AgreementTranslation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('language', models.CharField(choices=[('en', 'English'), ('sv', 'Swedish')], max_length=8, verbose_name='language')),
                        ('title', models.CharField(max_length=200, verbose_name='title')),
                        ('body', models.TextField(max_length=20000, validators=[django.core.validators.MaxLengthValidator(20000)], verbose_name='text')),
                        ('sha256', models.CharField(max_length=64, verbose_name='SHA-256')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                        ('added_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('version', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='translations', to='agreements.agreementversion', verbose_name='version')),
                    ],
                    options={
                        'verbose_name': 'agreement translation',
                        'verbose_name_plural': 'agreement translations',
                        'db_table': 'alliances_agreementtranslation',
                        'ordering': ['version', 'language'],
                    },
                ),
                migrations.CreateModel(
                    name='Signature',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('status', models.CharField(choices=[('pending', 'Not signed yet'), ('signed', 'Signed'), ('declined', 'Declined'), ('withdrawn', 'Withdrawn')], default='pending', max_length=16, verbose_name='status')),
                        ('link_nonce', models.CharField(blank=True, max_length=32)),
                        ('invited_at', models.DateTimeField(blank=True, null=True, verbose_name='invited')),
                        ('code_hash', models.CharField(blank=True, max_length=64)),
                        ('code_sent_at', models.DateTimeField(blank=True, null=True)),
                        ('code_attempts', models.PositiveSmallIntegerField(default=0)),
                        ('typed_name', models.CharField(blank=True, max_length=200, verbose_name='name typed as signature')),
                        ('organisation', models.CharField(blank=True, max_length=200, verbose_name='organisation')),
                        ('personal_member', models.BooleanField(default=False, verbose_name='personal member')),
                        ('contact', models.CharField(blank=True, max_length=254, verbose_name='best way to be contacted')),
                        ('language', models.CharField(blank=True, max_length=8, verbose_name='language signed in')),
                        ('text_sha256', models.CharField(blank=True, max_length=64, verbose_name='SHA-256 of the text signed')),
                        ('version_sha256', models.CharField(blank=True, max_length=64, verbose_name='SHA-256 of the version')),
                        ('signed_at', models.DateTimeField(blank=True, null=True, verbose_name='signed')),
                        ('ip_address', models.GenericIPAddressField(blank=True, null=True, verbose_name='IP address')),
                        ('user_agent', models.CharField(blank=True, max_length=1000, verbose_name='browser')),
                        ('identity_method', models.CharField(blank=True, choices=[('login', 'Logged in to the portal with their password'), ('email_code', 'Entered a one-time code sent to their email address')], max_length=16, verbose_name='identity confirmed by')),
                        ('declined_at', models.DateTimeField(blank=True, null=True, verbose_name='declined')),
                        ('decline_reason', models.TextField(blank=True, max_length=2000, validators=[django.core.validators.MaxLengthValidator(2000)], verbose_name='reason for declining')),
                        ('withdrawn_at', models.DateTimeField(blank=True, null=True, verbose_name='withdrawn')),
                        ('withdraw_reason', models.TextField(blank=True, max_length=2000, validators=[django.core.validators.MaxLengthValidator(2000)], verbose_name='reason for withdrawing')),
                        ('countersigned_name', models.CharField(blank=True, max_length=200, verbose_name='countersigned as')),
                        ('countersigned_at', models.DateTimeField(blank=True, null=True, verbose_name='countersigned')),
                        ('countersigned_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='countersigned by')),
                        ('membership', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='agreement_signatures', to='alliances.membership', verbose_name='member')),
                        ('version', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='signatures', to='agreements.agreementversion', verbose_name='version')),
                    ],
                    options={
                        'verbose_name': 'signature',
                        'verbose_name_plural': 'signatures',
                        'db_table': 'alliances_signature',
                        'ordering': ['version', 'membership__user__first_name', 'membership__user__last_name'],
                    },
                ),
                migrations.CreateModel(
                    name='SignatureEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('invited', 'Invited to sign'), ('email_sent', 'Invitation email sent'), ('viewed', 'Viewed the agreement'), ('code_sent', 'One-time code sent'), ('identity_confirmed', 'Email address confirmed with the code'), ('signed', 'Signed'), ('declined', 'Declined'), ('withdrawn', 'Withdrew the signature'), ('countersigned', 'Countersigned by the chair')], max_length=32, verbose_name='event')),
                        ('at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='time')),
                        ('ip_address', models.GenericIPAddressField(blank=True, null=True, verbose_name='IP address')),
                        ('user_agent', models.CharField(blank=True, max_length=1000, verbose_name='browser')),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
                        ('signature', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='events', to='agreements.signature', verbose_name='signature')),
                    ],
                    options={
                        'verbose_name': 'signature event',
                        'verbose_name_plural': 'signature events',
                        'db_table': 'alliances_signatureevent',
                        'ordering': ['signature', 'at', 'id'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='agreementversion',
                    constraint=models.UniqueConstraint(fields=('agreement', 'number'), name='agreement_version_unique_number'),
                ),
                migrations.AddConstraint(
                    model_name='agreementtranslation',
                    constraint=models.UniqueConstraint(fields=('version', 'language'), name='agreement_translation_unique_language'),
                ),
                migrations.AddConstraint(
                    model_name='signature',
                    constraint=models.UniqueConstraint(fields=('version', 'membership'), name='one_signature_per_member_and_version'),
                ),
            ],
            # The tables stay as they are: only the models' app changes.
            database_operations=[],
        ),
        content_types_follow(
            models=('agreement', 'agreementversion', 'agreementtranslation', 'signature', 'signatureevent'),
            from_app="alliances",
            to_app="agreements",
        ),
    ]
