"""The demo county's registers: about a thousand enterprises of the kinds the seed speeches name,
a grid tree for every township, a demo 网格员, a year of inspections and 标准化 records.

What the speeches describe: 河西镇 (the town of the first speech) has its 地方煤矿, 化工 and 砖厂
and builds a 皮革产业基地; every township has 危化 (加油站), 烟花爆竹 shops, 工贸 workshops,
人员密集场所 and many 九小场所. Everything is drawn from a seeded random generator and dated
from `today`, so the county looks the same on the same day of any year; `load` on a database
that already has enterprises adds nothing (the register is then the county's own).
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from checklist.models import ChecklistItem
from tracker import demo_calendar
from tracker.enterprises import credit_code
from tracker.enterprises.industries import ensure_industries
from tracker.enterprises.measures import STANDARDIZED as STANDARDIZED_MEASURE
from tracker.enterprises.models import (
    Enterprise,
    Grid,
    GridMember,
    Industry,
    Inspection,
    InspectionHazard,
    Standardization,
)
from tracker.enterprises.periods import quarter_of
from tracker.enterprises.services import standardization_create
from tracker.measuring import measure_item
from tracker.models import Unit, User

SEED_TOWN = "河西镇"  # the town whose 镇长 gave the first seed speech
GRID_ACCOUNT = "wanggeyuan1"
REGION = "441323"

SURNAMES = "陈李黄张刘林王吴杨叶钟曾罗邓蔡温谢何郑赖朱徐周"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文辉玉兰海燕"
BRANDS = "鑫宏盛华兴达利丰源泰祥隆发顺恒福金永昌荣旺嘉安俊德"
VILLAGE_ROOTS = ["塘", "岭", "坑", "湖", "山", "田", "围", "洞", "坪", "寨", "墩", "溪", "埔", "陂"]
VILLAGE_HEADS = ["东", "西", "南", "北", "新", "老", "上", "下", "大", "小", "高", "长", "石", "白"]
PRODUCTS = ["五金制品", "塑料制品", "家具", "鞋业", "印刷", "食品", "纺织", "电子", "建材",
            "陶瓷", "包装", "木业", "服装", "机械"]  # fmt: skip
NINE_SMALL = ["小吃店", "便利店", "网吧", "旅馆", "美发店", "快餐店", "幼儿园", "诊所", "歌舞厅",
              "早餐店", "小卖部", "洗浴中心", "粮油店"]  # fmt: skip
HAZARDS = {
    "煤矿": ["井下局部通风机未挂牌管理", "瓦斯检查记录不全", "采区防尘管路未延伸到位"],
    "非煤矿山": ["边坡未设置安全警示标志", "爆破器材台账不清", "运输道路无挡车设施"],
    "危险化学品": ["卸油口静电接地线损坏", "储罐区可燃气体报警器未检定", "应急预案未演练"],
    "烟花爆竹": ["店内超量存放烟花爆竹", "销售点与居住场所未分隔", "未配备灭火器"],
    "工贸": [
        "配电箱无漏电保护",
        "机械传动部位无防护罩",
        "粉尘作业场所未除尘",
        "安全出口堆放杂物",
        "有限空间作业无审批",
    ],  # fmt: skip
    "建筑施工": ["脚手架连墙件缺失", "临边防护不到位", "塔吊限位器失灵"],
    "交通运输": ["车辆动态监控未落实", "驾驶员未参加安全教育"],
    "人员密集场所": ["疏散通道堵塞", "应急照明损坏", "消防控制室无人值守"],
    "九小场所": ["灭火器过期", "电线私拉乱接", "住宿与经营场所未分隔", "液化气瓶无减压阀"],
    "其他": ["安全管理制度未上墙"],
}
# Per township: how many enterprises of each industry (the seed town adds its own below).
PER_TOWNSHIP = [
    ("危险化学品", 5), ("烟花爆竹", 4), ("工贸", 24), ("建筑施工", 3), ("交通运输", 3),
    ("人员密集场所", 6), ("九小场所", 36), ("其他", 2),
]  # fmt: skip
SEED_TOWN_EXTRA = [("煤矿", 8), ("非煤矿山", 5), ("危险化学品", 6), ("工贸", 20)]
SUPERVISORS = {
    "煤矿": "应急", "非煤矿山": "应急", "危险化学品": "应急", "烟花爆竹": "应急", "工贸": "应急",
    "其他": "应急", "建筑施工": "住房和城乡建设", "交通运输": "交通运输",
    "人员密集场所": "消防", "九小场所": "消防",
}  # fmt: skip
RISKS = {
    "煤矿": ["major", "larger"], "非煤矿山": ["larger", "general"],
    "危险化学品": ["larger", "general"], "烟花爆竹": ["larger", "general"],
    "工贸": ["general", "low", "low"], "建筑施工": ["larger", "general"],
    "交通运输": ["general"], "人员密集场所": ["general", "larger"],
    "九小场所": ["low", "low", "general"], "其他": ["low"],
}  # fmt: skip
STANDARDIZED = {"煤矿", "非煤矿山", "危险化学品", "烟花爆竹", "工贸"}


@dataclass
class Loaded:
    enterprises: int = 0
    grids: int = 0
    inspections: int = 0
    standardizations: int = 0
    account: str = GRID_ACCOUNT


def load(today: date, rng: random.Random | None = None, *, password: str = "") -> Loaded:
    """Build the registers once; a second run (any day) changes nothing but the account's
    password. Call inside the demo's transaction, after its units and accounts exist."""
    rng = rng or random.Random("registers")
    with transaction.atomic():
        ensure_industries()
        _supervisors()
        townships = list(Unit.objects.filter(kind=Unit.Kind.TOWNSHIP, active=True))
        townships.sort(key=lambda u: (u.sort_order, u.name))
        if not townships:
            return Loaded(account="")
        if Enterprise.objects.exists():
            account = _account(townships[0], password)
            return Loaded(account=account.username if account else "")
        industries = {i.name: i for i in Industry.objects.all()}
        loaded = Loaded()
        for township in townships:
            grids = _grids(township, rng)
            loaded.grids += len(grids)
            loaded.enterprises += _enterprises(township, grids, industries, rng)
        account = _account(townships[0], password)
        loaded.account = account.username if account else ""
        loaded.inspections = _inspections(today, rng, account)
        loaded.standardizations = _standardizations(today, rng)
        measure_demo_item(today)
        return loaded


def measure_demo_item(today: date) -> int:
    """The speech's 年内再完成40家小微企业标准化创建 is measured from the register: each
    township's count of its enterprises that reached 小微企业达标 in the plan's year."""
    item = (
        ChecklistItem.objects.filter(
            title__contains="小微企业安全生产标准化创建", year=demo_calendar.plan_year(today)
        )
        .exclude(state=ChecklistItem.State.VOID)
        .first()
    )
    if item is None:
        return 0
    key = f"{STANDARDIZED_MEASURE}.{Standardization.Level.SMALL}"
    if item.measure != key:
        ChecklistItem.objects.filter(pk=item.pk).update(measure=key)
        item.measure = key
    return measure_item(item=item, today=today)


def _supervisors() -> None:
    for industry in Industry.objects.filter(supervisor__isnull=True):
        words = SUPERVISORS.get(industry.name)
        unit = (
            Unit.objects.filter(kind=Unit.Kind.DEPARTMENT, name__contains=words)
            .order_by("sort_order")
            .first()
            if words
            else None
        )
        if unit is not None:
            Industry.objects.filter(pk=industry.pk).update(supervisor=unit)


def _person(rng: random.Random) -> tuple[str, str]:
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    phone = rng.choice(["135", "136", "137", "138", "139", "150", "158", "186", "189"])
    return name, phone + "".join(str(rng.randrange(10)) for _ in range(8))


def _grids(township: Unit, rng: random.Random) -> list[Grid]:
    """4–6 村（社区）, each with 2–3 网格, each with a 网格长 and one or two 网格员; a few
    网格 still lack their 网格员, as the speeches complain."""
    street = township.name.endswith("街道")
    suffix = "社区" if street else "村"
    names: list[str] = []
    while len(names) < rng.randint(4, 6):
        name = rng.choice(VILLAGE_HEADS) + rng.choice(VILLAGE_ROOTS) + suffix
        if name not in names:
            names.append(name)
    grids: list[Grid] = []
    for order, name in enumerate(names, start=1):
        village = Grid.objects.create(
            township=township, level=Grid.Level.VILLAGE, name=name, sort_order=order
        )
        for n in range(rng.randint(2, 3)):
            grid = Grid.objects.create(
                township=township,
                level=Grid.Level.GRID,
                parent=village,
                name=f"{name[: -len(suffix)]}第{'一二三'[n]}网格",
                sort_order=n + 1,
            )
            grids.append(grid)
            leader, phone = _person(rng)
            people = [GridMember(grid=grid, role=GridMember.Role.LEADER, name=leader, phone=phone)]
            if rng.random() > 0.04:
                for _ in range(rng.choice((1, 1, 2))):
                    name_, phone_ = _person(rng)
                    people.append(GridMember(grid=grid, name=name_, phone=phone_))
            GridMember.objects.bulk_create(people)
    return grids


def _name(industry: str, township: Unit, village: str, rng: random.Random) -> str:
    place = village[:-1] if village.endswith("村") else village[:-2]
    brand = rng.choice(BRANDS) + rng.choice(BRANDS)
    town = township.label.removesuffix("镇").removesuffix("街道")
    if industry == "煤矿":
        return f"{town}镇{place}煤矿"
    if industry == "非煤矿山":
        return f"{town}{place}{rng.choice(['采石场', '砂石场', '石灰石矿'])}"
    if industry == "危险化学品":
        if township.name == SEED_TOWN and rng.random() < 0.5:
            return f"{brand}化工有限公司"
        return f"{rng.choice(['中国石化', '中国石油', brand])}{town}{place}加油站"
    if industry == "烟花爆竹":
        return f"{town}{place}烟花爆竹零售点"
    if industry == "工贸":
        product = "皮革制品" if township.name == SEED_TOWN and rng.random() < 0.5 else None
        return f"{brand}{product or rng.choice(PRODUCTS)}有限公司"
    if industry == "建筑施工":
        return f"{town}{place}{rng.choice(['安置房', '综合楼', '道路改造', '学校扩建'])}项目"
    if industry == "交通运输":
        return rng.choice([f"{town}{place}客运站", f"{brand}物流有限公司", f"{brand}运输有限公司"])
    if industry == "人员密集场所":
        kind = rng.choice(["购物广场", "农贸市场", "大酒店", "超市", "影剧院"])
        return f"{town}{brand}{kind}"
    if industry == "九小场所":
        return f"{rng.choice(SURNAMES)}记{place}{rng.choice(NINE_SMALL)}"
    return f"{brand}{rng.choice(['汽修厂', '仓储中心'])}"


def _code(industry: str, rng: random.Random) -> str:
    if industry == "九小场所":
        if rng.random() < 0.7:
            return ""
        head = "92"  # 个体工商户
    else:
        head = "91"
    body = "".join(rng.choice(credit_code.ALPHABET) for _ in range(9))
    return credit_code.make(head + REGION + body)


def _enterprises(township: Unit, grids: list[Grid], industries: dict, rng: random.Random) -> int:
    plan = list(PER_TOWNSHIP)
    if township.name == SEED_TOWN:
        plan += SEED_TOWN_EXTRA
    villages = {g.parent_id: g.parent for g in Grid.objects.filter(pk__in=[g.pk for g in grids])}
    rows, taken = [], set()
    for industry_name, count in plan:
        industry = industries.get(industry_name)
        if industry is None:
            continue
        for _ in range(count + rng.randint(-1, 2)):
            grid = rng.choice(grids)
            village = villages[grid.parent_id]
            name = _name(industry_name, township, village.name, rng)
            while name in taken:
                name = f"{name[:-2]}{rng.choice(BRANDS)}{name[-2:]}"
            taken.add(name)
            principal, principal_phone = _person(rng)
            officer, officer_phone = _person(rng) if industry_name != "九小场所" else ("", "")
            roll = rng.random()
            rows.append(
                Enterprise(
                    name=name,
                    credit_code=_code(industry_name, rng),
                    address=f"{township.name}{village.name}{rng.randint(1, 188)}号",
                    township=township,
                    village=village,
                    # About one in twenty is not yet in a grid: the 未划网格 figure.
                    grid=grid if rng.random() > 0.05 else None,
                    industry=industry,
                    supervisor_id=industry.supervisor_id,
                    scale=(
                        "individual"
                        if industry_name == "九小场所"
                        else ("above" if rng.random() < 0.2 or industry_name == "煤矿" else "small")
                    ),
                    risk=rng.choice(RISKS.get(industry_name, ["low"])),
                    principal=principal,
                    principal_phone=principal_phone,
                    safety_officer=officer,
                    safety_phone=officer_phone,
                    state="producing" if roll < 0.9 else ("suspended" if roll < 0.97 else "closed"),
                )
            )
    Enterprise.objects.bulk_create(rows)
    return len(rows)


def _account(township: Unit, password: str) -> User | None:
    """The demo 网格员: the first two grids of the first township's first 村（社区）."""
    grids = list(
        Grid.objects.filter(township=township, level=Grid.Level.GRID).order_by(
            "parent__sort_order", "sort_order"
        )[:2]
    )
    if not grids:
        return None
    user = User.objects.filter(username=GRID_ACCOUNT).first() or User(username=GRID_ACCOUNT)
    user.role, user.unit, user.is_active, user.is_staff = User.Role.GRID, township, True, False
    user.display_name = f"{township.label}网格员 小林"
    if password:
        user.set_password(password)
    user.save()
    for grid in grids:
        member = GridMember.objects.filter(grid=grid, user=user).first()
        if member is None:
            member = GridMember.objects.filter(
                grid=grid, role=GridMember.Role.MEMBER, user__isnull=True
            ).first()
            if member is None:
                member = GridMember(grid=grid, name="林网格", phone="13800138000")
            member.user = user
            member.name = "林网格"
            member.save()
    return user


def _weekday(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _inspections(today: date, rng: random.Random, account: User | None) -> int:
    """Four quarters back and this quarter so far: about nine in ten open enterprises inspected
    each past quarter by their grid's 网格员; this quarter in proportion to its days gone, the
    demo 网格员's grids about half done. One in seven inspections finds hazards."""
    quarter = quarter_of(today)
    quarters = [quarter]
    for _ in range(4):
        quarters.append(quarters[-1].previous())
    members: dict[int, list[GridMember]] = {}
    for member in GridMember.objects.filter(role=GridMember.Role.MEMBER).select_related("user"):
        members.setdefault(member.grid_id, []).append(member)
    own = set(
        GridMember.objects.filter(user=account).values_list("grid_id", flat=True) if account else []
    )
    enterprises = list(
        Enterprise.objects.filter(state__in=Enterprise.OPEN_STATES).select_related("industry")
    )
    rows, hazards = [], []
    first_day = today - timedelta(days=365)
    for period in quarters:
        start, end = max(period.start, first_day), min(period.end, today)
        if start > end:
            continue
        current = period == quarter
        share = 0.9 * ((end - start).days + 1) / ((period.end - period.start).days + 1)
        for enterprise in enterprises:
            chance = share
            if current and enterprise.grid_id in own:
                chance = 0.5
            if rng.random() > chance:
                continue
            day = _weekday(start + timedelta(days=rng.randint(0, (end - start).days)))
            if day < start:
                day = start
            staff = members.get(enterprise.grid_id) or []
            member = rng.choice(staff) if staff else None
            found = rng.sample(
                HAZARDS.get(enterprise.industry.name, HAZARDS["其他"]),
                k=min(rng.choice((1, 1, 2)), len(HAZARDS.get(enterprise.industry.name, ["x"]))),
            ) if rng.random() < 1 / 7 else []  # fmt: skip
            at = timezone.make_aware(datetime.combine(day, time(rng.randint(9, 17))))
            rows.append(
                Inspection(
                    enterprise=enterprise,
                    inspected_on=day,
                    result=Inspection.Result.HAZARDS if found else Inspection.Result.CLEAR,
                    hazard_count=len(found),
                    signature=member.name if member else "乡镇安监办",
                    member=member,
                    inspector_unit_id=enterprise.township_id,
                    recorded_by=member.user if member and member.user_id else None,
                    created_at=at,
                )
            )
            hazards.append(found)
    Inspection.objects.bulk_create(rows, batch_size=2000)
    InspectionHazard.objects.bulk_create(
        [
            InspectionHazard(inspection=inspection, number=n, description=text)
            for inspection, found in zip(rows, hazards, strict=True)
            for n, text in enumerate(found, start=1)
        ],
        batch_size=2000,
    )
    return len(rows)


def _standardizations(today: date, rng: random.Random) -> int:
    """Certificates held (三级 and 小微企业达标, some expiring within 90 and 30 days), this
    year's new 小微 达标 towards the speech's 40, and creations under way."""
    office = User.objects.filter(role=User.Role.OFFICE, is_active=True).order_by("pk").first()
    if office is None:
        return 0
    candidates = list(
        Enterprise.objects.filter(
            industry__name__in=STANDARDIZED, state=Enterprise.State.PRODUCING
        ).order_by("pk")
    )
    rng.shuffle(candidates)
    written, serial = 0, 0
    # 年内: the demo plan's year (until May that is last year's), up to today.
    plan = demo_calendar.plan_year(today)
    jan = date(plan, 1, 1)
    this_year = max((min(today, date(plan, 12, 31)) - jan).days, 1)
    for index, enterprise in enumerate(candidates[: int(len(candidates) * 0.45)]):
        serial += 1
        if index < 25:  # 达标 this year: the 年内再完成40家小微企业标准化创建 so far
            achieved = jan + timedelta(days=rng.randint(0, this_year - 1))
            level, years = "small", 3
        elif index < 45:  # under way
            state = rng.choice(["building", "applied", "reviewed"])
            standardization_create(
                user=office, enterprise=enterprise, level=rng.choice(["third", "small"]),
                state=state, today=today,
                at=timezone.make_aware(datetime.combine(today - timedelta(days=rng.randint(10, 200)), time(10))),
            )  # fmt: skip
            written += 1
            continue
        else:  # held from earlier years; a few expire within 90 or 30 days
            level = rng.choice(["third", "third", "small", "second"])
            years = 3
            if index < 52:
                expires = today + timedelta(days=rng.randint(5, 85))
                achieved = expires - timedelta(days=365 * years)
            else:
                achieved = today - timedelta(days=rng.randint(120, 365 * years - 120))
        valid = achieved + timedelta(days=365 * years)
        standardization_create(
            user=office, enterprise=enterprise, level=level, state="achieved",
            achieved_on=achieved, certificate_no=f"{REGION}-{achieved.year}-{serial:04d}",
            valid_until=valid, today=today,
            at=timezone.make_aware(datetime.combine(achieved, time(10))),
        )  # fmt: skip
        written += 1
    return written


def summary(loaded: Loaded) -> str:
    return (
        f"企业台账：新增企业 {loaded.enterprises} 家、网格 {loaded.grids} 个、"
        f"巡查记录 {loaded.inspections} 条、标准化记录 {loaded.standardizations} 条；"
        f"网格员演示账号 {loaded.account or '—'}。"
    )
