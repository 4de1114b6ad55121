import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tracker import media_sweep
from tracker.models import Evidence

SHOWN = 10  # names listed in the report; the rest are counted


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


class Command(BaseCommand):
    help = (
        "检查佐证材料目录：列出没有任何办理记录引用的文件（服务器在保存过程中中断时留下的），"
        "以及数据库中引用但磁盘上找不到的文件；还列出上传后一直没有确认导入的"
        "任务分解表、填报表。加 --delete 才删除这些文件。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--delete",
            action="store_true",
            help="删除无引用的文件和未确认的导入文件（默认只列出，不删除）",
        )
        parser.add_argument(
            "--min-age-hours",
            type=float,
            default=24.0,
            help="只处理至少这么多小时以前写入的文件，避开正在上传的文件（默认 24）",
        )

    def handle(self, *args, delete, min_age_hours, **options):
        if min_age_hours < 1:
            # An upload from a slow phone can take minutes between the file and its row.
            raise CommandError("--min-age-hours 不能小于 1，以免删除正在上传的文件。")
        media_root = Path(settings.MEDIA_ROOT)
        files = media_sweep.stored_files(media_root, older_than=time.time() - min_age_hours * 3600)

        def referenced(names):
            return Evidence.objects.filter(file__in=names).values_list("file", flat=True)

        orphans = media_sweep.unreferenced(files, referenced)
        self.stdout.write(
            f"检查了 {len(files)} 个 {min_age_hours:g} 小时以前的佐证材料文件，"
            f"无引用 {len(orphans)} 个，共 {_mb(sum(f.size for f in orphans))}。"
        )
        for orphan in orphans[:SHOWN]:
            self.stdout.write(f"  {orphan.name}（{orphan.size} 字节）")
        if len(orphans) > SHOWN:
            self.stdout.write(f"  …… 另有 {len(orphans) - SHOWN} 个")

        names = Evidence.objects.values_list("file", flat=True).iterator(chunk_size=2000)
        gone = media_sweep.missing(media_root, names)
        if gone:
            self.stderr.write(
                f"注意：数据库中有 {len(gone)} 个佐证材料在磁盘上找不到，如：{gone[0]}。"
                "请从备份中恢复（manage.py restore）。"
            )

        cutoff = time.time() - min_age_hours * 3600
        parked = media_sweep.parked_imports(media_root, older_than=cutoff)
        if parked:
            self.stdout.write(
                f"上传后超过 {min_age_hours:g} 小时仍未确认的导入文件 {len(parked)} 个，"
                f"共 {_mb(sum(f.size for f in parked))}。"
            )
            for stale in parked[:SHOWN]:
                self.stdout.write(f"  {stale.name}（{stale.size} 字节）")
            if len(parked) > SHOWN:
                self.stdout.write(f"  …… 另有 {len(parked) - SHOWN} 个")

        if not orphans and not parked:
            return
        if not delete:
            self.stdout.write("未删除任何文件；确认后加 --delete 重新运行。")
            return
        if orphans:
            count, freed = media_sweep.remove(media_root, orphans)
            self.stdout.write(
                self.style.SUCCESS(f"已删除 {count} 个无引用文件，释放 {_mb(freed)}。")
            )
        if parked:
            count, freed = media_sweep.remove(media_root, parked)
            self.stdout.write(
                self.style.SUCCESS(f"已删除 {count} 个未确认的导入文件，释放 {_mb(freed)}。")
            )
