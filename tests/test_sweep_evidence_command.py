"""python manage.py sweep_evidence: files a crash left without a row are found, and only those."""

import io
import os
import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from tracker import media_sweep, services
from tracker.models import Evidence

PDF = b"%PDF-1.4\n" + b"0" * 4000 + b"\n%%EOF\n"
DAY = 24 * 3600


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def age(path: Path, seconds: float) -> Path:
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def left_by_a_crash(media, name: str, *, hours_ago: float) -> Path:
    """What a server killed between writing the file and committing its row leaves behind."""
    month = f"{timezone.localdate():%Y/%m}"  # where uploads of this month are stored
    saved = default_storage.save(f"evidence/{month}/{name}", ContentFile(PDF))
    return age(Path(media) / saved, hours_ago * 3600)


def reported(world) -> Evidence:
    services.assignment_report(
        assignment=world.a_item,
        user=world.staff_a,
        note="附整改照片",
        files=[SimpleUploadedFile("现场.pdf", PDF, content_type="application/pdf")],
    )
    evidence = Evidence.objects.get()
    age(Path(evidence.file.path), 3 * DAY)  # old enough to be looked at
    return evidence


def sweep(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("sweep_evidence", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_without_delete_the_orphans_are_listed_and_nothing_is_removed(world, media):
    evidence = reported(world)
    orphan = left_by_a_crash(media, "orphan.pdf", hours_ago=30)
    out, err = sweep()
    assert "无引用 1 个" in out
    assert f"evidence/{world.today:%Y/%m}/orphan.pdf" in out
    assert evidence.file.name not in out
    assert "未删除任何文件" in out and err == ""
    assert orphan.exists() and Path(evidence.file.path).exists()


def test_delete_removes_the_old_orphans_and_keeps_every_referenced_file(login, world, media):
    evidence = reported(world)
    orphan = left_by_a_crash(media, "orphan.pdf", hours_ago=30)
    uploading = left_by_a_crash(media, "uploading.pdf", hours_ago=0.1)
    out, _ = sweep("--delete")
    assert "已删除 1 个无引用文件" in out
    assert not orphan.exists()
    assert uploading.exists()  # may still be an upload whose row is about to commit
    response = login(world.staff_a).get(reverse("evidence_download", args=[evidence.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_the_age_limit_can_be_lowered_but_not_below_an_hour(world, media):
    recent = left_by_a_crash(media, "recent.pdf", hours_ago=2)
    out, _ = sweep("--delete")
    assert "无引用 0 个" in out and recent.exists()
    sweep("--delete", "--min-age-hours", "1.5")
    assert not recent.exists()
    with pytest.raises(CommandError, match="不能小于 1"):
        sweep("--delete", "--min-age-hours", "0.1")


def test_a_referenced_file_missing_from_disk_is_reported(world, media):
    evidence = reported(world)
    Path(evidence.file.path).unlink()
    out, err = sweep("--delete")
    assert "无引用 0 个" in out
    assert "1 个佐证材料在磁盘上找不到" in err and evidence.file.name in err
    assert Evidence.objects.filter(pk=evidence.pk).exists()


def test_an_empty_or_absent_evidence_directory_is_fine(db, media):
    out, err = sweep("--delete")
    assert "检查了 0 个" in out and "无引用 0 个" in out and err == ""


def test_names_are_checked_against_the_database_in_batches(tmp_path):
    root = tmp_path / "media"
    for name in "abcde":
        path = root / "evidence" / f"{name}.pdf"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * 3)
        # Written an hour ago by the test's clock: the disk stamps real time, which can be
        # ahead of the frozen clock's 10:00.
        an_hour_ago = time.time() - 3600
        os.utime(path, (an_hour_ago, an_hour_ago))
    files = media_sweep.stored_files(root, older_than=time.time() + 60)
    asked = []

    def referenced(names):
        asked.append(names)
        return [n for n in names if n in {"evidence/b.pdf", "evidence/e.pdf"}]

    orphans = media_sweep.unreferenced(files, referenced, batch=2)
    assert [f.name for f in orphans] == ["evidence/a.pdf", "evidence/c.pdf", "evidence/d.pdf"]
    assert [len(names) for names in asked] == [2, 2, 1]
    assert media_sweep.remove(root, orphans) == (3, 9)
    assert sorted(p.name for p in (root / "evidence").iterdir()) == ["b.pdf", "e.pdf"]


# --- uploaded workbooks never confirmed -----------------------------------------------------------


def parked_import(media, *, hours_ago: float) -> Path:
    """A 任务分解表 or 填报表 uploaded for a preview whose 确认导入 never came."""
    saved = default_storage.save(f"imports/{os.urandom(16).hex()}.xlsx", ContentFile(b"PK\x03\x04"))
    return age(Path(media) / saved, hours_ago * 3600)


def test_unconfirmed_imports_older_than_a_day_are_listed_and_kept_without_delete(db, media):
    old = parked_import(media, hours_ago=30)
    recent = parked_import(media, hours_ago=2)

    out, err = sweep()

    assert "仍未确认的导入文件 1 个" in out
    assert f"imports/{old.name}" in out and recent.name not in out
    assert "未删除任何文件" in out and err == ""
    assert old.exists() and recent.exists()


def test_delete_removes_unconfirmed_imports_past_the_age_limit_only(db, media):
    old = parked_import(media, hours_ago=30)
    recent = parked_import(media, hours_ago=2)
    fresh = parked_import(media, hours_ago=0)

    out, _ = sweep("--delete", "--min-age-hours", "1")

    assert "已删除 2 个未确认的导入文件" in out
    assert not old.exists() and not recent.exists() and fresh.exists()
