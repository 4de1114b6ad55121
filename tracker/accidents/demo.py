"""The demo county's 事故台账 and 控制指标: a handful of accidents over the demo year up to
today, one of them a 较大事故 with 3 deaths in 大岭镇 (so that township's assessment shows a
一票否决), one voided as a duplicate, and a 控制指标 for every township and department.
Dated from `today`; a second run adds nothing.

Call it from load_demo after the registers' demo (accidents name their enterprises):
    from tracker.accidents import demo as accident_demo
    accident_demo.load(today, year=plan)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tracker.accidents import services
from tracker.accidents.models import Accident, ControlIndicator
from tracker.demo_calendar import plan_year
from tracker.enterprises.models import Enterprise, Industry
from tracker.models import Unit, User

# The township whose 较大事故 the assessment's demo 一票否决 rests on.
LARGE_TOWNSHIP = "大岭镇"


@dataclass(frozen=True)
class Spec:
    share: float  # where in the year so far it happened (0 = 1 January, 1 = today)
    township: str
    industry: str
    place: str
    level: str
    deaths: int
    injuries: int
    loss: str
    description: str
    state: str = "investigating"
    with_enterprise: bool = True


ACCIDENTS = [
    Spec(0.10, "平山街道", "交通运输", "平山大道与东江路交叉口", "general", 1, 2, "35",
         "一辆重型货车右转时与电动自行车相撞，电动自行车驾驶人经抢救无效死亡，2人受伤。",
         state="closed", with_enterprise=False),
    Spec(0.25, "白花镇", "建筑施工", "白花镇安置小区3号楼施工现场", "general", 1, 0, "120",
         "外墙脚手架作业人员未系安全带，从12层高处坠落死亡。"),
    Spec(0.40, LARGE_TOWNSHIP, "工贸", "厂区污水处理池", "large", 3, 2, "460",
         "企业组织人员清理污水处理池，未检测、未通风即进入有限空间作业，3人中毒窒息死亡，"
         "2名施救人员受伤。", state="reported"),
    Spec(0.55, "稔山镇", "人员密集场所", "场所内配电间", "general", 0, 1, "18",
         "配电间电气线路老化短路引发火灾，1名工作人员在扑救中轻微烧伤。"),
    Spec(0.70, "黄埠镇", "工贸", "冲裁车间", "general", 0, 1, "6",
         "冲裁机作业人员违规伸手取件，右手被模具压伤。", state="closed"),
    Spec(0.85, "河西镇", "九小场所", "河西镇圩镇一小餐馆", "general", 1, 0, "12",
         "餐馆液化石油气钢瓶胶管老化泄漏，遇明火爆燃，1人死亡。", with_enterprise=False),
]  # fmt: skip
# The one voided: the 平山街道 road accident entered twice.
DUPLICATE = 0


def _day(year: int, today: date, share: float) -> date:
    start = date(year, 1, 1)
    end = min(today, date(year, 12, 31))
    return start + timedelta(days=int((end - start).days * share))


def _township(name: str, townships: list[Unit]) -> Unit:
    for unit in townships:
        if unit.name == name:
            return unit
    return townships[0]  # a county without that name: its first township


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def load(today: date, *, year: int | None = None) -> int:
    """Build the accidents (once) and the missing 控制指标; returns the accidents written."""
    year = year or plan_year(today)
    with transaction.atomic():
        office = User.objects.filter(role=User.Role.OFFICE, is_active=True).order_by("pk").first()
        townships = list(
            Unit.objects.filter(kind=Unit.Kind.TOWNSHIP, active=True).order_by("sort_order", "name")
        )
        if office is None or not townships:
            return 0
        _indicators(office, year=year, townships=townships)
        if Accident.objects.exists():
            return 0
        industries = {i.name: i for i in Industry.objects.all()}
        written = 0
        for spec in ACCIDENTS:
            township = _township(spec.township, townships)
            industry = industries.get(spec.industry)
            enterprise = None
            if spec.with_enterprise and industry is not None:
                enterprise = (
                    Enterprise.objects.filter(township=township, industry=industry)
                    .order_by("pk")
                    .first()
                )
            day = _day(year, today, spec.share)
            at = _at(day, 16)
            accident = services.accident_record(
                user=office, occurred_on=day, place=spec.place, township=township,
                industry=industry, enterprise=enterprise, level=spec.level,
                deaths=spec.deaths, injuries=spec.injuries, direct_loss=Decimal(spec.loss),
                description=spec.description, today=today, at=min(at, timezone.now()),
            )  # fmt: skip
            written += 1
            if spec.state != Accident.State.INVESTIGATING:
                closed = min(day + timedelta(days=60), today)
                services.accident_edit(
                    user=office, accident=accident, state=spec.state,
                    closed_on=closed if spec.state == Accident.State.CLOSED else None,
                    note="调查报告已经县政府批复" if spec.state != "closed" else "责任追究落实，结案",
                    today=today, at=min(_at(closed, 10), timezone.now()),
                )  # fmt: skip
        first = ACCIDENTS[DUPLICATE]
        duplicate = services.accident_record(
            user=office, occurred_on=_day(year, today, first.share), place=first.place,
            township=_township(first.township, townships), industry=industries.get(first.industry),
            level=first.level, deaths=first.deaths, injuries=first.injuries,
            direct_loss=Decimal(first.loss), description=first.description, today=today,
        )  # fmt: skip
        services.accident_void(
            user=office, accident=duplicate, reason="与交警大队报送的同一起事故重复登记"
        )
        return written + 1


def _indicators(office: User, *, year: int, townships: list[Unit]) -> None:
    """Every township and department gets its 控制指标 for the year (those set are kept)."""
    have = set(ControlIndicator.objects.filter(year=year).values_list("unit_id", flat=True))
    departments = Unit.objects.filter(kind=Unit.Kind.DEPARTMENT, active=True).order_by(
        "sort_order", "name"
    )
    for index, unit in enumerate([*townships, *departments]):
        if unit.pk in have:
            continue
        if unit.kind == Unit.Kind.TOWNSHIP:
            # The 街道 and the industrial townships carry a little more.
            deaths, count = (2, 3) if index % 3 == 0 else (1, 2)
        else:
            # Departments answer for their industries across the county.
            deaths, count = 3, 4
        services.indicator_set(
            user=office, unit=unit, year=year, max_deaths=deaths, max_accidents=count,
            note="县安委会下达",
        )  # fmt: skip
