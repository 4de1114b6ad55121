"""gunicorn settings for a county server: `gunicorn -c gunicorn.conf.py tracker.wsgi`.

Every value can be overridden on the command line or in GUNICORN_CMD_ARGS; the bind address and
the worker count also from GUNICORN_BIND and WEB_CONCURRENCY.

Why threads: with one request per process (the "sync" worker), five sign-ins, an export and an
import hold all five workers of a 2-core server and every other page waits in the listen queue
behind them, however short it is. Threaded workers (gthread) accept those short pages while the
long ones run: a password check (Argon2, in C) and database waits release the GIL, and Python
work is shared out every few milliseconds instead of after a whole request. One process per
core keeps both cores busy; eight threads each cover sign-ins, exports and an import at once.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 2))
worker_class = "gthread"
threads = 8
# A threaded worker's heartbeat comes from its main loop, not from the request, so a long import
# (100,000 rows take tens of seconds) is not killed by this; a worker stuck for this long is.
timeout = 120
graceful_timeout = 30
# Behind nginx on the same host: keep its connections open between requests.
keepalive = 5
# A fresh process now and then returns the memory a large import or export took.
max_requests = 2000
max_requests_jitter = 200
