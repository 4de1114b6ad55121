"""The dry run's parsed rows, kept for the confirmation that follows it.

An import is always checked first and confirmed afterwards, usually in another request and
another worker process. Reading and checking a 100,000-row sheet takes seconds; doing it again
on confirmation would double the wait. The dry run therefore stores its parsed rows on disk,
keyed by the file's bytes and by everything the parse depends on (units and their aliases,
themes, the year, the parser's code); the confirmation reuses them when all of that is
unchanged and parses again otherwise. Entries are plain marshal data written by this module
only, under MEDIA_ROOT (never served), and removed after use or after a day.
"""

import hashlib
import marshal
import os
import time
from pathlib import Path

from django.conf import settings

FORMAT = 1
MAX_AGE_SECONDS = 24 * 3600
_CODE = [
    Path(__file__).with_name(name)
    for name in ("task_import.py", "task_sheet.py", "report.py", "cells.py")
]


def _directory() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "parsed"


def file_digest(source) -> str:
    digest = hashlib.sha256()
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    else:
        source.seek(0)
        while chunk := source.read(1 << 20):
            digest.update(chunk)
        source.seek(0)
    return digest.hexdigest()


def key(*, file: str, context: object) -> str:
    """One key for this file under this catalog and this code."""
    code = [(str(p), p.stat().st_mtime_ns) for p in _CODE if p.exists()]
    blob = repr((FORMAT, file, context, code)).encode()
    return hashlib.sha256(blob).hexdigest()


def store(cache_key: str, payload) -> None:
    directory = _directory()
    directory.mkdir(parents=True, exist_ok=True)
    _prune(directory)
    temporary = directory / f"{cache_key}.{os.getpid()}.tmp"
    try:
        with open(temporary, "wb") as handle:
            marshal.dump(payload, handle)
        os.replace(temporary, directory / f"{cache_key}.bin")
    except OSError:
        # A full disk only costs speed here: the confirmation parses the file again.
        temporary.unlink(missing_ok=True)


def load(cache_key: str):
    path = _directory() / f"{cache_key}.bin"
    try:
        # One read, then loads: marshal.load on a file reads it a few bytes at a time,
        # eight times slower for a 100,000-row sheet.
        with open(path, "rb") as handle:
            return marshal.loads(handle.read())
    except (OSError, EOFError, ValueError, TypeError):
        return None


def discard(cache_key: str) -> None:
    (_directory() / f"{cache_key}.bin").unlink(missing_ok=True)


def _prune(directory: Path) -> None:
    cutoff = time.time() - MAX_AGE_SECONDS
    for path in directory.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass
