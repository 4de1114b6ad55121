"""python manage.py restore keeps the live database until the restored one checks out."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

# The same backups and reports as the restore command's own tests.
from tests.test_restore_command import make_backup, report_with_photo
from tracker import backup
from tracker.models import StatusUpdate


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def edit_manifest(made: Path, change):
    manifest = json.loads((made / "manifest.json").read_text(encoding="utf-8"))
    change(manifest)
    backup.write_manifest(made, manifest)


def media_listing(media: Path):
    return sorted(p.relative_to(media) for p in media.rglob("*"))


def assert_live_data_kept(history, media, media_before):
    assert StatusUpdate.objects.count() == history
    assert StatusUpdate.objects.filter(note="备份后").exists()
    assert media_listing(media) == media_before
    if connection.vendor == "sqlite":
        assert backup.sqlite_integrity(connection.settings_dict["NAME"]) == []


@pytest.mark.django_db(transaction=True)
def test_a_backup_whose_rows_do_not_match_its_manifest_is_refused_and_the_newer_rows_stay(
    world, media, tmp_path
):
    report_with_photo(world, "备份前")
    made = make_backup(tmp_path)
    edit_manifest(made, lambda m: m["counts"].update(tracker_statusupdate=999))
    report_with_photo(world, "备份后")
    history = StatusUpdate.objects.count()
    media_before = media_listing(media)

    with pytest.raises(CommandError, match="tracker_statusupdate 应有 999 行") as refused:
        call_command("restore", str(made), "--yes")

    assert "未做任何改动" in str(refused.value)
    assert_live_data_kept(history, media, media_before)


@pytest.mark.django_db(transaction=True)
def test_a_truncated_database_file_with_a_matching_checksum_is_refused_in_plain_words(
    world, media, tmp_path
):
    report_with_photo(world, "备份前")
    made = make_backup(tmp_path)
    database_file = json.loads((made / "manifest.json").read_text())["database"]["file"]
    path = made / database_file
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])

    def fix_size_and_checksum(manifest):
        entry = next(e for e in manifest["files"] if e["path"] == database_file)
        entry.update(size=path.stat().st_size, sha256=backup.sha256_file(path))

    edit_manifest(made, fix_size_and_checksum)
    report_with_photo(world, "备份后")
    history = StatusUpdate.objects.count()
    media_before = media_listing(media)

    with pytest.raises(CommandError, match="备份中的数据库文件已损坏（.+），未做任何改动。"):
        call_command("restore", str(made), "--yes")

    assert_live_data_kept(history, media, media_before)


@pytest.mark.django_db(transaction=True)
def test_a_restore_that_fails_its_final_check_puts_the_live_database_back(
    world, media, tmp_path, monkeypatch
):
    made = make_backup(tmp_path)
    report_with_photo(world, "备份后")
    history = StatusUpdate.objects.count()
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL checks the counts inside the restore's own transaction")
    real_counts = backup.live_counts
    calls = []

    def counts_wrong_after_the_swap(db, tables):
        calls.append(db)
        counts = real_counts(db, tables)
        return {**counts, "tracker_statusupdate": -1}

    # The rows are checked in the copy first; make only the check of the live one fail.
    monkeypatch.setattr(backup, "live_counts", counts_wrong_after_the_swap)

    with pytest.raises(CommandError, match="恢复后核对不通过.*已恢复为恢复前的数据"):
        call_command("restore", str(made), "--yes")

    assert calls
    assert StatusUpdate.objects.count() == history
    assert StatusUpdate.objects.filter(note="备份后").exists()
