"""Which rule set covers an agency is a rule-set matter: RuleSetCoverage moves here from the
workflow app in the model state only; the table keeps its name (evaluation_rulesetcoverage)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('scoring', '0002_leader_unit_component'),
        ('staff', '0004_access_log'),
        ('evaluation', '0004_evaluation_fewer_indexes'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='RuleSetCoverage',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('ruleset_code', models.CharField(db_index=True, max_length=40, verbose_name='Mã bộ quy tắc')),
                    ('agency', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='coverage', to='staff.agency', verbose_name='Cơ quan')),
                ],
                options={
                    'verbose_name': 'Phạm vi áp dụng bộ quy tắc',
                    'verbose_name_plural': 'Phạm vi áp dụng bộ quy tắc',
                    'db_table': 'evaluation_rulesetcoverage',
                },
            ),
            ],
            database_operations=[],
        )
    ]
