"""Which hazards' description or place holds a word, read from an index instead of from every
row of the register.

SQLite: an FTS5 table with the trigram tokenizer over the two columns, kept by triggers (so
the import's raw inserts and every update are indexed too), answers words of three characters
or more; a narrow index of the two columns serves shorter words (a scan of that index, not of
the whole rows). PostgreSQL: pg_trgm's GIN index over the columns as they are and upper-cased
(see text_q), which the planner takes by itself for three characters or more (see
filters.keyword_filter).
Another database, or an SQLite built without FTS5's trigram tokenizer, scans the rows.

Django rebuilds an SQLite table to alter it, which drops triggers and indexes it does not know
of: ensure() puts them back after every migration that ran (see apps.py)."""

import functools
import logging
import sqlite3
from contextlib import contextmanager

from django.db import DatabaseError, connections, transaction
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

logger = logging.getLogger(__name__)

TABLE = "hazards_hazard"
FTS = "hazards_hazard_text"
TRIGRAM = 3

SQLITE_TABLE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(description, location, "
    f"content='{TABLE}', content_rowid='id', tokenize='trigram')"
)
_DELETE = (
    f"INSERT INTO {FTS}({FTS}, rowid, description, location) "
    "VALUES ('delete', old.id, old.description, old.location);"
)
_INSERT = (
    f"INSERT INTO {FTS}(rowid, description, location) "
    "VALUES (new.id, new.description, new.location);"
)
SQLITE_TRIGGERS = {
    f"{FTS}_ai": f"AFTER INSERT ON {TABLE} BEGIN {_INSERT} END",
    f"{FTS}_ad": f"AFTER DELETE ON {TABLE} BEGIN {_DELETE} END",
    f"{FTS}_au": f"AFTER UPDATE OF description, location ON {TABLE} BEGIN {_DELETE} {_INSERT} END",
}
SQLITE_SCAN_INDEX = f"CREATE INDEX IF NOT EXISTS hazard_text_scan ON {TABLE}(description, location)"
POSTGRES = [
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # The plain columns for words without letters of two cases (Chinese, digits: compared
    # as they are, LIKE), the upper-cased ones for the rest (Django's icontains).
    f"CREATE INDEX IF NOT EXISTS hazard_text_trgm ON {TABLE} USING gin "
    "(description gin_trgm_ops, location gin_trgm_ops, "
    "UPPER(description) gin_trgm_ops, UPPER(location) gin_trgm_ops)",
]


def ensure(connection) -> None:
    """Build whatever part of the index is missing; index every row again if a trigger was
    missing (rows written meanwhile would not be in it)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'hazard_text_trgm'")
            if cursor.fetchone() is not None:
                return
            try:
                with transaction.atomic(using=connection.alias):
                    cursor.execute(POSTGRES[0])
            except DatabaseError:
                # A user who may not create pg_trgm (before PostgreSQL 13, or without CREATE on
                # the database): the search still works, reading the rows.
                logger.warning("pg_trgm could not be created: keyword search scans the register")
                return
            cursor.execute(POSTGRES[1])
        elif connection.vendor == "sqlite":
            try:
                cursor.execute(SQLITE_TABLE)
            except DatabaseError:
                return  # built without FTS5 or its trigram tokenizer (before 3.34)
            cursor.execute(SQLITE_SCAN_INDEX)
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            present = {row[0] for row in cursor.fetchall()}
            missing = [name for name in SQLITE_TRIGGERS if name not in present]
            for name in missing:
                cursor.execute(f"CREATE TRIGGER {name} {SQLITE_TRIGGERS[name]}")
            if missing:
                cursor.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")


@contextmanager
def bulk_inserting(connection):
    """Around one transaction's many inserts (the import): SQLite's FTS5 indexes the rows of
    one statement about three times faster than a trigger's row at a time, so the insert
    trigger is dropped inside the transaction and the new rows are indexed in one statement
    before it commits. Nobody else writes meanwhile (the transaction holds SQLite's write
    lock from the first statement), readers see the trigger throughout, and a rollback
    brings it back with everything else."""
    if connection.vendor != "sqlite" or not connection.in_atomic_block or not _has_index():
        yield
        return
    name = f"{FTS}_ai"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        # Ids only grow (AUTOINCREMENT): the rows after this one are the new ones.
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {TABLE}")
        last = cursor.fetchone()[0]
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {FTS}(rowid, description, location) "
                f"SELECT id, description, location FROM {TABLE} WHERE id > %s",
                [last],
            )
            cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {SQLITE_TRIGGERS[name]}")


def drop(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS hazard_text_trgm")
        elif connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute("DROP INDEX IF EXISTS hazard_text_scan")
            cursor.execute(f"DROP TABLE IF EXISTS {FTS}")


def text_q(value: str) -> Q:
    """The condition itself: letters in either case, as icontains. A word without letters of
    two cases is compared as it is: the same rows, and PostgreSQL then need not upper-case
    every description it reads (three times faster when it scans)."""
    if value.upper() == value.lower():
        return Q(description__contains=value) | Q(location__contains=value)
    return Q(description__icontains=value) | Q(location__icontains=value)


def matching_ids(model, value: str, using: str = "default") -> QuerySet | None:
    """On SQLite, the ids of the hazards whose 隐患描述 or 位置 contains `value`, read from the
    index; None elsewhere (PostgreSQL's planner takes pg_trgm's index for text_q by itself)."""
    if connections[using].vendor != "sqlite" or not _has_index():
        return None
    rows = model._default_manager.using(using).order_by()
    if len(value) < TRIGRAM:
        # Selecting only the id, SQLite reads the narrow (description, location) index.
        return rows.filter(text_q(value)).values("pk")
    phrase = '"' + value.replace('"', '""') + '"'
    sql = f"SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s"
    return rows.filter(pk__in=RawSQL(sql, [phrase])).values("pk")


@functools.cache
def _has_index() -> bool:
    """Whether this SQLite builds FTS5 trigram tables, and so whether migration 0005 built one
    (asked of a private in-memory database: no query on the site's connection)."""
    probe = sqlite3.connect(":memory:")
    try:
        probe.execute(SQLITE_TABLE.replace(TABLE, "probe"))
    except sqlite3.Error:
        return False
    finally:
        probe.close()
    return True
