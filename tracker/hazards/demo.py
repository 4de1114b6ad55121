"""The demo county's 隐患台账: a year of hazards taken over from the registers' inspections,
a few on roads without an enterprise, a handful 重大 (one 挂牌督办 at county level), linked to
the 拉网式排查 task. Dated from `today` and drawn from a seeded generator; a second run on a
database that already has hazards adds nothing.

Call it from load_demo after the registers' demo (it reads their inspections):
    from tracker.hazards import demo as hazard_demo
    hazard_demo.load(today)
"""

import random
import struct
import zlib
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from checklist.models import ChecklistItem
from tracker.enterprises.models import Enterprise, InspectionHazard
from tracker.hazards.models import Hazard, HazardChange, HazardPhoto
from tracker.models import Unit, User
from tracker.services import remove_files, store_upload

MAX_FROM_INSPECTIONS = 400
MAJORS = [
    ("危险化学品储存场所未设置可燃气体报警装置", "《危险化学品企业重大事故隐患判定标准》第九条"),
    ("煤矿井下作业地点瓦斯超限仍继续作业", "《煤矿重大事故隐患判定标准》第六条"),
    ("涉爆粉尘作业场所除尘系统未采取防爆措施", "《工贸企业重大事故隐患判定标准》第十二条"),
    ("烟花爆竹仓库超量储存", "《烟花爆竹生产经营单位重大事故隐患判定标准》第四条"),
    ("液氨制冷车间未设置氨气泄漏报警装置", "《工贸企业重大事故隐患判定标准》第十七条"),
]
ROADS = ["村道急弯无警示标志", "桥梁护栏缺失", "临水路段无防护栏", "学校门口无减速带"]
MEASURES = ["更换过期灭火器并登记检查", "清理疏通安全通道", "重新敷设接地线并检测",
            "完善安全警示标识", "修订操作规程并组织培训", "更换老化电线", "加装防护罩"]  # fmt: skip
SIGNERS = ["陈明", "李华", "张伟", "王芳", "刘洋"]
# A share of the open hazards carry a photo of the scene; every closed one has both.
PHOTO_SHARE = 0.3


def _task() -> ChecklistItem | None:
    items = ChecklistItem.objects.filter(title__contains="拉网式排查").order_by("-start_date")
    return items.first() or ChecklistItem.objects.filter(title__contains="排查").first()


def load(today: date, rng: random.Random | None = None) -> int:
    """Build the register once; returns the number of hazards written."""
    rng = rng or random.Random("hazards")
    with transaction.atomic():
        if Hazard.objects.exists():
            return 0
        office = User.objects.filter(role=User.Role.OFFICE, is_active=True).order_by("pk").first()
        if office is None:
            return 0
        task = _task()
        found = list(
            InspectionHazard.objects.filter(
                inspection__inspected_on__gte=today - timedelta(days=365),
                inspection__inspected_on__lte=today,
            )
            .select_related("inspection__enterprise__industry", "inspection__member")
            .order_by("pk")
        )
        rng.shuffle(found)
        rows: list[tuple[Hazard, list]] = []
        for item in found[:MAX_FROM_INSPECTIONS]:
            e = item.inspection.enterprise
            hazard = _base(e, item.inspection.inspected_on, item.description, rng, task)
            hazard.inspection_hazard = item
            hazard.source = "grid" if item.inspection.member_id else "department"
            rows.append((hazard, _progress(hazard, today, rng)))
        for township in Unit.objects.filter(kind=Unit.Kind.TOWNSHIP, active=True):
            for text in rng.sample(ROADS, 2):
                day = today - timedelta(days=rng.randint(5, 300))
                hazard = _base(None, day, text, rng, task, township=township)
                rows.append((hazard, _progress(hazard, today, rng)))
        rows += _majors(today, rng, task)
        now = timezone.now()
        for hazard, _ in rows:
            hazard.recorded_by, hazard.created_at, hazard.updated_at = office, now, now
        Hazard.objects.bulk_create([h for h, _ in rows], batch_size=500)
        HazardChange.objects.bulk_create(
            [
                HazardChange(
                    hazard=h,
                    author=office,
                    kind=kind,
                    from_state=a,
                    to_state=b,
                    note=note,
                    created_at=now,
                )  # fmt: skip
                for h, steps in rows
                for kind, a, b, note in steps
            ],
            batch_size=1000,
        )
        _photos([h for h, _ in rows], office, rng, now)
        return len(rows)


def png(width: int, height: int, colour: tuple[int, int, int], stripe: tuple[int, int, int]):
    """A small PNG made here (no imaging library): a plain colour with a diagonal stripe, so a
    before and an after photo look different on the hazard's page."""
    lines = []
    for y in range(height):
        row = bytearray([0])  # filter type 0 for each scanline
        for x in range(width):
            row += bytes(stripe if abs(x - y * width // height) < 3 else colour)
        lines.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(lines), 9)) + chunk(b"IEND", b"")
    )  # fmt: skip


BEFORE = png(48, 36, (176, 64, 48), (240, 200, 60))  # red scene, yellow warning stripe
AFTER = png(48, 36, (56, 142, 60), (230, 240, 230))  # green scene, white stripe


def _photos(hazards: list[Hazard], office: User, rng, now) -> None:
    """整改前 photos on a share of the hazards and on every closed one, 整改后 on every closed one,
    stored as uploads are (the core's store_upload); the files go again if the load fails."""
    written: list[str] = []
    try:
        for h in hazards:
            closed = h.state == Hazard.State.CLOSED
            stages = [("before", BEFORE)] if closed or rng.random() < PHOTO_SHARE else []
            if closed:
                stages.append(("after", AFTER))
            for stage, data in stages:
                name = f"{h.number}-{'整改前' if stage == 'before' else '整改后'}.png"
                photo = HazardPhoto(hazard=h, stage=stage, uploaded_by=office, uploaded_at=now)
                upload = SimpleUploadedFile(name, data, content_type="image/png")
                store_upload(row=photo, upload=upload, written=written, what="a demo photo")
    except BaseException:
        remove_files(HazardPhoto._meta.get_field("file").storage, written)
        raise


def _base(e: Enterprise | None, day, text, rng, task, *, township=None) -> Hazard:
    township = e.township if e else township
    return Hazard(
        enterprise=e, township=township, grid_id=e.grid_id if e else None,
        industry=e.industry if e else None,
        supervisor_id=(e.supervisor_id or e.industry.supervisor_id) if e else None,
        rectifier=None if e else township, found_on=day, source="grid",
        location="" if e else f"{township.name}辖区", description=text,
        category=rng.choice(["site", "site", "basic"]), level="general",
        task=task if task and task.start_date and day >= task.start_date else None,
    )  # fmt: skip


def _plan(h: Hazard, rng) -> None:
    h.measures = rng.choice(MEASURES)
    h.responsible = rng.choice(SIGNERS)
    h.funds = Decimal(rng.choice([0, 200, 500, 1500, 3000, 12000]))
    h.deadline = h.found_on + timedelta(days=rng.choice([7, 15, 30, 45]))
    h.contingency = "整改期间设置警戒，专人看护"


def _progress(h: Hazard, today: date, rng) -> list:
    """The hazard's states up to today, and its history rows."""
    age = (today - h.found_on).days
    steps = [("record", "", "pending", "")]
    roll = rng.random()
    if age <= 5 and roll < 0.6:
        return steps
    _plan(h, rng)
    steps.append(("plan", "pending", "fixing", f"措施：{h.measures}；责任人：{h.responsible}"))
    h.state = "fixing"
    done = h.found_on + timedelta(days=rng.randint(3, 40))
    if done > today or (age < 60 and roll < 0.25):
        if age > 90 and roll < 0.05:
            h.state, h.deferred_reason = "deferred", "需停产改造，待资金到位"
            h.interim_measures, h.deferred_reviewed_on = "限产运行，每日巡查", today
            steps.append(("defer", "fixing", "deferred", h.deferred_reason))
        return steps
    h.submitted_on = done
    steps.append(("submit", "fixing", "review", "已按措施整改"))
    h.state = "review"
    accepted = done + timedelta(days=rng.randint(0, 7))
    if accepted > today or roll > 0.97:
        return steps
    h.state, h.accepted_on, h.accepted_by = "closed", accepted, rng.choice(SIGNERS)
    h.accepted_unit = h.township if h.enterprise_id else None
    steps.append(("accept", "review", "closed", f"验收人：{h.accepted_by}"))
    return steps


def _majors(today: date, rng, task) -> list:
    enterprises = list(
        Enterprise.objects.filter(industry__name__in=["危险化学品", "煤矿", "工贸", "烟花爆竹"])
        .select_related("industry", "township")
        .order_by("pk")[:200]
    )
    if not enterprises:
        return []
    rows = []
    for index, (text, basis) in enumerate(MAJORS):
        e = rng.choice(enterprises)
        day = today - timedelta(days=rng.randint(20, 200))
        h = _base(e, day, text, rng, task)
        h.level, h.basis, h.source, h.category = "major", basis, "expert", "site"
        steps = [("record", "", "pending", "")]
        _plan(h, rng)
        h.deadline = h.found_on + timedelta(days=90)
        h.state = "fixing"
        steps.append(("plan", "pending", "fixing", f"措施：{h.measures}"))
        if index == 0:
            h.listing, h.listing_doc, h.listed_on = (
                "county",
                "县安委办督〔1〕号",
                day + timedelta(days=3),
            )
            h.deadline = max(today + timedelta(days=20), h.deadline)
            steps.append(("list", "fixing", "fixing", f"县级挂牌督办，督办单 {h.listing_doc}"))
        elif index in (1, 2) and day + timedelta(days=60) < today:
            h.state, h.submitted_on = "closed", day + timedelta(days=50)
            h.accepted_on, h.accepted_by = day + timedelta(days=55), "县应急管理局"
            steps.append(("submit", "fixing", "review", "已整改"))
            steps.append(("accept", "review", "closed", "行业监管部门验收合格"))
        rows.append((h, steps))
    return rows
