"""python manage.py restore: everything is checked first; a damaged backup writes nothing."""

import json
import shutil
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from tracker import backup, services
from tracker.models import Assignment, Evidence, StatusUpdate

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 64


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def make_backup(tmp_path) -> Path:
    out = tmp_path / "out"
    call_command("backup", str(out))
    return next(out.iterdir())


def report_with_photo(world, note):
    services.assignment_report(
        assignment=world.a_item,
        user=world.staff_a,
        note=note,
        files=[SimpleUploadedFile(f"{note}.png", PNG + note.encode(), content_type="image/png")],
    )


# --- the real thing, into the configured database -----------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_it_puts_back_the_database_and_the_files_as_they_were_at_the_backup(
    world, media, tmp_path, capsys
):
    report_with_photo(world, "备份前")
    evidence = Evidence.objects.get()
    made = make_backup(tmp_path)
    history = StatusUpdate.objects.count()
    report_with_photo(world, "备份后")
    services.assignment_submit(assignment=world.b_item, user=world.staff_b, note="备份后提交")
    (media / evidence.file.name).unlink()  # lost since: the restore must bring it back

    call_command("restore", str(made), "--yes")

    out = capsys.readouterr().out
    assert "校验和全部一致" in out and "恢复完成" in out and "行数核对一致" in out
    assert StatusUpdate.objects.count() == history
    assert not StatusUpdate.objects.filter(note__startswith="备份后").exists()
    assert Assignment.objects.get(pk=world.b_item.pk).status == "not_started"
    restored = Evidence.objects.get()
    assert backup.sha256_file(media / restored.file.name) == restored.sha256
    if connection.vendor == "sqlite":
        assert backup.sqlite_integrity(connection.settings_dict["NAME"]) == []
    # The restored database takes new work as before.
    services.assignment_report(assignment=world.b_item, user=world.staff_b, note="恢复后")
    assert StatusUpdate.objects.count() == history + 1


# --- refused before anything is written ---------------------------------------------------------


def change_a_byte(made: Path):
    path = made / json.loads((made / "manifest.json").read_text())["database"]["file"]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def remove_the_photo(made: Path):
    next((made / "media").rglob("*.png")).unlink()


def add_an_unknown_file(made: Path):
    (made / "media" / "evidence" / "extra.exe").write_bytes(b"MZ")


def truncate_the_manifest(made: Path):
    text = (made / "manifest.json").read_bytes()
    (made / "manifest.json").write_bytes(text[: len(text) // 2])


def remove_the_manifest(made: Path):
    (made / "manifest.json").unlink()


@pytest.mark.parametrize(
    "damage, message",
    [
        (change_a_byte, "校验和不符（内容被改动）：database"),
        (remove_the_photo, "缺少文件：media/evidence/"),
        (add_an_unknown_file, "清单之外的文件：media/evidence/extra.exe"),
        (truncate_the_manifest, "备份清单 manifest.json 不完整或已损坏"),
        (remove_the_manifest, "缺少备份清单 manifest.json"),
    ],
)
@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_damaged_backup_and_writes_nothing(world, media, tmp_path, damage, message):
    report_with_photo(world, "备份前")
    made = make_backup(tmp_path)
    report_with_photo(world, "备份后")
    history = StatusUpdate.objects.count()
    media_before = sorted(p.relative_to(media) for p in media.rglob("*"))
    damage(made)

    with pytest.raises(CommandError, match="拒绝恢复") as refused:
        call_command("restore", str(made), "--yes")

    assert message in str(refused.value)
    assert StatusUpdate.objects.count() == history
    assert StatusUpdate.objects.filter(note="备份后").exists()
    assert sorted(p.relative_to(media) for p in media.rglob("*")) == media_before


def edit_manifest(made: Path, change):
    manifest = json.loads((made / "manifest.json").read_text(encoding="utf-8"))
    change(manifest)
    backup.write_manifest(made, manifest)


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_backup_of_the_other_database_engine(world, media, tmp_path):
    made = make_backup(tmp_path)
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    edit_manifest(made, lambda m: m["database"].update(engine=other))
    history = StatusUpdate.objects.count()
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    expected = f"这是 {names[other]} 数据库的备份，当前配置的是 {names[connection.vendor]}"
    with pytest.raises(CommandError, match=expected):
        call_command("restore", str(made), "--yes")
    assert StatusUpdate.objects.count() == history


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_backup_from_a_newer_version_of_the_program(world, media, tmp_path):
    made = make_backup(tmp_path)
    edit_manifest(made, lambda m: m["migrations"]["tracker"].append("0999_from_the_future"))
    with pytest.raises(CommandError, match="更新版本的程序.*tracker.0999_from_the_future"):
        call_command("restore", str(made), "--yes")


@pytest.mark.django_db(transaction=True)
def test_it_asks_before_overwriting_and_stops_unless_told_yes(world, media, tmp_path, monkeypatch):
    made = make_backup(tmp_path)
    report_with_photo(world, "备份后")
    history = StatusUpdate.objects.count()
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="已取消，没有写入任何数据"):
        call_command("restore", str(made))
    assert StatusUpdate.objects.count() == history


def test_a_missing_backup_directory_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="找不到备份目录"):
        call_command("restore", str(tmp_path / "nope"), "--yes")


# --- pure functions, no database ----------------------------------------------------------------


def fake_backup(root: Path) -> dict:
    (root / "media/evidence/scans").mkdir(parents=True)
    (root / "database.sqlite3").write_bytes(b"SQLite format 3\x00")
    (root / "media/evidence/scans/a.png").write_bytes(PNG)
    manifest = backup.build_manifest(
        root,
        engine="sqlite",
        database_file="database.sqlite3",
        media_files=["media/evidence/scans/a.png"],
        migrations={},
        counts={},
        app_version="v1",
        created_at=timezone.localtime(),
    )
    backup.write_manifest(root, manifest)
    return manifest


def test_an_intact_backup_has_no_problems(tmp_path):
    manifest = fake_backup(tmp_path)
    assert backup.check_files(tmp_path, manifest) == []


def test_a_file_of_another_size_is_named(tmp_path):
    manifest = fake_backup(tmp_path)
    (tmp_path / "media/evidence/scans/a.png").write_bytes(PNG[:-1])
    assert backup.check_files(tmp_path, manifest) == [
        f"文件大小不符：media/evidence/scans/a.png（清单 {len(PNG)} 字节，实际 {len(PNG) - 1} 字节）"
    ]


def test_a_manifest_path_leaving_the_backup_is_refused(tmp_path):
    manifest = fake_backup(tmp_path)
    manifest["files"].append({"path": "../../etc/passwd", "size": 1, "sha256": "0" * 64})
    backup.write_manifest(tmp_path, manifest)
    with pytest.raises(backup.BackupError, match=r"清单中的路径不安全：\.\./\.\./etc/passwd"):
        backup.verify_backup(tmp_path)


def test_a_manifest_of_something_else_is_refused(tmp_path):
    fake_backup(tmp_path)
    (tmp_path / "manifest.json").write_text('{"format": "other"}')
    with pytest.raises(backup.BackupError, match="不是本系统的备份清单"):
        backup.verify_backup(tmp_path)


def test_restoring_files_writes_missing_ones_and_keeps_others(tmp_path):
    manifest = fake_backup(tmp_path / "b")
    media = tmp_path / "media"
    (media / "evidence").mkdir(parents=True)
    (media / "evidence/later.png").write_bytes(b"uploaded after the backup")
    assert backup.restore_media(tmp_path / "b", manifest, media) == (1, 0)
    assert (media / "evidence/scans/a.png").read_bytes() == PNG
    assert (media / "evidence/later.png").exists()
    assert backup.restore_media(tmp_path / "b", manifest, media) == (0, 1)
    (media / "evidence/scans/a.png").write_bytes(b"damaged")
    assert backup.restore_media(tmp_path / "b", manifest, media) == (1, 0)
    assert (media / "evidence/scans/a.png").read_bytes() == PNG
    assert not list(media.rglob(".restore-*"))


def test_a_copied_backup_is_still_intact(tmp_path):
    manifest = fake_backup(tmp_path / "b")
    shutil.copytree(tmp_path / "b", tmp_path / "copy")
    assert backup.verify_backup(tmp_path / "copy") == manifest
