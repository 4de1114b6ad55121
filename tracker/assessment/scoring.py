"""The arithmetic of 年度考核, on plain values: no database, so the page, the exports and the
frozen result cannot disagree, and every rule is tested as a function.

A line is one rule of one item for one unit: its count (12 overdue tasks), the deduction the
rule gives for it, and the deduction that counts (the office's override, when there is one).
An item loses at most its 分值 (a floor of 0); the office's bonuses and deductions are added
on top. A met 一票否决 makes the grade 不合格 whatever the score.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

EXCELLENT, GOOD, PASSING, FAILING = "优秀", "良好", "合格", "不合格"
GRADES = (EXCELLENT, GOOD, PASSING, FAILING)
TWO = Decimal("0.01")

# Rule kinds whose deduction is the count times the points per occurrence.
PER_OCCURRENCE = {"overdue", "missed", "returned", "yellow", "red", "hazard", "accident"}


def q(value) -> Decimal:
    return Decimal(value).quantize(TWO, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class RuleSpec:
    pk: int
    kind: str
    points: Decimal
    threshold: Decimal | None = None


@dataclass(frozen=True)
class ItemSpec:
    pk: int
    name: str
    points: Decimal
    rules: tuple[RuleSpec, ...] = ()


@dataclass(frozen=True)
class Bands:
    excellent: Decimal = Decimal(95)
    good: Decimal = Decimal(90)
    passing: Decimal = Decimal(80)


@dataclass(frozen=True)
class Fact:
    """What a rule counted for one unit.

    count: the rows (overdue tasks, missed periods, enterprises inspected …);
    total: the base of a coverage (enterprises to inspect), or the enterprises a 标准化
    target is reached among (None: not known);
    shortfall: the summed unreached share of targets (分解数量), each between 0 and 1.
    """

    count: int = 0
    total: int | None = None
    shortfall: Decimal = Decimal(0)


def rule_deduction(rule: RuleSpec, fact: Fact) -> Decimal:
    """The points a rule takes for what it counted (before the item's floor)."""
    if rule.kind in PER_OCCURRENCE:
        return q(rule.points * fact.count)
    if rule.kind == "shortfall":
        return q(rule.points * fact.shortfall)
    if rule.kind == "coverage":
        if not fact.total:
            return q(0)  # nothing to inspect: nothing missed
        rate = Decimal(100) * fact.count / fact.total
        return q(rule.points) if rate < (rule.threshold or 0) else q(0)
    if rule.kind == "standard":
        target = rule.threshold or Decimal(0)
        if target <= 0 or fact.total == 0:
            return q(0)  # no target, or no enterprise of the unit's to reach it
        missing = max(Decimal(0), target - fact.count)
        return q(rule.points * min(Decimal(1), missing / target))
    raise ValueError(f"unknown rule kind {rule.kind!r}")


def coverage_rate(fact: Fact) -> Decimal | None:
    if not fact.total:
        return None
    return q(Decimal(100) * fact.count / fact.total)


def grade_of(score: Decimal, bands: Bands, *, vetoed: bool = False) -> str:
    if vetoed:
        return FAILING
    if score >= bands.excellent:
        return EXCELLENT
    if score >= bands.good:
        return GOOD
    if score >= bands.passing:
        return PASSING
    return FAILING


@dataclass
class Line:
    item_pk: int
    rule: RuleSpec
    fact: Fact
    computed: Decimal  # what the rule gives
    deduction: Decimal  # what counts: the override when there is one
    overridden: bool = False


@dataclass
class ItemScore:
    item: ItemSpec
    lines: list[Line] = field(default_factory=list)
    deduction: Decimal = Decimal(0)  # the lines' sum, at most the item's 分值
    adjustment: Decimal = Decimal(0)  # the office's bonuses and deductions
    score: Decimal = Decimal(0)


@dataclass
class UnitScore:
    unit_id: int
    items: list[ItemScore] = field(default_factory=list)
    score: Decimal = Decimal(0)
    grade: str = ""
    vetoes: list[str] = field(default_factory=list)
    rank: int = 0

    @property
    def vetoed(self) -> bool:
        return bool(self.vetoes)

    @property
    def lines(self) -> list[Line]:
        return [line for item in self.items for line in item.lines]


def score_unit(
    unit_id: int,
    items: list[ItemSpec],
    bands: Bands,
    *,
    facts: dict[int, Fact],
    overrides: dict[int, Decimal] | None = None,
    adjustments: dict[int, Decimal] | None = None,
    vetoes: list[str] | None = None,
) -> UnitScore:
    """One unit's score: facts, overrides by rule pk, adjustments by item pk; vetoes are the
    reasons of the 一票否决 conditions met."""
    overrides = overrides or {}
    adjustments = adjustments or {}
    result = UnitScore(unit_id, vetoes=list(vetoes or []))
    total = Decimal(0)
    for item in items:
        scored = ItemScore(item)
        for rule in item.rules:
            fact = facts.get(rule.pk, Fact())
            computed = rule_deduction(rule, fact)
            override = overrides.get(rule.pk)
            deduction = q(override) if override is not None else computed
            scored.lines.append(
                Line(item.pk, rule, fact, computed, deduction, override is not None)
            )
        taken = sum((line.deduction for line in scored.lines), Decimal(0))
        scored.deduction = q(min(taken, item.points))
        scored.adjustment = q(adjustments.get(item.pk, 0))
        scored.score = q(max(Decimal(0), item.points - scored.deduction + scored.adjustment))
        result.items.append(scored)
        total += scored.score
    result.score = q(total)
    result.grade = grade_of(result.score, bands, vetoed=result.vetoed)
    return result


def rank(scores: list[UnitScore]) -> list[UnitScore]:
    """Highest score first; a vetoed unit after every unit not vetoed; ties share a rank."""
    ordered = sorted(scores, key=lambda s: (s.vetoed, -s.score))
    previous = None
    for position, s in enumerate(ordered, start=1):
        key = (s.vetoed, s.score)
        s.rank = previous[1] if previous and previous[0] == key else position
        previous = (key, s.rank)
    return ordered


def points_warning(items: list[ItemSpec]) -> str:
    """A scheme's items should add to 100; the warning names the sum when they do not."""
    total = sum((i.points for i in items), Decimal(0))
    if total == 100:
        return ""
    return f"各考核项目分值合计为 {format(total.normalize(), 'f')} 分，不是 100 分，请核对。"


def veto_reasons(
    kinds: set[str],
    *,
    large: list[str],
    deaths: int,
    accidents: int,
    max_deaths: int | None,
    max_accidents: int | None,
) -> list[str]:
    """The reasons of the 一票否决 conditions the scheme has (kinds) that are met.

    large: a description of each 较大 or worse accident; deaths and accidents: the year's
    totals; max_*: the unit's 控制指标 (None: none set, so that condition cannot be met)."""
    reasons = []
    if "large_accident" in kinds and large:
        reasons.append(f"发生较大及以上生产安全事故：{'；'.join(large)}")
    if "deaths_over" in kinds and max_deaths is not None and deaths > max_deaths:
        reasons.append(f"死亡 {deaths} 人，超过控制指标 {max_deaths} 人")
    if "accidents_over" in kinds and max_accidents is not None and accidents > max_accidents:
        reasons.append(f"事故 {accidents} 起，超过控制指标 {max_accidents} 起")
    return reasons
