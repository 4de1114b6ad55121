import json
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from checklist.extract import SpeechFileError, extract_directives, read_speech
from tracker.unit_refs import unit_refs

# A speech is a few hundred KB at most; this bounds memory for a mistaken argument.
MAX_BYTES = 50 * 1024 * 1024


class Command(BaseCommand):
    help = "从讲话稿（.txt 或 .docx）中提取部署要求，列出位置、领域、单位、完成时限和数量目标。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="讲话稿文件（.txt：UTF-8 或 GBK；.docx）")
        parser.add_argument("--json", action="store_true", dest="as_json", help="以 JSON 列表输出")
        parser.add_argument("--date", help="讲话日期 YYYY-MM-DD，用于换算“本月底前”等时限")

    def handle(self, *args, file, as_json=False, **options):
        speech_date = _parse_date(options.get("date"))
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}")
        if path.stat().st_size > MAX_BYTES:
            raise CommandError(f"文件过大（超过 50 MB）：{file}")
        try:
            text = read_speech(path.read_bytes(), path.name)
        except SpeechFileError as exc:
            raise CommandError(f"{path.name}：{exc}") from exc
        found = extract_directives(text, speech_date=speech_date, units=unit_refs())
        if as_json:
            self.stdout.write(
                json.dumps([_as_dict(d) for d in found], ensure_ascii=False, indent=2)
            )
            return
        if not found:
            self.stdout.write("没有找到部署要求。")
            return
        for number, d in enumerate(found, 1):
            self.stdout.write(_block(number, d))
        self.stdout.write(f"共 {len(found)} 条部署要求。")


def _parse_date(value: str | None):
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"日期格式不对：{value}，应为 YYYY-MM-DD，例如 2024-03-16。") from exc


def _as_dict(d) -> dict:
    return {
        "start": d.start,
        "end": d.end,
        "text": d.text,
        "part": d.part,
        "heading_path": list(d.heading_path),
        "themes": d.themes,
        # Every party named as responsible, as written, with the unit it matched or null.
        "units": [
            {"name": a.name, "unit": a.unit, "group": a.group, "role": a.role} for a in d.actors
        ],
        # Units named anywhere in the sentence (also as the addressee of a report), by key.
        "named_units": d.units,
        "groups": d.unit_groups,
        "deadline": d.deadline.isoformat() if d.deadline else None,
        "deadline_phrase": d.deadline_phrase,
        "immediate": d.immediate,
        "target": (
            {"quantity": float(d.target_quantity), "unit": d.target_unit}
            if d.target_quantity is not None
            else None
        ),
    }


_GROUP_NAMES = {"township": "各乡镇（街道）", "department": "各部门", "enterprise": "企业"}
_ROLE_NAMES = {"lead": "牵头", "responsible": "责任", "cooperate": "配合"}


def _actor(a) -> str:
    matched = a.unit or _GROUP_NAMES.get(a.group or "", "") or "未对应单位"
    shown = a.name if matched == a.name else f"{a.name}→{matched}"
    return f"{shown}（{_ROLE_NAMES.get(a.role, a.role)}）"


def _block(number: int, d) -> str:
    where = []
    if d.part:
        where.append(f"第{d.part}篇")
    where.extend(d.heading_path)
    units = list(d.units) + [_GROUP_NAMES[g] for g in d.unit_groups]
    if d.deadline:
        due = f"{d.deadline.isoformat()}（{d.deadline_phrase}）"
    elif d.deadline_phrase:
        due = f"{d.deadline_phrase}（未给讲话日期，无法换算）"
    else:
        due = "—"
    if d.immediate:
        due += " 立即办理"
    target = f"{d.target_quantity.normalize():f} {d.target_unit}" if d.target_quantity else "—"
    return "\n".join(
        [
            f"#{number} [{d.start}–{d.end}] {' > '.join(where) or '（无标题）'}",
            f"  {d.text}",
            f"  领域：{'、'.join(d.themes)}",
            f"  单位：{'、'.join(units) or '—'}",
            f"  责任方：{'、'.join(_actor(a) for a in d.actors) or '—'}",
            f"  时限：{due}",
            f"  目标：{target}",
            "",
        ]
    )
