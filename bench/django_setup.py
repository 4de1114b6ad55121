"""Set up shared by the benchmark scripts: the database a run uses, Django in production mode
for the test client, and the load average printed beside the times."""

import os
import secrets
import subprocess
import tempfile
from pathlib import Path


def setup_django() -> None:
    """DEBUG off as in production, a throwaway key and host, plain static file names.

    Production mode refuses the development key; a throwaway one is right for a benchmark. The
    manifest storage would need collectstatic first, which timing pages does not need.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.conf import settings

    settings.STORAGES["staticfiles"]["BACKEND"] = (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
    )


def run_in_database(run, args, *, prefix: str) -> None:
    """Point DATABASE_URL at the run's database, then call run(args).

    `--database-url`: that PostgreSQL database, created for the run and dropped after it.
    `--sqlite-file` (where the script has it): that SQLite file, reused when it exists
    (args.reuse). Otherwise a SQLite file in a temporary folder, removed however the run ends,
    an error included.
    """
    sqlite_file = getattr(args, "sqlite_file", "")
    args.reuse = False
    if args.database_url:
        database = ScratchPostgres(args.database_url)
        database.create()
        try:
            os.environ["DATABASE_URL"] = args.database_url
            run(args)
        finally:
            database.drop()
    elif sqlite_file:
        args.reuse = Path(sqlite_file).exists()
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(sqlite_file).resolve()}"
        run(args)
    else:
        with tempfile.TemporaryDirectory(prefix=prefix) as workdir:
            os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
            run(args)


class ScratchPostgres:
    """The PostgreSQL database the URL names, with its user, host and port: created for the run
    and dropped after it. The CREATE and DROP go through the server's maintenance database
    (`postgres`), since no one can drop the database they are connected to."""

    def __init__(self, url: str):
        from psycopg.conninfo import conninfo_to_dict, make_conninfo

        url = url.replace("postgres://", "postgresql://", 1)  # the scheme libpq documents
        self.name = conninfo_to_dict(url).get("dbname") or ""
        if not self.name or self.name in ("postgres", "template0", "template1"):
            raise SystemExit(
                "--database-url: name a database for the benchmark, e.g. "
                "postgres://postgres@127.0.0.1:5432/bench_scale (created and dropped by the run)"
            )
        self.admin = make_conninfo(url, dbname="postgres")
        self.created = False

    def _execute(self, statement, params=None) -> list:
        import psycopg

        with psycopg.connect(self.admin, autocommit=True) as conn:
            cursor = conn.execute(statement, params)
            return cursor.fetchall() if cursor.description else []

    def create(self) -> None:
        from psycopg import sql

        if self._execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.name]):
            raise SystemExit(
                f"database {self.name!r} already exists: the benchmark fills its database with "
                "scale data and drops it afterwards, so it needs a new name"
            )
        self._execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
        self.created = True

    def drop(self) -> None:
        from psycopg import sql

        if self.created:
            statement = "DROP DATABASE IF EXISTS {} WITH (FORCE)"
            self._execute(sql.SQL(statement).format(sql.Identifier(self.name)))


def uptime() -> str:
    """The machine's load average, printed beside each round's times."""
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def scale_county(args, *, more=None):
    """The county the page and report benches time: the demo's units and themes, an office and
    a leader, and generate_scale's args.units / args.items / args.assignments; or, when the run
    reuses its database (args.reuse), the leader already there. ``more()`` adds to it inside the
    timing. Returns the leader and the build's seconds (None when reused)."""
    import time

    from django.core.management import call_command

    from tracker.models import Unit, User

    if getattr(args, "reuse", False):
        return User.objects.get(username="leader"), None
    root = Path(__file__).resolve().parent.parent
    call_command(
        "loaddata", str(root / "fixtures/themes.json"), str(root / "fixtures/units.json"),
        verbosity=0,
    )  # fmt: skip
    office_unit = Unit.objects.get(name="县安委办")
    User.objects.create_user("office", password="x", role="office", unit=office_unit)
    leader = User.objects.create_user("leader", password="x", role="leader")
    start = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        call_command(
            "generate_scale",
            units=args.units,
            items=args.items,
            assignments=args.assignments,
            stdout=quiet,
        )
    if more is not None:
        more()
    return leader, round(time.perf_counter() - start, 1)
