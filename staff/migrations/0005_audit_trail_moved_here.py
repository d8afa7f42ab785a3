"""The audit trail moves to the ground floor (every layer records into it) in the model state
only: the tables keep their names (evaluation_auditentry, evaluation_auditchainhead), no row is
copied, and the append-only trigger stays on the same table."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('evaluation', '0004_evaluation_fewer_indexes'),
        ('staff', '0004_access_log'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='AuditChainHead',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('sequence', models.PositiveIntegerField(default=0)),
                    ('last_hash', models.CharField(blank=True, max_length=64)),
                    ('agency', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='staff.agency')),
                ],
                options={
                    'db_table': 'evaluation_auditchainhead',
                },
            ),
            migrations.CreateModel(
                name='AuditEntry',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('at', models.DateTimeField(db_index=True, verbose_name='Thời điểm')),
                    ('action', models.CharField(db_index=True, max_length=60, verbose_name='Hành động')),
                    ('object_type', models.CharField(blank=True, max_length=60)),
                    ('object_id', models.CharField(blank=True, max_length=60)),
                    ('before', models.JSONField(blank=True, default=dict)),
                    ('after', models.JSONField(blank=True, default=dict)),
                    ('reason', models.TextField(blank=True)),
                    ('chained', models.BooleanField(default=False)),
                    ('sequence', models.PositiveIntegerField(blank=True, null=True)),
                    ('prev_hash', models.CharField(blank=True, max_length=64)),
                    ('hash', models.CharField(blank=True, max_length=64)),
                    ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='Người thực hiện')),
                    ('agency', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='staff.agency')),
                    ('evaluation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='audit_entries', to='evaluation.evaluation')),
                    ('period', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='evaluation.period')),
                ],
                options={
                    'verbose_name': 'Nhật ký',
                    'verbose_name_plural': 'Nhật ký',
                    'db_table': 'evaluation_auditentry',
                    'ordering': ['id'],
                    'constraints': [models.UniqueConstraint(condition=models.Q(('chained', True)), fields=('agency', 'sequence'), name='audit_chain_sequence_unique')],
                },
            ),
            ],
            database_operations=[],
        )
    ]
