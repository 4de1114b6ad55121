"""Backup and restore of the database and the evidence files.

A backup is one directory:

    backup-20261122-223900/
        manifest.json        what is in it: every file with size and sha256, the engine,
                             the applied migrations, row counts, app version, time
        database.sqlite3     SQLite: a copy made with the online backup API, or
        database.dump        PostgreSQL: pg_dump --format=custom
        media/evidence/...   the evidence files the database snapshot refers to

The database snapshot is taken first, and only then are the files it refers to copied:
evidence files are never changed or deleted once written, so every file the snapshot names
is still on disk, and a file uploaded after the snapshot belongs to a row the backup does not
have. The backup is built in a hidden directory and renamed into place when complete, so a
half-written backup never looks like a real one.

Restore checks everything first (manifest, every checksum, no missing or unknown file, same
database engine, no migration the code does not know, and the backup's database itself: SQLite's
own checks and the manifest's row counts on a copy) and writes nothing if anything is wrong.
The live database is kept aside until the restored one checks out: SQLite keeps a copy and puts
it back; PostgreSQL restores and checks the counts in one transaction that a failure rolls
back. The functions at the top (checksums, manifest building and checking) do not touch the
database and are tested as plain functions.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

FORMAT = "duban-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.dump"
MEDIA_DIR = "media"
ENGINES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """Something the operator must fix; the message says what, in Chinese."""


# --- pure functions: checksums and the manifest ----------------------------------------------


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_entry(root: Path, relative: str) -> dict:
    path = root / relative
    return {"path": relative, "size": path.stat().st_size, "sha256": sha256_file(path)}


def safe_relative(path: str) -> bool:
    """A manifest path must stay inside the backup (and, for media, inside MEDIA_ROOT)."""
    if not path or "\\" in path or "\x00" in path:
        return False
    pure = PurePosixPath(path)
    return not pure.is_absolute() and ".." not in pure.parts and pure.parts[0] != ""


def build_manifest(
    root: Path,
    *,
    engine: str,
    database_file: str,
    media_files: list[str],
    migrations: dict[str, list[str]],
    counts: dict[str, int],
    app_version: str | None,
    created_at: datetime,
    extra: dict | None = None,
) -> dict:
    """The manifest of a backup directory whose files are already written."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": created_at.isoformat(timespec="seconds"),
        "app_version": app_version,
        "database": {"engine": engine, "file": database_file, **(extra or {})},
        "migrations": migrations,
        "counts": counts,
        "files": [file_entry(root, name) for name in [database_file, *sorted(media_files)]],
    }


def write_manifest(root: Path, manifest: dict) -> None:
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    (root / MANIFEST).write_text(text, encoding="utf-8")


def read_manifest(root: Path) -> dict:
    """The parsed manifest, or BackupError if it is missing, truncated or not ours."""
    path = root / MANIFEST
    if not root.is_dir():
        raise BackupError(f"找不到备份目录：{root}，拒绝恢复。")
    if not path.is_file():
        raise BackupError(f"{root} 不是有效的备份：缺少备份清单 {MANIFEST}，拒绝恢复。")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupError(
            f"备份清单 {MANIFEST} 不完整或已损坏（无法解析：{exc}），拒绝恢复。"
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{MANIFEST} 不是本系统的备份清单，拒绝恢复。")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"备份格式版本 {manifest.get('format_version')} 与当前程序支持的版本 "
            f"{FORMAT_VERSION} 不一致，拒绝恢复。"
        )
    database = manifest.get("database")
    files = manifest.get("files")
    if (
        not isinstance(database, dict)
        or database.get("engine") not in ENGINES
        or not isinstance(files, list)
        or not isinstance(manifest.get("migrations"), dict)
        or not isinstance(manifest.get("counts"), dict)
    ):
        raise BackupError(
            f"备份清单 {MANIFEST} 缺少必要的内容（数据库类型、文件列表等），拒绝恢复。"
        )
    for entry in files:
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("path"), str)
            and isinstance(entry.get("size"), int)
            and isinstance(entry.get("sha256"), str)
            and re.fullmatch(r"[0-9a-f]{64}", entry["sha256"])
        ):
            raise BackupError(f"备份清单中有一条文件记录格式不对：{entry!r}，拒绝恢复。")
    return manifest


def check_files(root: Path, manifest: dict) -> list[str]:
    """Every problem with the files of a backup, in Chinese; an empty list means intact."""
    problems = []
    listed = set()
    for entry in manifest["files"]:
        name = entry["path"]
        if not safe_relative(name) or name == MANIFEST:
            problems.append(f"清单中的路径不安全：{name}")
            continue
        listed.add(name)
        path = root / name
        if path.is_symlink() or not path.is_file():
            problems.append(f"缺少文件：{name}")
        elif path.stat().st_size != entry["size"]:
            problems.append(
                f"文件大小不符：{name}（清单 {entry['size']} 字节，实际 {path.stat().st_size} 字节）"
            )
        elif sha256_file(path) != entry["sha256"]:
            problems.append(f"校验和不符（内容被改动）：{name}")
    database_file = manifest["database"].get("file")
    if database_file not in listed:
        problems.append(f"清单中没有数据库文件：{database_file}")
    for path in sorted(root.rglob("*")):
        if path.is_dir() and not path.is_symlink():
            continue
        name = path.relative_to(root).as_posix()
        if name != MANIFEST and name not in listed:
            problems.append(f"清单之外的文件：{name}")
    return problems


def verify_backup(root: Path) -> dict:
    """The manifest of an intact backup; BackupError naming every problem otherwise."""
    root = Path(root)
    if root.name == MANIFEST:
        root = root.parent
    manifest = read_manifest(root)
    problems = check_files(root, manifest)
    if problems:
        shown = "\n  ".join(problems[:20])
        more = f"\n  ……另有 {len(problems) - 20} 处问题" if len(problems) > 20 else ""
        raise BackupError(
            f"备份 {root} 已损坏或不完整，拒绝恢复，没有写入任何数据：\n  {shown}{more}"
        )
    return manifest


def backup_dir_name(now: datetime) -> str:
    return f"backup-{now:%Y%m%d-%H%M%S}"


# --- what the snapshot holds ------------------------------------------------------------------


def file_columns() -> list[tuple[str, str]]:
    """(table, column) of every stored file of every installed app: report evidence, and the
    files of any register added beside the core (inspection photos …), without naming them."""
    from django.apps import apps
    from django.db import models

    return sorted(
        (model._meta.db_table, field.column)
        for model in apps.get_models()
        for field in model._meta.local_fields
        if isinstance(field, models.FileField) and not model._meta.proxy
    )


def snapshot_facts(cursor, tables: list[str]) -> tuple[list[str], dict, dict]:
    """Evidence file names, applied migrations and row counts, read from the snapshot itself.

    Works on any DB-API cursor (sqlite3 or psycopg) that sees exactly the snapshot.
    """
    names = set()
    for table, column in file_columns():
        cursor.execute(f'SELECT "{column}" FROM "{table}"')  # names from the model registry
        names.update(row[0] for row in cursor.fetchall() if row[0])
    files = sorted(names)
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    migrations: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        migrations.setdefault(app, []).append(name)
    counts = {}
    for table in sorted(tables):
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # names come from the model registry
        counts[table] = cursor.fetchone()[0]
    return files, migrations, counts


def model_tables() -> list[str]:
    from django.apps import apps

    return sorted(
        {m._meta.db_table for m in apps.get_models() if m._meta.managed and not m._meta.proxy}
    )


def engine_of(db: dict) -> str:
    engine = db["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith("postgresql"):
        return "postgresql"
    raise BackupError(f"不支持备份这种数据库：{engine}（只支持 SQLite 和 PostgreSQL）。")


def app_version(base_dir: Path) -> str | None:
    try:
        result = subprocess.run(
            ["git", "describe", "--tags", "--always", "--dirty"],
            cwd=base_dir,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    return result.stdout.strip() or None


# --- SQLite -------------------------------------------------------------------------------------


def _regexp(pattern, value):
    # Django registers REGEXP on its own connections; CHECK constraints (evidence sha256) use
    # it, and integrity_check evaluates them.
    return None if value is None else bool(re.search(pattern, str(value)))


def sqlite_connect(path, **kwargs) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, **kwargs)
    conn.create_function("REGEXP", 2, _regexp, deterministic=True)
    return conn


def sqlite_snapshot(live: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database, even while others write to it.

    The backup API copies every page inside one read transaction: writers carry on (WAL), and
    the copy is the database as of one instant. The copy is switched out of WAL mode so that
    it is one self-contained file.
    """
    if not Path(live).is_file():
        raise BackupError(f"找不到数据库文件：{live}")
    source = sqlite_connect(live)
    dest = sqlite_connect(target)
    try:
        with dest:
            source.backup(dest)
        dest.execute("PRAGMA journal_mode=DELETE")
    finally:
        source.close()
        dest.close()


def sqlite_integrity(path: Path) -> list[str]:
    """Problems PRAGMA integrity_check and foreign_key_check report; empty when sound."""
    conn = sqlite_connect(path)
    try:
        result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        problems = [] if result == ["ok"] else result
        problems += [f"外键不符：{row}" for row in conn.execute("PRAGMA foreign_key_check")]
        return problems
    finally:
        conn.close()


def sqlite_restore(snapshot: Path, live: Path) -> None:
    """Replace the live database's content with the snapshot's, through the backup API.

    Writing through SQLite (not copying the file over) keeps the live file, its WAL mode and
    its lock protocol: a server still connected sees either the old or the new database.
    """
    source = sqlite_connect(f"file:{snapshot}?mode=ro", uri=True)
    dest = sqlite_connect(live)
    try:
        source.backup(dest)
    finally:
        source.close()
        dest.close()


# --- PostgreSQL -------------------------------------------------------------------------------


def pg_conninfo(db: dict) -> dict:
    keys = {
        "NAME": "dbname",
        "HOST": "host",
        "PORT": "port",
        "USER": "user",
        "PASSWORD": "password",
    }
    params = {name: str(db[key]) for key, name in keys.items() if db.get(key)}
    if (db.get("OPTIONS") or {}).get("sslmode"):
        params["sslmode"] = db["OPTIONS"]["sslmode"]
    return params


def pg_env(db: dict) -> dict:
    """libpq environment for the pg tools: the password never appears on a command line."""
    names = {"dbname": "PGDATABASE", "host": "PGHOST", "port": "PGPORT", "user": "PGUSER"}
    names |= {"password": "PGPASSWORD", "sslmode": "PGSSLMODE"}
    return {**os.environ, **{names[k]: v for k, v in pg_conninfo(db).items()}}


def pg_tool(name: str, bin_dir: str, server_major: int) -> str:
    """The path of pg_dump / pg_restore, refusing a missing one or another major version."""
    path = shutil.which(name, path=bin_dir) if bin_dir else shutil.which(name)
    hint = (
        f"请安装与服务器相同主版本的 PostgreSQL 客户端（如 apt-get install "
        f"postgresql-client-{server_major}），或在设置 BACKUP_PG_BIN_DIR 中指定其所在目录。"
    )
    if not path:
        raise BackupError(f"找不到 {name}（{bin_dir or 'PATH'}）。{hint}")
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        raise BackupError(f"无法运行 {path}：{exc}。{hint}") from None
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", out.stdout)
    if not match:
        raise BackupError(f"无法识别 {path} 的版本（输出：{out.stdout.strip()!r}）。{hint}")
    major = int(match.group(1))
    if major != server_major:
        raise BackupError(
            f"{name} 的主版本是 {major}，数据库服务器是 {server_major}，版本不一致，"
            f"不能保证备份可用。{hint}"
        )
    return path


def pg_server_major(db: dict) -> int:
    import psycopg

    with psycopg.connect(**pg_conninfo(db)) as conn:
        return conn.info.server_version // 10000


def pg_snapshot(db: dict, target: Path, bin_dir: str, tables: list[str]) -> tuple:
    """pg_dump of one exported snapshot, and the facts read inside that same snapshot.

    A REPEATABLE READ transaction exports its snapshot; pg_dump is told to use it, and the
    evidence list and row counts are read in the same transaction, so they describe exactly
    the rows in the dump.
    """
    import psycopg

    # autocommit, so that our BEGIN (not an implicit one) sets the isolation level.
    with psycopg.connect(**pg_conninfo(db), autocommit=True) as conn:
        major = conn.info.server_version // 10000
        pg_dump = pg_tool("pg_dump", bin_dir, major)
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        options = ["--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}"]
        result = subprocess.run(
            [pg_dump, *options, f"--file={target}"], env=pg_env(db), capture_output=True, text=True
        )
        if result.returncode != 0:
            raise BackupError(
                f"pg_dump 失败（退出码 {result.returncode}）：{result.stderr.strip()}"
            )
        with conn.cursor() as cursor:
            facts = snapshot_facts(cursor, tables)
        conn.execute("COMMIT")
    return (*facts, major)


def pg_restore(dump: Path, db: dict, bin_dir: str) -> None:
    """Replace the database's content with the dump's, in one transaction (all or nothing)."""
    pg_restore_bin = pg_tool("pg_restore", bin_dir, pg_server_major(db))
    options = ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction"]
    result = subprocess.run(
        [pg_restore_bin, *options, "--exit-on-error", f"--dbname={db['NAME']}", str(dump)],
        env=pg_env(db),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(
            f"pg_restore 失败（退出码 {result.returncode}），数据库保持原样：{result.stderr.strip()}"
        )


def pg_facts(db: dict, tables: list[str]) -> tuple[list[str], dict, dict]:
    import psycopg

    with psycopg.connect(**pg_conninfo(db)) as conn, conn.cursor() as cursor:
        return snapshot_facts(cursor, tables)


def sqlite_facts(path: Path, tables: list[str]) -> tuple[list[str], dict, dict]:
    conn = sqlite_connect(path)
    try:
        return snapshot_facts(conn.cursor(), tables)
    finally:
        conn.close()


# --- the whole backup ------------------------------------------------------------------------


@dataclass
class BackupResult:
    path: Path
    manifest: dict
    missing_media: list[str]


def _copy_media(media_root: Path, names: list[str], dest_root: Path) -> tuple[list[str], list[str]]:
    copied, missing = [], []
    media_root = media_root.resolve()
    for name in names:
        source = (media_root / name).resolve()
        if not safe_relative(name) or not source.is_relative_to(media_root):
            missing.append(name)
            continue
        if not source.is_file():
            missing.append(name)
            continue
        relative = f"{MEDIA_DIR}/{name}"
        target = dest_root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        copied.append(relative)
    return copied, missing


def create_backup(
    target_dir: Path,
    *,
    db: dict,
    media_root: Path,
    base_dir: Path,
    now: datetime,
    pg_bin_dir: str = "",
) -> BackupResult:
    """Database snapshot first, then the files it refers to, then the manifest; then rename."""
    engine = engine_of(db)
    target_dir = Path(target_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    name = backup_dir_name(now)
    final = target_dir / name
    number = 1
    while final.exists():
        number += 1
        final = target_dir / f"{name}-{number}"
    work = Path(tempfile.mkdtemp(prefix=f".{final.name}-", suffix=".partial", dir=target_dir))
    tables = model_tables()
    try:
        extra = {}
        if engine == "sqlite":
            database_file = SQLITE_FILE
            sqlite_snapshot(Path(db["NAME"]), work / database_file)
            evidence, migrations, counts = sqlite_facts(work / database_file, tables)
        else:
            database_file = POSTGRES_FILE
            evidence, migrations, counts, major = pg_snapshot(
                db, work / database_file, pg_bin_dir, tables
            )
            extra["server_major"] = major
        copied, missing = _copy_media(Path(media_root), evidence, work)
        manifest = build_manifest(
            work,
            engine=engine,
            database_file=database_file,
            media_files=copied,
            migrations=migrations,
            counts=counts,
            app_version=app_version(base_dir),
            created_at=now,
            extra=extra,
        )
        manifest["missing_media"] = missing
        write_manifest(work, manifest)
        os.chmod(work, 0o750)
        work.rename(final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return BackupResult(path=final, manifest=manifest, missing_media=missing)


# --- the whole restore -----------------------------------------------------------------------


def check_restorable(manifest: dict, *, db: dict, known_migrations: set[tuple[str, str]]) -> None:
    """Refuse a backup of the other engine, or one made by a newer version of the program."""
    engine = engine_of(db)
    backup_engine = manifest["database"]["engine"]
    if backup_engine != engine:
        raise BackupError(
            f"这是 {ENGINES[backup_engine]} 数据库的备份，当前配置的是 {ENGINES[engine]}，"
            "不能直接恢复，没有写入任何数据。请在同类数据库上恢复"
            "（如需迁移数据库，请用 dumpdata / loaddata）。"
        )
    unknown = sorted(
        f"{app}.{name}"
        for app, names in manifest["migrations"].items()
        for name in names
        if (app, name) not in known_migrations
    )
    if unknown:
        raise BackupError(
            "备份来自更新版本的程序，当前程序不认识其中的数据库迁移："
            f"{'、'.join(unknown[:10])}。请先升级程序再恢复，没有写入任何数据。"
        )


def restore_media(root: Path, manifest: dict, media_root: Path) -> tuple[int, int]:
    """Copy the backup's evidence files into MEDIA_ROOT; returns (written, already there).

    Each file is written beside its target and renamed over it, so a reader never sees half a
    file. Files in MEDIA_ROOT that the backup does not have are left alone: evidence is
    append-only, and deleting a file is never needed to make the restored rows whole.
    """
    media_root = Path(media_root)
    written = same = 0
    prefix = f"{MEDIA_DIR}/"
    for entry in manifest["files"]:
        if not entry["path"].startswith(prefix):
            continue
        name = entry["path"][len(prefix) :]
        if not safe_relative(name):
            raise BackupError(f"备份中的文件路径不安全：{entry['path']}")
        target = media_root / name
        if target.is_file() and target.stat().st_size == entry["size"]:
            if sha256_file(target) == entry["sha256"]:
                same += 1
                continue
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=".restore-", dir=target.parent)
        os.close(handle)
        try:
            shutil.copyfile(root / entry["path"], temp)
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        written += 1
    return written, same


def count_problems(wanted: dict[str, int], counts: dict[str, int]) -> list[str]:
    return [
        f"{table} 应有 {n} 行，实有 {counts.get(table)} 行"
        for table, n in wanted.items()
        if counts.get(table) != n
    ]


def live_counts(db: dict, tables: list[str]) -> dict[str, int]:
    """Row counts of the configured database."""
    if engine_of(db) == "sqlite":
        return sqlite_facts(Path(db["NAME"]), tables)[2]
    return pg_facts(db, tables)[2]


def wanted_counts(manifest: dict, tables: list[str]) -> dict[str, int]:
    return {t: n for t, n in manifest["counts"].items() if t in tables}


def _listed(problems: list[str]) -> str:
    return "；".join(problems[:10]) + (
        f"……另有 {len(problems) - 10} 处" if len(problems) > 10 else ""
    )


@dataclass
class PreparedRestore:
    """A backup's database, checked in full before the live database is touched.

    SQLite: a copy of the snapshot in a work directory beside the live database, which passed
    SQLite's own checks and holds exactly the rows the manifest counts. PostgreSQL: the dump,
    turned into one SQL script (so an unreadable dump is refused before anything is written)
    that ends with the row-count check; it runs in one transaction, so a failed check rolls
    the whole restore back.
    """

    engine: str
    db: dict
    work: Path
    database: Path
    wanted: dict[str, int]
    pg_bin_dir: str = ""

    def cleanup(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)

    def apply(self) -> None:
        if self.engine == "sqlite":
            self._apply_sqlite()
        else:
            self._apply_postgresql()

    def _apply_sqlite(self) -> None:
        live = Path(self.db["NAME"])
        aside = self.work / "live-before-restore.sqlite3"
        # The live database kept aside, to be put back if the restored one does not check out.
        try:
            if live.is_file():
                sqlite_snapshot(live, aside)
        except sqlite3.Error as exc:
            raise BackupError(f"无法先保留当前数据库的副本（{exc}），未做任何改动。") from None
        try:
            sqlite_restore(self.database, live)
            problems = sqlite_integrity(live)
            problems += count_problems(self.wanted, live_counts(self.db, list(self.wanted)))
        except sqlite3.Error as exc:
            problems = [f"SQLite 出错：{exc}"]
        if not problems:
            return
        if not aside.is_file():
            raise BackupError(f"恢复后核对不通过：{_listed(problems)}。")
        try:
            sqlite_restore(aside, live)
        except sqlite3.Error as exc:
            kept = self.work.with_name(f"{self.work.name}-kept")
            self.work.rename(kept)
            raise BackupError(
                f"恢复后核对不通过：{_listed(problems)}；放回原数据库时又出错（{exc}），"
                f"恢复前的数据库副本保存在 {kept / aside.name}，请停用服务后手工放回。"
            ) from None
        raise BackupError(
            f"恢复后核对不通过：{_listed(problems)}；数据库已恢复为恢复前的数据，未做任何改动。"
        )

    def _apply_postgresql(self) -> None:
        psql = pg_tool("psql", self.pg_bin_dir, pg_server_major(self.db))
        options = ["--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1"]
        result = subprocess.run(
            [psql, *options, f"--dbname={self.db['NAME']}", f"--file={self.database}"],
            env={**pg_env(self.db), "PGCLIENTENCODING": "UTF8"},
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        if result.returncode == 0:
            return
        check = re.search(rf"{CHECK_MARK}: (.*)", result.stderr)
        if check:
            raise BackupError(
                f"恢复后核对不通过：{check.group(1).strip().rstrip('；')}；"
                "已整体回滚，数据库未做任何改动。"
            )
        raise BackupError(
            f"恢复数据库失败（psql 退出码 {result.returncode}），已整体回滚，数据库未做任何改动："
            f"{result.stderr.strip()[-2000:]}"
        )


CHECK_MARK = "duban-restore-check"


def pg_count_check(wanted: dict[str, int]) -> str:
    """SQL that fails, naming every table whose row count is not the manifest's."""
    lines = [
        "RESET search_path;",
        "DO $check$",
        "DECLARE problems text := ''; n bigint;",
        "BEGIN",
    ]
    for table, count in sorted(wanted.items()):
        if not re.fullmatch(r"[A-Za-z0-9_]+", table):
            raise BackupError(f"备份清单中的表名不合法：{table!r}，拒绝恢复。")
        lines.append(
            f'  SELECT count(*) INTO n FROM "{table}"; IF n <> {int(count)} THEN '
            f"problems := problems || '{table} 应有 {int(count)} 行，实有 ' || n || ' 行；'; END IF;"
        )
    lines += [
        f"  IF problems <> '' THEN RAISE EXCEPTION '{CHECK_MARK}: %', problems; END IF;",
        "END",
        "$check$;",
        "",
    ]
    return "\n".join(lines)


def prepare_restore(
    root: Path, manifest: dict, *, db: dict, tables: list[str], pg_bin_dir: str = ""
) -> PreparedRestore:
    """Check the backup's database in full, writing only to a work directory.

    BackupError, with nothing written, if the database file is damaged or its rows are not
    the ones the manifest counts.
    """
    engine = engine_of(db)
    database_file = Path(root) / manifest["database"]["file"]
    wanted = wanted_counts(manifest, tables)
    if engine == "sqlite":
        live = Path(db["NAME"])
        work = Path(tempfile.mkdtemp(prefix=f".{live.name}-restore-", dir=live.parent))
    else:
        work = Path(tempfile.mkdtemp(prefix="duban-restore-"))
    prepared = PreparedRestore(engine, db, work, work / SQLITE_FILE, wanted, pg_bin_dir)
    try:
        if engine == "sqlite":
            _prepare_sqlite(database_file, prepared)
        else:
            _prepare_postgresql(database_file, prepared)
    except BaseException:
        prepared.cleanup()
        raise
    return prepared


def _prepare_sqlite(database_file: Path, prepared: PreparedRestore) -> None:
    shutil.copyfile(database_file, prepared.database)
    try:
        problems = sqlite_integrity(prepared.database)
        counts = sqlite_facts(prepared.database, list(prepared.wanted))[2] if not problems else {}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"备份中的数据库文件已损坏（{exc}），未做任何改动。") from None
    if problems:
        raise BackupError(f"备份中的数据库文件已损坏（自检：{_listed(problems)}），未做任何改动。")
    mismatched = count_problems(prepared.wanted, counts)
    if mismatched:
        raise BackupError(
            f"备份中的数据库与清单不符：{_listed(mismatched)}，拒绝恢复，未做任何改动。"
        )


def _prepare_postgresql(dump: Path, prepared: PreparedRestore) -> None:
    db = prepared.db
    pg_restore_bin = pg_tool("pg_restore", prepared.pg_bin_dir, pg_server_major(db))
    script = prepared.work / "restore.sql"
    options = ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--exit-on-error"]
    result = subprocess.run(
        [pg_restore_bin, *options, f"--file={script}", str(dump)],
        env=pg_env(db),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(
            f"备份中的数据库文件已损坏（pg_restore：{result.stderr.strip()[-500:]}），未做任何改动。"
        )
    with open(script, "a", encoding="utf-8") as handle:
        handle.write("\n" + pg_count_check(prepared.wanted))
    prepared.database = script
