"""年度考核 results: computed on demand for any day (a mid-year 预评 or the final one), or read
from FrozenResult once the office has closed the year.

A result is a plain record (dict) the page, the league, the .xlsx and the .docx all read, and
which is stored as it is when the year is frozen:
    {"unit": id, "name", "kind", "score", "grade", "vetoes": [...], "rank",
     "items": [{"pk", "name", "points", "deduction", "adjustment", "score",
                "lines": [{"rule", "label", "count", "total", "computed", "deduction",
                           "overridden", "url"}]}]}
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Sum

from tracker.assessment import selectors
from tracker.assessment.models import (
    Adjustment,
    FrozenResult,
    LineOverride,
    Rule,
    Scheme,
    SchemeItem,
)
from tracker.assessment.scoring import (
    Bands,
    Fact,
    ItemSpec,
    RuleSpec,
    UnitScore,
    coverage_rate,
    rank,
    score_unit,
    veto_reasons,
)
from tracker.models import Unit

VETO_FACT_KINDS = {"large_accident", "deaths_over", "accidents_over"}


@dataclass
class SchemeSpec:
    scheme: Scheme
    items: list[ItemSpec]
    rules: dict[int, Rule]
    bands: Bands
    vetoes: set[str]

    @property
    def kinds(self) -> set[str]:
        return {r.kind for r in self.rules.values()}


def scheme_spec(scheme: Scheme) -> SchemeSpec:
    """The scheme's items, rules and 一票否决 as plain values: three queries."""
    items = list(SchemeItem.objects.filter(scheme=scheme).prefetch_related("rules"))
    rules = {}
    specs = []
    for item in items:
        rule_specs = []
        for rule in item.rules.all():
            rules[rule.pk] = rule
            rule_specs.append(RuleSpec(rule.pk, rule.kind, rule.points, rule.threshold))
        specs.append(ItemSpec(item.pk, item.name, item.points, tuple(rule_specs)))
    bands = Bands(scheme.excellent, scheme.good, scheme.passing)
    vetoes = set(scheme.vetoes.values_list("kind", flat=True))
    return SchemeSpec(scheme, specs, rules, bands, vetoes)


def units_of(scheme: Scheme) -> list[Unit]:
    return list(Unit.objects.filter(kind=scheme.kind, active=True).order_by("sort_order", "name"))


def _adjustments(scheme: Scheme, unit_ids) -> dict[int, dict[int, Decimal]]:
    found: dict[int, dict[int, Decimal]] = defaultdict(dict)
    rows = (
        Adjustment.objects.filter(item__scheme=scheme, unit_id__in=unit_ids)
        .order_by()
        .values_list("unit_id", "item_id")
        .annotate(total=Sum("points"))
    )
    for unit_id, item_id, total in rows:
        found[unit_id][item_id] = total
    return found


def _overrides(scheme: Scheme, unit_ids) -> dict[int, dict[int, Decimal]]:
    """The newest override of each line counts."""
    found: dict[int, dict[int, Decimal]] = defaultdict(dict)
    rows = (
        LineOverride.objects.filter(rule__item__scheme=scheme, unit_id__in=unit_ids)
        .order_by("created_at", "id")
        .values_list("unit_id", "rule_id", "new_value")
    )
    for unit_id, rule_id, value in rows:
        found[unit_id][rule_id] = value
    return found


def _vetoes(spec: SchemeSpec, units: list[Unit], *, year: int, as_of: date) -> dict[int, list]:
    if not spec.vetoes:
        return {}
    facts = selectors.accident_facts(units, year=year, as_of=as_of)
    return {
        unit_id: veto_reasons(
            spec.vetoes,
            large=f.large or [],
            deaths=f.deaths,
            accidents=f.count,
            max_deaths=f.max_deaths,
            max_accidents=f.max_accidents,
        )
        for unit_id, f in facts.items()
    }


def _record(score: UnitScore, unit: Unit, spec: SchemeSpec, urls: dict[int, str]) -> dict:
    items = []
    for item in score.items:
        lines = []
        for line in item.lines:
            rate = coverage_rate(line.fact) if line.rule.kind == Rule.Kind.COVERAGE else None
            lines.append(
                {
                    "rule": line.rule.pk,
                    "kind": line.rule.kind,
                    "label": spec.rules[line.rule.pk].label,
                    "count": line.fact.count,
                    "total": line.fact.total,
                    "rate": None if rate is None else str(rate),
                    "computed": str(line.computed),
                    "deduction": str(line.deduction),
                    "overridden": line.overridden,
                    "url": urls.get(line.rule.pk, ""),
                }
            )
        items.append(
            {
                "pk": item.item.pk,
                "name": item.item.name,
                "points": str(item.item.points),
                "deduction": str(item.deduction),
                "adjustment": str(item.adjustment),
                "score": str(item.score),
                "lines": lines,
            }
        )
    return {
        "unit": unit.pk,
        "name": unit.name,
        "kind": unit.kind,
        "score": str(score.score),
        "grade": score.grade,
        "vetoes": score.vetoes,
        "rank": score.rank,
        "items": items,
    }


def _no_rows(kind: str) -> Fact:
    """A unit with no rows of a kind: a coverage or a 标准化 target among no enterprises has
    a base of 0."""
    zero_base = (Rule.Kind.COVERAGE, Rule.Kind.STANDARD)
    return Fact(0, total=0) if kind in zero_base else Fact()


def compute_all(scheme: Scheme, *, as_of: date, today: date) -> list[dict]:
    """Every unit of the scheme's kind, scored and ranked: a fixed number of queries (one or
    two per rule kind), whatever the number of units or rows."""
    return compute_schemes([scheme], as_of=as_of, today=today)[scheme.pk]


def compute_schemes(schemes: list[Scheme], *, as_of: date, today: date) -> dict[int, list]:
    """Several schemes of one year (townships' and departments'), their figures read once for
    the units of all of them: scheme pk → ranked records."""
    if not schemes:
        return {}
    year = schemes[0].year
    as_of = selectors.judged_on(year, as_of)
    specs = [scheme_spec(s) for s in schemes]
    units = {s.pk: units_of(s) for s in schemes}
    everyone = [u for group in units.values() for u in group]
    kinds = set().union(*(spec.kinds for spec in specs))
    facts = selectors.facts_for_units(kinds, everyone, year=year, as_of=as_of)
    found = {}
    for scheme, spec in zip(schemes, specs, strict=True):
        found[scheme.pk] = _score_units(
            scheme, spec, units[scheme.pk], facts, as_of=as_of, today=today
        )
    return found


def _score_units(scheme, spec, units, facts, *, as_of: date, today: date) -> list[dict]:
    year = scheme.year
    ids = [u.pk for u in units]
    adjustments = _adjustments(scheme, ids)
    overrides = _overrides(scheme, ids)
    vetoes = _vetoes(spec, units, year=year, as_of=as_of)
    scores = []
    for unit in units:
        unit_facts = {
            pk: facts[r.kind].get(unit.pk) or _no_rows(r.kind) for pk, r in spec.rules.items()
        }
        scores.append(
            score_unit(
                unit.pk,
                spec.items,
                spec.bands,
                facts=unit_facts,
                overrides=overrides.get(unit.pk),
                adjustments=adjustments.get(unit.pk),
                vetoes=vetoes.get(unit.pk),
            )
        )
    by_pk = {u.pk: u for u in units}
    records = []
    for s in rank(scores):
        unit = by_pk[s.unit_id]
        urls = {
            pk: selectors.line_url(rule, unit, year=year, as_of=as_of, today=today)
            for pk, rule in spec.rules.items()
        }
        records.append(_record(s, unit, spec, urls))
    return records


def compute_unit(scheme: Scheme, unit: Unit, *, as_of: date, today: date) -> dict:
    """One unit's 明细, read line by line through the same selectors as the drill-down."""
    spec = scheme_spec(scheme)
    year = scheme.year
    as_of = selectors.judged_on(year, as_of)
    facts, urls = {}, {}
    for pk, rule in spec.rules.items():
        figure = selectors.line_figure(rule, unit, year=year, as_of=as_of, today=today)
        facts[pk], urls[pk] = figure.fact, figure.url
    score = score_unit(
        unit.pk,
        spec.items,
        spec.bands,
        facts=facts,
        overrides=_overrides(scheme, [unit.pk]).get(unit.pk),
        adjustments=_adjustments(scheme, [unit.pk]).get(unit.pk),
        vetoes=_vetoes(spec, [unit], year=year, as_of=as_of).get(unit.pk),
    )
    return _record(score, unit, spec, urls)


def _frozen_record(row: FrozenResult) -> dict:
    return {**row.lines, "score": str(row.score), "grade": row.grade, "vetoes": row.vetoes}


def leagues(schemes: list[Scheme], *, as_of: date, today: date) -> dict[int, list]:
    """Each scheme's units ranked (scheme pk → records): the closed ones as frozen, the open
    ones computed together, their figures read once."""
    found = {s.pk: league(s, as_of=as_of, today=today) for s in schemes if s.closed}
    found.update(compute_schemes([s for s in schemes if not s.closed], as_of=as_of, today=today))
    return found


def league(scheme: Scheme, *, as_of: date, today: date) -> list[dict]:
    """The scheme's units ranked: frozen once the year is closed, computed before."""
    if scheme.closed:
        rows = FrozenResult.objects.filter(scheme=scheme)
        return sorted((_frozen_record(r) for r in rows), key=lambda r: (r["rank"], r["name"]))
    return compute_all(scheme, as_of=as_of, today=today)


def unit_result(scheme: Scheme, unit: Unit, *, as_of: date, today: date) -> dict | None:
    """One unit's 明细: frozen once the year is closed, computed before."""
    if scheme.closed:
        row = FrozenResult.objects.filter(scheme=scheme, unit=unit).first()
        return _frozen_record(row) if row else None
    return compute_unit(scheme, unit, as_of=as_of, today=today)
