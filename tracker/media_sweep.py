"""Evidence files that no row points at, and rows whose file is gone.

A report stores its files before the transaction that records them commits. When the commit
fails the service deletes the files itself, but a server killed (or a machine losing power)
between the two leaves files on disk that nothing refers to. They are harmless, never served
and never backed up, but they take space; this finds them for `manage.py sweep_evidence`.

Uploaded 任务分解表 and 填报表 wait under MEDIA_ROOT/imports for their 确认导入; one that is
never confirmed (the page closed, the session ended) stays there, and is swept the same way.

The filesystem part is plain Python over a directory; which names are referenced is asked of
the database by the caller, after the listing, so a row committed while the listing runs is
still seen.
"""

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

EVIDENCE_DIR = "evidence"
IMPORTS_DIR = "imports"  # workbooks parked for a preview until 确认导入 (tracker.views.excel)


@dataclass(frozen=True)
class StoredFile:
    name: str  # relative to MEDIA_ROOT with "/" separators, as FileField stores it
    size: int
    modified: float  # seconds since the epoch


def stored_files(
    media_root: Path, *, older_than: float, directory: str = EVIDENCE_DIR
) -> list[StoredFile]:
    """Every file under MEDIA_ROOT/<directory> last written before `older_than`, by name.

    Newer files are left out: an upload in progress has its file on disk seconds (for a slow
    phone, minutes) before its row commits, and a parked import waits for its confirmation.
    """
    root = Path(media_root) / directory
    found = []
    for directory, _dirs, files in os.walk(root):
        for file_name in files:
            path = Path(directory, file_name)
            try:
                facts = path.stat()
            except FileNotFoundError:  # removed while we walked
                continue
            if facts.st_mtime < older_than:
                name = path.relative_to(media_root).as_posix()
                found.append(StoredFile(name=name, size=facts.st_size, modified=facts.st_mtime))
    return sorted(found, key=lambda f: f.name)


def parked_imports(media_root: Path, *, older_than: float) -> list[StoredFile]:
    """Uploaded workbooks waiting under MEDIA_ROOT/imports since before `older_than`."""
    return stored_files(media_root, older_than=older_than, directory=IMPORTS_DIR)


def unreferenced(
    files: list[StoredFile],
    referenced: Callable[[list[str]], Iterable[str]],
    *,
    batch: int = 500,
) -> list[StoredFile]:
    """The files whose names `referenced` does not return; it is asked `batch` names at a time."""
    orphans = []
    for start in range(0, len(files), batch):
        chunk = files[start : start + batch]
        known = set(referenced([f.name for f in chunk]))
        orphans.extend(f for f in chunk if f.name not in known)
    return orphans


def missing(media_root: Path, names: Iterable[str]) -> list[str]:
    """Names of referenced files that are not on disk."""
    return [name for name in names if not (Path(media_root) / name).is_file()]


def remove(media_root: Path, files: Iterable[StoredFile]) -> tuple[int, int]:
    """Delete the files; returns (files removed, bytes freed). Already-gone files are skipped."""
    count = freed = 0
    for stored in files:
        try:
            (Path(media_root) / stored.name).unlink()
        except FileNotFoundError:
            continue
        count += 1
        freed += stored.size
    return count, freed
