"""bench/load.py at tiny scale: the real server under a little load, then stopped."""

import importlib.util
import json
import os
import random
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_module():
    spec = importlib.util.spec_from_file_location("bench_load", ROOT / "bench/load.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_random_arrivals_bring_every_person_in_once_within_the_window_in_order():
    times = load_module().arrival_times("poisson", 200, 48.0, random.Random(1))
    assert len(times) == 200
    assert times == sorted(times)
    assert 0 <= times[0] and times[-1] <= 48.0
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    # Independent arrivals: some come together, some seconds see nobody, unlike even spacing.
    assert min(gaps) < 0.24 / 10 and max(gaps) > 0.24 * 3


def test_even_arrivals_are_spaced_equally_and_a_burst_is_everyone_at_once():
    module = load_module()
    assert module.arrival_times("uniform", 4, 8.0, random.Random(1)) == [0.0, 2.0, 4.0, 6.0]
    assert module.arrival_times("burst", 3, 8.0, random.Random(1)) == [0.0, 0.0, 0.0]


@pytest.fixture(scope="module")
def tiny_run():
    """One tiny run of the script, its import included, for the tests below: each run builds
    a fresh database with the demo county, which costs far more than the load itself."""
    command = [sys.executable, str(ROOT / "bench/load.py"), "--db", "sqlite"]
    command += ["--users", "5", "--duration", "4", "--rate", "10", "--with-import", "30"]
    # Its own process group: if anything goes wrong, the script and its gunicorn die together.
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        process_group=0,
    )
    try:
        out, err = proc.communicate(timeout=900)  # a guard against a hang, not a speed goal
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out)["runs"][0]


def test_the_load_script_runs_without_server_errors_and_stops_its_server(tiny_run):
    run = tiny_run
    assert run["db"] == "sqlite"
    assert run["server_errors"] == 0 and run["transport_errors"] == 0, run["status_counts"]
    assert run["logins"] >= 1
    assert run["requests"] == sum(run["status_counts"].values()) > 0
    overall = run["latency"]["overall"]
    assert set(overall) == {"count", "p50_ms", "p95_ms", "p99_ms", "max_ms"}
    assert 0 < overall["p50_ms"] <= overall["p95_ms"] <= overall["p99_ms"] <= overall["max_ms"]
    assert {"task_list", "task_detail", "login"} <= set(run["latency"])
    # The server is gone: its master process and its port.
    with pytest.raises(ProcessLookupError):
        os.kill(run["server"]["pid"], 0)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", run["server"]["port"]), timeout=1).close()


def test_the_load_script_confirms_its_import_so_the_rows_are_written(tiny_run):
    imported = tiny_run["import"]
    # The sheet has deadlines from months ago: the office ticks 已核对 and the import is
    # written, so "latency during the import" is that of a real import, not of a refusal.
    assert imported["committed"], imported
    assert imported["confirm_status"] == 302
