"""The text index a keyword search reads (see tracker.hazards.text_index): SQLite's FTS5
trigram table with its triggers and a narrow index for short words, PostgreSQL's pg_trgm
index."""

from django.db import migrations


def build(apps, schema_editor):
    from tracker.hazards import text_index

    text_index.ensure(schema_editor.connection)


def remove(apps, schema_editor):
    from tracker.hazards import text_index

    text_index.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("hazards", "0004_scope_counts_from_index")]

    operations = [migrations.RunPython(build, remove)]
