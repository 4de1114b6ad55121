"""gunicorn settings for a county server: `gunicorn -c gunicorn.conf.py tracker.wsgi`.

Every value can be overridden on the command line or in GUNICORN_CMD_ARGS; the bind address and
the worker count also from GUNICORN_BIND and WEB_CONCURRENCY.

Why threaded workers: with one request per process (the "sync" worker), three exports and an
import hold four of five workers and every other page waits in the listen queue behind them,
however short it is. Threads (gthread) accept the short pages while the long ones run; database
waits and the password check (Argon2, in C) release the GIL. The number of processes stays
gunicorn's usual 2 × cores + 1, so Python work is still spread over every core by the kernel,
and a CPU-heavy export shares its process with at most three other requests.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1))
worker_class = "gthread"
threads = 4
# A threaded worker's heartbeat comes from its main loop, not from the request, so a long import
# (100,000 rows take tens of seconds) is not killed by this; a worker stuck for this long is.
timeout = 120
graceful_timeout = 30
# Behind nginx on the same host: keep its connections open between requests.
keepalive = 5
# A fresh process now and then returns the memory a large import or export took.
max_requests = 2000
max_requests_jitter = 200
