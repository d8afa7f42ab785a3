"""AuditEntry and AuditChainHead now live in staff, RuleSetCoverage in scoring: removed from this
app's model state only; their tables and rows stay where they are."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('evaluation', '0004_evaluation_fewer_indexes'),
        ('staff', '0005_audit_trail_moved_here'),
        ('scoring', '0003_coverage_moved_here'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.RemoveField(
                model_name='auditentry',
                name='actor',
            ),
            migrations.RemoveField(
                model_name='auditentry',
                name='agency',
            ),
            migrations.RemoveField(
                model_name='auditentry',
                name='evaluation',
            ),
            migrations.RemoveField(
                model_name='auditentry',
                name='period',
            ),
            migrations.RemoveField(
                model_name='rulesetcoverage',
                name='agency',
            ),
            migrations.DeleteModel(
                name='AuditChainHead',
            ),
            migrations.DeleteModel(
                name='AuditEntry',
            ),
            migrations.DeleteModel(
                name='RuleSetCoverage',
            ),
            ],
            database_operations=[],
        )
    ]
