"""After a migrate that ran something, the planner's statistics are gathered again: the
register's query plans depend on them, and SQLite keeps none unless asked."""

from django.core.management.sql import emit_post_migrate_signal
from django.db import connection

from tests.hazard_helpers import record


def statistics_rows(table):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", [table])
        else:
            # Empty until an ANALYZE that saw rows (and rolled back with the test's transaction).
            cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = %s", [table])
        return cursor.fetchone()[0]


def forget_statistics():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")  # makes sqlite_stat1 if it is not there yet
            cursor.execute("DELETE FROM sqlite_stat1")


def applied():
    migration = type("Migration", (), {"app_label": "tracker"})()
    return [(migration, False)]


def test_a_migrate_that_applied_migrations_gathers_the_statistics(world, registers, today):
    for i in range(3):
        record(world.office, today, enterprise=registers.tannery, description=f"配电箱{i}")
    forget_statistics()
    assert not statistics_rows("hazards_hazard")
    emit_post_migrate_signal(0, False, "default", plan=applied())
    assert statistics_rows("hazards_hazard")


def test_a_flush_or_a_migrate_with_nothing_to_do_leaves_them_as_they_were(world, registers, today):
    record(world.office, today, enterprise=registers.tannery, description="配电箱")
    forget_statistics()
    emit_post_migrate_signal(0, False, "default", plan=[])
    emit_post_migrate_signal(0, False, "default")
    assert not statistics_rows("hazards_hazard")
