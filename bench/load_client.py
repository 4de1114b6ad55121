"""The load test's tools: a small asyncio HTTP/1.1 client that records every request, latency
percentiles, and CPU accounting from /proc. Used by bench/load.py; standard library only."""

import asyncio
import os
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

HOST = "127.0.0.1"


# --- a small HTTP/1.1 client --------------------------------------------------------------------


class Response:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers if k == name), "")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def _dechunk(body: bytes) -> bytes:
    out, pos = bytearray(), 0
    while True:
        end = body.index(b"\r\n", pos)
        size = int(body[pos:end].split(b";")[0], 16)
        if size == 0:
            return bytes(out)
        out += body[end + 2 : end + 2 + size]
        pos = end + 2 + size + 2


async def fetch(port: int, method: str, path: str, *, headers: dict, body: bytes) -> Response:
    """One request on its own connection (gunicorn's sync workers close it anyway)."""
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await writer.drain()
        data = await reader.read()
    finally:
        writer.close()
    head, _, payload = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parsed = []
    for line in header_lines:
        name, _, value = line.partition(":")
        parsed.append((name.strip().lower(), value.strip()))
    response = Response(int(status_line.split()[1]), parsed, payload)
    if response.header("transfer-encoding").lower() == "chunked":
        response.body = _dechunk(payload)
    return response


def multipart(fields: dict, files: dict | None = None) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + str(value).encode()
            + b"\r\n"
        )
    for name, (filename, content, ctype) in (files or {}).items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {ctype}\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    return b"".join(
        parts
    ) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


class Stats:
    def __init__(self):
        self.start = time.monotonic()
        # (endpoint, started at [s since start], latency [s], status or error name)
        self.records: list[tuple[str, float, float, int | str]] = []


class Client:
    """One browser: its cookies, and every request it makes recorded in the shared Stats."""

    def __init__(self, port: int, stats: Stats, timeout: float):
        self.port, self.stats, self.timeout = port, stats, timeout
        self.cookies: dict[str, str] = {}

    @property
    def csrf(self) -> str:
        return self.cookies.get("csrftoken", "")

    async def request(self, endpoint, method, path, *, data=None, files=None, timeout=None):
        # As behind the TLS-terminating proxy of a real deployment (SECURE_PROXY_SSL_HEADER).
        headers = {"X-Forwarded-Proto": "https"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = b""
        if method == "POST":
            if files is not None:
                body, ctype = multipart(data or {}, files)
            else:
                body, ctype = urlencode(data or {}).encode(), "application/x-www-form-urlencoded"
            headers["Content-Type"] = ctype
            headers["Origin"] = f"https://{HOST}:{self.port}"  # CSRF checks it over HTTPS
        started = time.monotonic()
        try:
            response = await asyncio.wait_for(
                fetch(self.port, method, path, headers=headers, body=body),
                timeout or self.timeout,
            )
        except TimeoutError:
            outcome, response = "timeout", None
        except (OSError, ValueError, IndexError) as exc:
            outcome, response = type(exc).__name__, None
        else:
            outcome = response.status
            for name, value in response.headers:
                if name == "set-cookie":
                    cookie = value.split(";", 1)[0]
                    key, _, val = cookie.partition("=")
                    if val in ("", '""'):
                        self.cookies.pop(key, None)
                    else:
                        self.cookies[key] = val
        self.stats.records.append(
            (endpoint, started - self.stats.start, time.monotonic() - started, outcome)
        )
        return response


# --- CPU: how busy the server and the whole host were -------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def _process_tree(pid: int) -> list[int]:
    pids, queue = [], [pid]
    while queue:
        current = queue.pop()
        pids.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            children = []
        queue += [int(c) for c in children]
    return pids


def cpu_sample(server_pid: int) -> dict:
    """CPU seconds used so far by gunicorn (master and workers) and by the whole host."""
    server = 0.0
    for pid in _process_tree(server_pid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        server += (int(fields[11]) + int(fields[12])) / TICK  # utime, stime
    host = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = host[3] + host[4]  # idle, iowait
    return {"server": server, "busy": (sum(host) - idle) / TICK, "all": sum(host) / TICK}


def cpu_usage(before: dict, after: dict, elapsed: float) -> dict:
    total = after["all"] - before["all"]
    return {
        "server_cpu_s": round(after["server"] - before["server"], 1),
        "server_cores": round((after["server"] - before["server"]) / elapsed, 2),
        "host_busy_pct": round(100 * (after["busy"] - before["busy"]) / total, 1)
        if total
        else None,
    }


# --- numbers ------------------------------------------------------------------------------------


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return 0.0
    rank = max(1, int(-(-q * len(sorted_values) // 100)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def latency(records) -> dict:
    values = sorted(r[2] * 1000 for r in records)
    if not values:
        return {"count": 0}
    return {
        "count": len(values),
        "p50_ms": round(percentile(values, 50), 1),
        "p95_ms": round(percentile(values, 95), 1),
        "p99_ms": round(percentile(values, 99), 1),
        "max_ms": round(values[-1], 1),
    }
