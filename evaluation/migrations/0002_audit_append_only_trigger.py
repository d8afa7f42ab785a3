"""On PostgreSQL the audit table itself refuses UPDATE and DELETE: the append-only rule holds
even for SQL that goes around the application. (SQLite, the embedded default, relies on the
model's refusal.) A DBA who disables the trigger to tamper is still caught by verify_audit."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION danhgia_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'evaluation_auditentry is append-only (nhật ký chỉ được ghi thêm): % refused',
        TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS auditentry_append_only ON evaluation_auditentry;
CREATE TRIGGER auditentry_append_only BEFORE UPDATE OR DELETE ON evaluation_auditentry
    FOR EACH ROW EXECUTE FUNCTION danhgia_audit_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS auditentry_append_only ON evaluation_auditentry;
DROP FUNCTION IF EXISTS danhgia_audit_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
