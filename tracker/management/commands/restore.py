from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.migrations.loader import MigrationLoader

from tracker.backup import (
    BackupError,
    check_restorable,
    model_tables,
    prepare_restore,
    restore_media,
    verify_backup,
)


class Command(BaseCommand):
    help = (
        "从 backup 命令生成的备份恢复数据库和佐证材料。先核对清单和每个文件的校验和，"
        "备份有任何损坏都拒绝恢复、不写入任何数据。恢复前请停止应用服务。"
    )

    def add_arguments(self, parser):
        parser.add_argument("backup_path", help="备份目录，如 backups/backup-20261122-223900")
        parser.add_argument("--yes", action="store_true", help="不再询问，直接覆盖当前数据")

    def handle(self, *args, backup_path, yes, **options):
        connection = connections["default"]
        db = connection.settings_dict
        root = Path(backup_path)
        if root.name == "manifest.json":
            root = root.parent
        loader = MigrationLoader(None, ignore_no_migrations=True)
        try:
            manifest = verify_backup(root)
            check_restorable(manifest, db=db, known_migrations=set(loader.disk_migrations))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        counts = manifest["counts"]
        # Our own connection must not hold the database open (or a transaction) meanwhile.
        connection.close()
        try:
            prepared = prepare_restore(
                root,
                manifest,
                db=db,
                tables=model_tables(),
                pg_bin_dir=getattr(settings, "BACKUP_PG_BIN_DIR", ""),
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"无法检查备份中的数据库（{exc}），未做任何改动。") from None
        try:
            self.stdout.write(
                f"备份完好：{manifest['created_at']}，"
                f"程序版本 {manifest.get('app_version') or '未知'}，"
                f"责任分解 {counts.get('tracker_assignment', 0)} 条，"
                f"办理记录 {counts.get('tracker_statusupdate', 0)} 条，"
                f"文件 {len(manifest['files'])} 个，校验和全部一致，数据库自检和行数核对通过。"
            )
            if not yes:
                answer = input(
                    f"将用该备份覆盖数据库「{db['NAME']}」和佐证材料目录，输入 yes 继续："
                )
                if answer.strip().lower() != "yes":
                    raise CommandError("已取消，没有写入任何数据。")
            connection.close()
            try:
                prepared.apply()
            except BackupError as exc:
                raise CommandError(str(exc)) from None
            except OSError as exc:
                raise CommandError(f"恢复数据库失败（{exc}），未做任何改动。") from None
        finally:
            prepared.cleanup()
        try:
            written, same = restore_media(root, manifest, Path(settings.MEDIA_ROOT))
        except (BackupError, OSError) as exc:
            raise CommandError(
                f"数据库已恢复，但写入佐证材料时出错：{exc}。请排除问题后重新运行本命令"
                "（重复运行是安全的）。"
            ) from None
        self.stdout.write(
            f"恢复完成：数据库已替换为备份内容，行数核对一致；佐证材料写入 {written} 个，"
            f"已存在且一致 {same} 个。"
        )
        loader = MigrationLoader(connection, ignore_no_migrations=True)
        pending = set(loader.disk_migrations) - set(loader.applied_migrations)
        if pending:
            self.stdout.write(
                f"备份来自较早的版本，还有 {len(pending)} 个数据库迁移未执行，"
                "请运行 python manage.py migrate。"
            )
