"""Load test of the real server: `python bench/load.py [--db sqlite|postgres|both]`.

For each database it builds a fresh one (an SQLite file in a temporary directory, or a
scratch PostgreSQL database, `loadtest` unless --pg-name says otherwise, dropped afterwards),
migrates it, loads the demo county (or, with --reuse-demo, copies the one an earlier run kept),
adds --users staff accounts spread over the units that have published tasks, runs
collectstatic, and starts gunicorn with gunicorn.conf.py (DEBUG=0, WhiteNoise) on 127.0.0.1.
Then, open loop at --rate requests per second for --duration seconds:

  staff      arrive during the first --login-window of the run: at random moments (--logins
             poisson, the default), evenly (uniform), or all at the same moment (burst, every
             sign-in sent at once whatever the rate); each logs in once (GET the form for the
             CSRF cookie, POST with the real password, hashed as in production), fetches the
             stylesheet, then cycles 我的任务 (/tasks/) → one task → 保存进度 / 提交审核 (the
             report form, with the version it was shown)
  office     (--office-share of the requests) 待审核 (/review/) → approve the first one, and
             every --export-every rounds 导出进度通报 (/tasks/export/, every task the office sees)
  import     with --with-import N, at 30% of the run the office uploads an N-row 任务分解表
             (/import/, the dry run) and confirms it (/import/confirm/); the load goes on
             until the import is done, and latency inside that window is reported apart

Requests are started on schedule whether or not earlier ones have returned (open loop); a
person waits for their own previous response, so a tick finding nobody idle is counted as
unserved. Prints one JSON object: requests/s, p50/p95/p99 per endpoint and overall, status
counts with server errors (5xx) apart, the import's own duration, the host's load average,
and whether the goals were met. Only loopback is ever contacted: the script talks to the
server it started, nothing else. The HTTP client (bench/load_client.py) is the standard
library's asyncio: nothing to install.
"""

import argparse
import asyncio
import hashlib
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from load_client import HOST, Client, Stats, cpu_sample, cpu_usage, latency  # noqa: E402

# Bounds: this is a load test for one county server, not a tool to flood anything.
LIMITS = {"users": 2000, "duration": 900, "rate": 500, "with_import": 200_000}
GOALS = {"p95_ms": 300, "import_p95_ms": 1000}
IMPORT_ENDPOINTS = {"import_form", "import_dry_run", "import_confirm"}


def log(message: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the simulated people -----------------------------------------------------------------------

TASK_LINK = re.compile(r'href="/tasks/(\d+)/"')
# The form's action may carry a fragment (#report: a refused save comes back scrolled to it).
REPORT_FORM = re.compile(r'<form[^>]*action="/tasks/(\d+)/report/(?:#[^"]*)?".*?</form>', re.S)
VERSION = re.compile(r'name="version" value="(\d+)"')
STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)"')
QUEUE_ROW = re.compile(r'action="/tasks/(\d+)/review/"[^>]*>.*?name="version" value="(\d+)"', re.S)


class Staff:
    def __init__(self, username, password, client, arrives_at):
        self.username, self.password, self.client = username, password, client
        self.arrives_at = arrives_at
        self.state = "login_form"
        self.busy = False
        self.tasks: list[str] = []
        self.form: dict = {}
        self.counter = 0

    @property
    def logging_in(self) -> bool:
        return self.state in ("login_form", "static", "login")

    async def step(self, results: dict):
        try:
            await self._step(results)
        finally:
            self.busy = False

    async def _step(self, results):
        c = self.client
        if self.state == "login_form":
            r = await c.request("login_form", "GET", "/login/")
            if r and r.status == 200:
                match = STYLESHEET.search(r.text)
                self.stylesheet = match.group(1) if match else ""
                self.state = "static" if self.stylesheet else "login"
        elif self.state == "static":
            await c.request("static", "GET", self.stylesheet)
            self.state = "login"
        elif self.state == "login":
            data = {"username": self.username, "password": self.password, "next": ""}
            r = await c.request(
                "login", "POST", "/login/", data={**data, "csrfmiddlewaretoken": c.csrf}
            )
            if r and r.status == 302:
                results["logins"] += 1
                self.state = "list"
            else:
                self.state = "login_form"
        elif self.state == "list":
            r = await c.request("task_list", "GET", "/tasks/")
            if r and r.status == 200:
                self.tasks = TASK_LINK.findall(r.text)
                self.state = "detail" if self.tasks else "list"
        elif self.state == "detail":
            pk = random.choice(self.tasks)
            r = await c.request("task_detail", "GET", f"/tasks/{pk}/")
            self.state = "list"
            if r and r.status == 200:
                form = REPORT_FORM.search(r.text)
                if form and VERSION.search(form.group(0)):
                    body = form.group(0)
                    self.form = {
                        "pk": pk,
                        "version": VERSION.search(body).group(1),
                        "field": "quantity" if 'name="quantity"' in body else "percent",
                    }
                    self.state = "report"
        elif self.state == "report":
            self.counter += 1
            submit = random.random() < 0.1
            data = {
                "csrfmiddlewaretoken": c.csrf,
                "action": "submit" if submit else "report",
                "version": self.form["version"],
                self.form["field"]: random.randint(1, 99)
                if self.form["field"] == "percent"
                else random.randint(1, 30),
                "note": f"{self.username} 第{self.counter}次报送：已完成现场检查，整改推进中。",
            }
            r = await c.request(
                "report", "POST", f"/tasks/{self.form['pk']}/report/", data=data, files={}
            )
            if r and r.status == 302:
                results["reports_saved"] += 1
            elif r and r.status == 409:
                results["conflicts"] += 1
            self.state = "list"


class Office:
    """The 安委办 at work: the review queue, approving one submission, the bulletin."""

    def __init__(self, client, export_every: int = 4):
        self.client = client
        self.busy = False
        self.state = "review"
        self.row = None
        self.cycles = 0
        self.export_every = export_every

    async def login(self, password):
        c = self.client
        await c.request("office_login_form", "GET", "/login/")
        data = {
            "username": "anweiban",
            "password": password,
            "next": "",
            "csrfmiddlewaretoken": c.csrf,
        }
        r = await c.request("office_login", "POST", "/login/", data=data)
        if not (r and r.status == 302):
            raise SystemExit("the office account could not log in")

    async def step(self, results):
        try:
            c = self.client
            if self.state == "review":
                r = await c.request("review_queue", "GET", "/review/")
                self.row = QUEUE_ROW.search(r.text) if r and r.status == 200 else None
                self.cycles += 1
                exporting = self.export_every and self.cycles % self.export_every == 0
                self.state = "approve" if self.row else ("export" if exporting else "review")
            elif self.state == "approve":
                pk, version = self.row.groups()
                data = {
                    "csrfmiddlewaretoken": c.csrf,
                    "decision": "approve",
                    "note": "",
                    "version": version,
                    "next": "queue",
                }
                r = await c.request("review_approve", "POST", f"/tasks/{pk}/review/", data=data)
                if r and r.status == 302:
                    results["approved"] += 1
                exporting = self.export_every and self.cycles % self.export_every == 0
                self.state = "export" if exporting else "review"
            else:
                r = await c.request("export", "GET", "/tasks/export/")
                if r and r.status == 200 and not r.body.startswith(b"PK"):
                    results["bad_exports"] += 1
                self.state = "review"
        finally:
            self.busy = False


def arrival_times(mode: str, people: int, window: float, rng: random.Random) -> list[float]:
    """When each person starts signing in, in seconds from the start of the run.

    burst: all at 0. uniform: evenly over the window. poisson: a Poisson process conditioned on
    exactly `people` arrivals in the window, i.e. sorted independent uniform times: staff
    arriving independently of one another, so some seconds see several and some none.
    """
    if mode == "burst" or people == 0:
        return [0.0] * people
    if mode == "uniform":
        return [window * i / people for i in range(people)]
    return sorted(rng.uniform(0, window) for _ in range(people))


async def sign_in(person: Staff, results: dict, attempts: int = 3) -> None:
    """The whole sign-in of one person (form, stylesheet, password), not paced by the clock."""
    for _ in range(attempts * 3):
        if not person.logging_in:
            return
        person.busy = True
        await person.step(results)


async def run_import(client: Client, workbook: bytes, rows: int, info: dict):
    """Upload, dry run, confirm: what the office does with a 任务分解表."""
    c = client
    info["started_s"] = time.monotonic() - c.stats.start
    t0 = time.monotonic()
    await c.request("import_form", "GET", "/import/", timeout=600)
    files = {
        "file": (
            f"任务分解表-{rows}行.xlsx",
            workbook,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    }
    t1 = time.monotonic()
    r = await c.request(
        "import_dry_run",
        "POST",
        "/import/",
        data={"csrfmiddlewaretoken": c.csrf, "on_conflict": "skip"},
        files=files,
        timeout=600,
    )
    info["dry_run_s"] = round(time.monotonic() - t1, 3)
    info["dry_run_status"] = r.status if r else None
    token = re.search(r'name="token" value="([0-9a-f]{32})"', r.text) if r else None
    if token:
        t2 = time.monotonic()
        # The sheet's deadlines run from months before today (excel_bench's calendar), so the
        # confirmation asks for the 已核对 tick; the office ticks it, and the rows are written.
        # Without it the server refuses the whole sheet and writes nothing.
        data = {"csrfmiddlewaretoken": c.csrf, "token": token.group(1), "accept_past": "1"}
        r = await c.request("import_confirm", "POST", "/import/confirm/", data=data, timeout=600)
        info["confirm_s"] = round(time.monotonic() - t2, 3)
        info["confirm_status"] = r.status if r else None
        info["committed"] = bool(r and r.status == 302)
    else:
        info["committed"] = False
    if not info["committed"]:
        info["error_excerpt"] = (
            re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r.text))[:400] if r else "no response"
        )
        log(f"the import was not written: {info['error_excerpt'][:200]}")
    info["total_s"] = round(time.monotonic() - t0, 3)
    info["ended_s"] = time.monotonic() - c.stats.start


async def drive(args, port: int, passwords: tuple[str, str], usernames: list[str], workbook):
    password, office_password = passwords
    stats = Stats()
    results = {"logins": 0, "reports_saved": 0, "conflicts": 0, "approved": 0, "bad_exports": 0}
    results["users"] = len(usernames)
    offices = [Office(Client(port, stats, args.timeout), args.export_every) for _ in range(3)]
    import_office = Office(Client(port, stats, 600))
    for office in [*offices, import_office]:  # before the clock: the office is already at work
        await office.login(office_password)
    await offices[0].client.request("warmup", "GET", "/tasks/")
    stats.records.clear()
    rng = random.Random(7)
    arrivals = arrival_times(args.logins, len(usernames), args.duration * args.login_window, rng)
    people = [
        Staff(name, password, Client(port, stats, args.timeout), at)
        for name, at in zip(usernames, arrivals, strict=True)
    ]
    prelogin = []
    if args.prelogin:  # everyone signs in before the clock, a few at a time
        gate = asyncio.Semaphore(4)

        async def sign_in_gated(person):
            async with gate:
                await sign_in(person, results)

        await asyncio.gather(*(sign_in_gated(p) for p in people))
        prelogin, stats.records = stats.records, []
    rng.shuffle(people)
    info: dict = {}
    importer = None
    stats.start = time.monotonic()
    cpu_before = cpu_sample(args.server_pid)
    tasks: set[asyncio.Task] = set()
    if args.logins == "burst" and not args.prelogin:
        # Everyone presses 登录 in the same second, whatever the request rate.
        for person in people:
            task = asyncio.create_task(sign_in(person, results))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
    unserved = ticks = 0
    hard_stop = args.duration + 600
    while True:
        now = time.monotonic() - stats.start
        importing = importer is not None and not importer.done()
        if (now >= args.duration and not importing) or now >= hard_stop:
            break
        if workbook and importer is None and now >= args.duration * 0.3:
            job = run_import(import_office.client, workbook, args.with_import, info)
            importer = asyncio.create_task(job)
        await asyncio.sleep(max(0.0, ticks / args.rate - now))
        ticks += 1
        actor = None
        if rng.random() < args.office_share:
            actor = next((o for o in offices if not o.busy), None)
        if actor is None:
            idle = [p for p in people if not p.busy and p.arrives_at <= now]
            joining = [p for p in idle if p.logging_in]  # someone arriving signs in first
            actor = joining[0] if joining else (rng.choice(idle) if idle else None)
        if actor is None:
            unserved += 1
            continue
        actor.busy = True
        task = asyncio.create_task(actor.step(results))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    elapsed = time.monotonic() - stats.start
    cpu_after = cpu_sample(args.server_pid)
    if tasks:
        await asyncio.wait(tasks, timeout=args.timeout + 5)
    if importer is not None and not importer.done():
        await asyncio.wait_for(importer, 600)
    clock = {"ticks": ticks, "unserved_ticks": unserved, "elapsed_s": elapsed}
    clock["cpu"] = cpu_usage(cpu_before, cpu_after, elapsed)
    return stats, results, info, clock, prelogin


def summarize(stats: Stats, results: dict, info: dict, clock: dict, args) -> dict:
    records = stats.records
    load = [r for r in records if r[0] not in IMPORT_ENDPOINTS]
    in_run = [r for r in load if r[1] < clock["elapsed_s"]]
    statuses: dict[str, int] = {}
    server_errors: dict[str, int] = {}
    refused: dict[str, dict[str, int]] = {}  # 4xx, 5xx and transport errors by endpoint
    for endpoint, _, _, outcome in records:
        statuses[str(outcome)] = statuses.get(str(outcome), 0) + 1
        if not (isinstance(outcome, int) and outcome < 400):
            seen = refused.setdefault(endpoint, {})
            seen[str(outcome)] = seen.get(str(outcome), 0) + 1
        if isinstance(outcome, int) and outcome >= 500:
            server_errors[endpoint] = server_errors.get(endpoint, 0) + 1
    endpoints = sorted({r[0] for r in records})
    overall = latency(load)
    summary = {
        "requests": len(records),
        "achieved_rps": round(len(in_run) / clock["elapsed_s"], 1),
        "elapsed_s": round(clock["elapsed_s"], 1),
        "ticks": clock["ticks"],
        "cpu": clock["cpu"],
        "unserved_ticks": clock["unserved_ticks"],
        "latency": {
            "overall": overall,
            **{e: latency([r for r in records if r[0] == e]) for e in endpoints},
        },
        "status_counts": dict(sorted(statuses.items())),
        "server_errors": sum(server_errors.values()),
        "server_errors_by_endpoint": server_errors,
        "not_ok_by_endpoint": refused,
        "transport_errors": sum(v for k, v in statuses.items() if not k.isdigit()),
        **results,
    }
    goals = {
        "no_server_errors": summary["server_errors"] == 0 and summary["transport_errors"] == 0,
        "everyone_signed_in": args.prelogin or results["logins"] >= results["users"],
        f"p95_under_{GOALS['p95_ms']}ms": overall.get("p95_ms", 0) < GOALS["p95_ms"],
        # The staff's writes are part of the load: a run where none went through measured reads.
        "staff_saved_progress": results["reports_saved"] > 0,
    }
    if info:
        during = [r for r in load if info["started_s"] <= r[1] <= info["ended_s"]]
        outside = [r for r in load if not info["started_s"] <= r[1] <= info["ended_s"]]
        info = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in info.items()}
        summary["import"] = {
            "rows": args.with_import,
            **info,
            "latency_during_import": latency(during),
            "latency_outside_import": latency(outside),
        }
        p95 = summary["import"]["latency_during_import"].get("p95_ms", 0)
        goals[f"import_p95_under_{GOALS['import_p95_ms']}ms"] = bool(
            info.get("committed") and p95 < GOALS["import_p95_ms"]
        )
    summary["goals"] = goals
    return summary


# --- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


# Run through `manage.py shell`: staff accounts spread round-robin over the units that have
# published tasks. One real PBKDF2 hash is computed and given to every account, so each login
# costs the server exactly what a real one does, without 200 hashings at setup.
MAKE_USERS = """
import os
from django.contrib.auth.hashers import make_password
from tracker.models import Assignment, Unit, User
units = list(Unit.objects.filter(
    active=True, pk__in=Assignment.objects.filter(item__state="published").values("unit")
).order_by("kind", "sort_order", "name"))
# LOAD_HASHER=pbkdf2_sha256: accounts from before the Argon2 switch, upgraded at sign-in.
encoded = make_password(os.environ["LOAD_PASSWORD"], hasher=os.environ.get("LOAD_HASHER", "default"))
count = int(os.environ["LOAD_USERS"])
User.objects.bulk_create([
    User(username=f"load{i:04d}", password=encoded, role="staff", unit=units[i % len(units)],
         display_name=f"{units[i % len(units)].label}联络员{i}")
    for i in range(count)
])
print(len(units))
"""


SET_OFFICE_PASSWORD = """
import os
from tracker.models import User
user = User.objects.get(username="anweiban")
user.set_password(os.environ["LOAD_OFFICE_PASSWORD"])
user.save(update_fields=["password"])
"""


def demo_key() -> str:
    """What the demo database depends on: the migrations, the fixtures and load_demo itself."""
    digest = hashlib.sha256()
    files = [*ROOT.glob("*/migrations/*.py"), *ROOT.glob("fixtures/**/*")]
    files += [*ROOT.glob("*/management/commands/load_demo.py"), *ROOT.glob("tracker/demo*.py")]
    for path in sorted(p for p in files if p.is_file()):
        digest.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def prepare(env: dict, users: int, scratch: "Scratch", reuse_demo: bool) -> int:
    t0 = time.monotonic()
    if not (reuse_demo and scratch.restore_demo()):
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "load_demo", f"--password={env['LOAD_OFFICE_PASSWORD']}")
        if reuse_demo:
            scratch.save_demo()
    # The office's password is set on every run: a kept demo may come from another run.
    manage(env, "shell", "-c", SET_OFFICE_PASSWORD)
    manage(env, "collectstatic", "--noinput", "-v0")
    units = int(manage(env, "shell", "-c", MAKE_USERS).strip().splitlines()[-1])
    log(
        f"database ready in {time.monotonic() - t0:.1f}s: demo county, {users} staff over {units} units"
    )
    return units


def gunicorn_command(port: int, logfile: Path, args) -> list[str]:
    """The production configuration (gunicorn.conf.py), with what this run asks to differ."""
    command = [
        sys.executable, "-m", "gunicorn", "tracker.wsgi",
        "--config", str(ROOT / "gunicorn.conf.py"),
        "--bind", f"{HOST}:{port}",
        "--graceful-timeout", "5",
        "--error-logfile", str(logfile),
        "--log-level", "warning",
        "--no-control-socket",  # several servers on one host must not share its socket
    ]  # fmt: skip
    if args.workers:
        command += ["--workers", str(args.workers)]
    if args.worker_class:
        command += ["--worker-class", args.worker_class]
    if args.threads:
        command += ["--threads", str(args.threads)]
    if args.worker_class == "sync":
        # A sync worker is killed when one request outlasts the timeout: an import can.
        command += ["--timeout", "300"]
    return command


def start_server(env: dict, command: list[str], port: int, logfile: Path) -> subprocess.Popen:
    # The app logs to stderr (sign-ins, errors): into the same file as gunicorn's own log.
    with open(logfile, "ab") as out:
        server = subprocess.Popen(
            command, env=env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out, stderr=out
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(
                f"gunicorn exited at start, see {logfile}:\n{logfile.read_text()[-2000:]}"
            )
        try:
            with socket.create_connection((HOST, port), timeout=1) as sock:
                sock.sendall(
                    f"GET /login/ HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n"
                    "X-Forwarded-Proto: https\r\n\r\n".encode()
                )
                if sock.recv(12).endswith(b"200"):
                    return server
        except OSError:
            pass
        time.sleep(0.2)
    stop_server(server)
    raise SystemExit("gunicorn did not answer within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()  # the master stops its workers
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(5)


class Scratch:
    """The database of one run: a file in the work directory, or PostgreSQL `loadtest`."""

    def __init__(self, kind: str, workdir: Path, admin_url: str, name: str):
        self.kind, self.admin_url, self.name = kind, admin_url, name
        if kind == "sqlite":
            self.url = f"sqlite:///{workdir / 'load.sqlite3'}"
        else:
            self.url = urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql)

    def create(self) -> None:
        if self.kind == "postgres":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self._admin(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        if self.kind == "postgres":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    # --reuse-demo: the migrated demo county is kept between runs, as a template database or
    # a file, named after what it was built from, so a changed migration builds a new one.
    def _demo_name(self) -> str:
        return f"{self.name}_demo_{demo_key()}"

    def _demo_file(self) -> Path:
        return Path(tempfile.gettempdir()) / f"load-demo-{demo_key()}.sqlite3"

    def _sqlite_path(self) -> Path:
        return Path(urlsplit(self.url).path)

    def restore_demo(self) -> bool:
        if self.kind == "postgres":
            import psycopg

            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                found = conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [self._demo_name()]
                ).fetchone()
            if not found:
                return False
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self._admin(f'CREATE DATABASE "{self.name}" TEMPLATE "{self._demo_name()}"')
            return True
        if not self._demo_file().exists():
            return False
        copy_sqlite(self._demo_file(), self._sqlite_path())
        return True

    def save_demo(self) -> None:
        if self.kind == "postgres":
            self._admin(f'DROP DATABASE IF EXISTS "{self._demo_name()}"')
            self._admin(f'CREATE DATABASE "{self._demo_name()}" TEMPLATE "{self.name}"')
        else:
            copy_sqlite(self._sqlite_path(), self._demo_file())


def copy_sqlite(source: Path, target: Path) -> None:
    """SQLite's online backup API: a copied file can miss what is still in the WAL."""
    import sqlite3

    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def make_workbook(rows: int, path: Path) -> bytes:
    """An N-row 任务分解表 in the layout the importer reads, with the demo county's unit names."""
    sys.path.insert(0, str(ROOT / "bench"))
    from excel_bench import write_workbook  # the same generator the Excel benchmark uses

    write_workbook(path, rows)
    return path.read_bytes()


LOG_LINE = re.compile(r"^\[?\d{4}-\d\d-\d\d")


def error_blocks(log: str, limit: int = 8000) -> list[str]:
    """The ERROR entries of the server's log with their tracebacks, not the sign-in lines."""
    kept, inside = [], False
    for line in log.splitlines():
        if LOG_LINE.match(line):
            inside = " ERROR " in line or "[ERROR]" in line
        if inside:
            kept.append(line)
    text = "\n".join(kept)
    return text[:limit].splitlines()


def run_one(kind: str, args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"load-{kind}-"))
    scratch = Scratch(kind, workdir, args.postgres_url, args.pg_name)
    env = {
        **os.environ,
        "DATABASE_URL": scratch.url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
        "MEDIA_ROOT": str(workdir / "media"),
        "STATIC_ROOT": str(workdir / "static"),
        **({"DB_CONN_MAX_AGE": str(args.conn_max_age)} if args.conn_max_age is not None else {}),
        **({"LOAD_HASHER": "pbkdf2_sha256"} if args.legacy_hashes else {}),
        "LOAD_PASSWORD": secrets.token_urlsafe(12),
        "LOAD_OFFICE_PASSWORD": secrets.token_urlsafe(12),
        "LOAD_USERS": str(args.users),
        "PYTHONUNBUFFERED": "1",
    }
    server = None
    scratch.create()
    try:
        prepare(env, args.users, scratch, args.reuse_demo)
        workbook = None
        if args.with_import:
            workbook = make_workbook(args.with_import, workdir / "import.xlsx")
            log(f"workbook of {args.with_import} rows: {len(workbook) / 1024:.0f} KB")
        port = args.port or free_port()
        command = gunicorn_command(port, workdir / "gunicorn.log", args)
        server = start_server(env, command, port, workdir / "gunicorn.log")
        log(f"{kind}: gunicorn pid {server.pid} on {HOST}:{port}: {' '.join(command[3:])}")
        load_before = os.getloadavg()
        usernames = [f"load{i:04d}" for i in range(args.users)]
        args.server_pid = server.pid
        passwords = (env["LOAD_PASSWORD"], env["LOAD_OFFICE_PASSWORD"])
        client_cpu = time.process_time()
        stats, results, info, clock, prelogin = asyncio.run(
            drive(args, port, passwords, usernames, workbook)
        )
        summary = summarize(stats, results, info, clock, args)
        if prelogin:
            summary["prelogin"] = {
                e: latency([r for r in prelogin if r[0] == e]) for e in ("login_form", "login")
            }
        # The load generator shares the host: its own CPU is part of the picture.
        summary["cpu"]["client_cpu_s"] = round(time.process_time() - client_cpu, 1)
        # Everything else that ran on the host meanwhile (with PostgreSQL: its backends too).
        cpu = summary["cpu"]
        if cpu["host_busy_pct"] is not None:
            busy_cores = cpu["host_busy_pct"] / 100 * (os.cpu_count() or 1)
            client_cores = cpu["client_cpu_s"] / clock["elapsed_s"]
            cpu["other_cores"] = round(busy_cores - cpu["server_cores"] - client_cores, 2)
        # Other work on the host skews every figure: the load average says how much there was.
        summary["host"] = {
            "cpus": os.cpu_count(),
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
            "uptime_after": subprocess.run(
                ["uptime"], capture_output=True, text=True
            ).stdout.strip(),
        }
        if summary["server_errors"]:
            summary["server_log_errors"] = error_blocks((workdir / "gunicorn.log").read_text())
        summary["server"] = {"pid": server.pid, "port": port, "command": command[3:]}
        return {"db": kind, **summary}
    finally:
        if server is not None:
            stop_server(server)
        if not args.keep:
            scratch.drop()
            subprocess.run(["rm", "-rf", str(workdir)], check=False)
        else:
            log(f"kept {workdir}" + (f" and database {scratch.name}" if kind == "postgres" else ""))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rate", type=float, default=40, help="requests per second (open loop)")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load")
    parser.add_argument("--users", type=int, default=200, help="staff accounts logging in")
    parser.add_argument("--with-import", type=int, default=0, metavar="ROWS")
    parser.add_argument("--office-share", type=float, default=0.05)
    parser.add_argument(
        "--export-every", type=int, default=4, help="the office exports every N-th review round"
    )
    parser.add_argument(
        "--logins",
        choices=["poisson", "uniform", "burst"],
        default="poisson",
        help="how the staff arrive: at random (Poisson) or evenly over the first --login-window "
        "of the run, or all signing in at the same moment",
    )
    parser.add_argument("--login-window", type=float, default=0.8, help="share of --duration")
    parser.add_argument(
        "--legacy-hashes",
        action="store_true",
        help="staff passwords stored as PBKDF2, as before Argon2: each first sign-in upgrades",
    )
    # By default the server runs exactly as gunicorn.conf.py and the settings say.
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--worker-class", choices=["gthread", "sync"], default=None)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument(
        "--conn-max-age", type=int, default=None, help="DB_CONN_MAX_AGE for the server"
    )
    parser.add_argument(
        "--reuse-demo",
        action="store_true",
        help="keep the migrated demo county between runs (a template database or a file)",
    )
    parser.add_argument("--timeout", type=float, default=60, help="per request, seconds")
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--pg-name", default="loadtest")
    parser.add_argument("--port", type=int, default=0, help="loopback port (default: a free one)")
    parser.add_argument(
        "--prelogin",
        action="store_true",
        help="sign every user in before the clock starts (the load without sign-ins)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory and database")
    args = parser.parse_args(argv)
    for name, limit in LIMITS.items():
        if getattr(args, name) > limit or getattr(args, name) < 0:
            parser.error(f"--{name.replace('_', '-')} must be between 0 and {limit}")
    if args.rate <= 0 or args.duration <= 0 or args.users < 1:
        parser.error("--rate, --duration and --users must be positive")
    if not 0 <= args.login_window <= 1:
        parser.error("--login-window is a share of the run, between 0 and 1")
    # A stop signal must still run the finally blocks that stop gunicorn and drop the database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    config = {k: v for k, v in vars(args).items() if k not in ("postgres_url", "keep")}
    runs = []
    for kind in kinds:
        log(f"{kind}: {args.users} users, {args.rate}/s for {args.duration}s")
        runs.append(run_one(kind, args))
    print(json.dumps({"config": config, "runs": runs}, ensure_ascii=False, indent=2))
    # An import asked for and not written would leave "latency during the import" measuring a
    # refusal: that run failed too.
    failed = [
        r for r in runs if r["server_errors"] or not r.get("import", {}).get("committed", True)
    ]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
