"""The default 考核方案 of a year, in the seed speeches' own terms, and the demo county's
assessment: both schemes, an office bonus (经验被推广 县级 +1) and a township's pending 申诉.

    “纳入乡镇、部门年度考核的重要内容 … 实行安全生产‘一票否决制’”
    “分块分解、综合下达、分头监控、共同考核、统一奖惩”

load_demo calls load(today) when this wing is installed; a second run adds nothing.
"""

from datetime import date
from decimal import Decimal as D

from django.db import transaction

from tracker.assessment.models import Adjustment, Appeal, Rule, Scheme, SchemeItem, Veto
from tracker.models import Unit, User

K = Rule.Kind
# (item, 分值, [(rule kind, points, threshold)]) for townships; departments answer for the
# enterprises of their industries instead of grids.
TOWNSHIP_ITEMS = [
    ("重点任务完成", 40, [(K.OVERDUE, 1, None), (K.RETURNED, D("0.5"), None), (K.YELLOW, 1, None),
                        (K.RED, 2, None), (K.SHORTFALL, 4, None)]),
    ("按期报送", 10, [(K.MISSED, D("0.1"), None)]),
    ("隐患排查治理", 20, [(K.HAZARD, 2, None)]),
    ("标准化创建", 10, [(K.STANDARD, 10, 3)]),
    ("网格化监管", 10, [(K.COVERAGE, 5, 60)]),
    ("事故控制", 10, [(K.ACCIDENT, 5, None)]),
]  # fmt: skip
DEPARTMENT_ITEMS = [
    ("重点任务完成", 40, [(K.OVERDUE, 1, None), (K.RETURNED, D("0.5"), None), (K.YELLOW, 1, None),
                        (K.RED, 2, None), (K.SHORTFALL, 4, None)]),
    ("按期报送", 10, [(K.MISSED, D("0.1"), None)]),
    ("隐患排查治理", 20, [(K.HAZARD, 2, None)]),
    ("标准化创建", 10, [(K.STANDARD, 10, 1)]),
    ("行业监管检查", 10, [(K.COVERAGE, 5, 50)]),
    ("事故控制", 10, [(K.ACCIDENT, 5, None)]),
]  # fmt: skip
VETOES = [Veto.Kind.LARGE_ACCIDENT]


@transaction.atomic
def ensure_scheme(year: int, kind: str) -> Scheme:
    """The year's default scheme for townships or departments, made once."""
    scheme = Scheme.objects.filter(year=year, kind=kind).first()
    if scheme is not None:
        return scheme
    label = "乡镇街道" if kind == Scheme.Kind.TOWNSHIP else "县直部门"
    scheme = Scheme.objects.create(
        year=year, kind=kind, name=f"{year}年度{label}安全生产目标管理责任考核方案"
    )
    items = TOWNSHIP_ITEMS if kind == Scheme.Kind.TOWNSHIP else DEPARTMENT_ITEMS
    for order, (name, points, rules) in enumerate(items, start=1):
        item = SchemeItem.objects.create(scheme=scheme, name=name, points=points, sort_order=order)
        for rule_kind, per, threshold in rules:
            Rule.objects.create(item=item, kind=rule_kind, points=per, threshold=threshold)
    for veto in VETOES:
        Veto.objects.create(scheme=scheme, kind=veto)
    return scheme


def load(today: date, *, year: int | None = None) -> str:
    """Both schemes of the plan's year, one bonus and one pending 申诉; a summary line."""
    year = year or today.year
    with transaction.atomic():
        township = ensure_scheme(year, Scheme.Kind.TOWNSHIP)
        ensure_scheme(year, Scheme.Kind.DEPARTMENT)
        office = User.objects.filter(role=User.Role.OFFICE, is_active=True).order_by("pk").first()
        first = Unit.objects.filter(kind=Unit.Kind.TOWNSHIP, active=True).first()
        if office is None or first is None:
            return ""
        tasks = township.items.get(name="重点任务完成")
        if not Adjustment.objects.filter(item__scheme=township).exists():
            Adjustment.objects.create(
                unit=first,
                item=tasks,
                points=D(1),
                level=Adjustment.Level.COUNTY,
                reason="“打非治违”专项行动经验做法被县政府办公室专刊推广",
                created_by=office,
            )
        staff = (
            User.objects.filter(role=User.Role.STAFF, unit__kind=Unit.Kind.TOWNSHIP, is_active=True)
            .exclude(unit=first)
            .select_related("unit")
            .order_by("username")
            .first()
        )
        if staff is not None and not Appeal.objects.filter(rule__item__scheme=township).exists():
            Appeal.objects.create(
                unit=staff.unit,
                rule=tasks.rules.get(kind=K.OVERDUE),
                reason="其中一项任务因上级调整实施方案推迟，已报安委办同意延期，不应计为逾期。",
                filed_by=staff,
            )
    return f"年度考核：{year}年度乡镇、部门考核方案，加分 1 条，待处理申诉 1 条。"
