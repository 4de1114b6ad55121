from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils import timezone

from tracker.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "备份数据库和佐证材料到 DIR/backup-年月日-时分秒/：先取数据库快照（运行中也一致），"
        "再复制快照引用的佐证材料，并写出带校验和的清单 manifest.json。"
    )

    def add_arguments(self, parser):
        parser.add_argument("dir", help="备份存放目录，如 /srv/duban/backups")

    def handle(self, *args, dir, **options):
        db = connections["default"].settings_dict
        try:
            result = create_backup(
                Path(dir),
                db=db,
                media_root=Path(settings.MEDIA_ROOT),
                base_dir=Path(settings.BASE_DIR),
                now=timezone.localtime(),
                pg_bin_dir=getattr(settings, "BACKUP_PG_BIN_DIR", ""),
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"备份失败，没有留下不完整的备份：{exc}") from None
        manifest = result.manifest
        media = len(manifest["files"]) - 1
        size = sum(entry["size"] for entry in manifest["files"])
        counts = manifest["counts"]
        self.stdout.write(f"备份完成：{result.path}")
        self.stdout.write(
            f"  数据库 {manifest['database']['engine']}，责任分解 "
            f"{counts.get('tracker_assignment', 0)} 条，办理记录 "
            f"{counts.get('tracker_statusupdate', 0)} 条；佐证材料 {media} 个；"
            f"共 {size / 1024 / 1024:.1f} MB"
        )
        if result.missing_media:
            self.stderr.write(
                f"注意：数据库中有 {len(result.missing_media)} 个佐证材料在 MEDIA_ROOT 中找不到，"
                f"未能备份（已记入清单 missing_media），如：{result.missing_media[0]}"
            )
