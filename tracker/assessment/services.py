"""Writes of 年度考核: the office edits a scheme, enters 加减分, overrides a line, decides 申诉
and closes (freezes) the year; a unit files a 申诉. Keyword-only, atomic, one row per change,
a clear Chinese message and nothing written on bad input."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from tracker.assessment import results
from tracker.assessment.models import (
    Adjustment,
    Appeal,
    FrozenResult,
    LineOverride,
    Rule,
    Scheme,
    SchemeItem,
    Veto,
)
from tracker.assessment.scoring import ItemSpec, points_warning
from tracker.models import Unit, User
from tracker.services import WorkflowError, clean_text, remove_files, store_upload

# 经验被推广: the bonus by the level that took it up.
PROMOTION_POINTS = {
    Adjustment.Level.COUNTY: Decimal(1),
    Adjustment.Level.CITY: Decimal(3),
    Adjustment.Level.PROVINCE: Decimal(5),
}
MAX_POINTS = Decimal(1000)


class AssessmentError(WorkflowError):
    """Bad input or a step the assessment does not allow; shown to the user as it is."""


def _require_office(user: User) -> None:
    if not (user and user.is_office):
        raise PermissionDenied("只有安委办可以进行此操作。")


def _require_open(scheme: Scheme) -> None:
    if scheme.closed:
        raise AssessmentError(f"{scheme.year}年度考核已归档，只能查看，不能再修改。")


def _points(value, field: str, *, signed: bool = False) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        raise AssessmentError(f"「{field}」应为数字。") from None
    if not number.is_finite() or abs(number) > MAX_POINTS:
        raise AssessmentError(f"「{field}」应为 -{MAX_POINTS:g}～{MAX_POINTS:g} 之间的数字。")
    if not signed and number < 0:
        raise AssessmentError(f"「{field}」不能为负数：{format(number.normalize(), 'f')}。")
    if number != number.quantize(Decimal("0.01")):
        raise AssessmentError(f"「{field}」最多两位小数。")
    return number


def _reason(text: str, field: str = "理由") -> str:
    cleaned = clean_text(text)
    if not cleaned:
        raise AssessmentError(f"请填写{field}。")
    return cleaned


def scheme_warning(scheme: Scheme) -> str:
    items = [ItemSpec(i.pk, i.name, i.points) for i in scheme.items.all()]
    return points_warning(items)


@transaction.atomic
def item_update(
    *, user: User, item: SchemeItem, points, rules: dict[int, tuple] | None = None
) -> str:
    """Set an item's 分值 and its rules' points (and thresholds): rules maps a rule's pk to
    (points, threshold or None). Returns the warning when the items no longer add to 100."""
    _require_office(user)
    scheme = Scheme.objects.select_for_update().get(pk=item.scheme_id)
    _require_open(scheme)
    item.points = _points(points, f"{item.name} 的分值")
    item.save(update_fields=["points"])
    for rule in item.rules.all():
        if rule.pk not in (rules or {}):
            continue
        value, threshold = rules[rule.pk]
        rule.points = _points(value, f"{item.name}「{rule.get_kind_display()}」的扣分")
        if rule.kind in (Rule.Kind.COVERAGE, Rule.Kind.STANDARD) and threshold is not None:
            rule.threshold = _points(threshold, f"{item.name}「{rule.get_kind_display()}」的阈值")
            if rule.kind == Rule.Kind.COVERAGE and rule.threshold > 100:
                raise AssessmentError(f"{item.name}：巡查覆盖率阈值不能超过 100%。")
        rule.save(update_fields=["points", "threshold"])
    return scheme_warning(scheme)


def _check_unit(scheme: Scheme, unit: Unit) -> None:
    if unit.kind != scheme.kind:
        raise AssessmentError(f"{unit.name}不是{scheme.get_kind_display()}，不在该方案内。")


def adjustment_add(
    *,
    user: User,
    unit: Unit,
    item: SchemeItem,
    points=None,
    level: str = "",
    reason: str,
    upload: UploadedFile | None = None,
    at=None,
) -> Adjustment:
    """加分/扣分 on an item, with a reason and, if given, an evidence file. With a level
    (县/市/省) and no points, 经验被推广 gives +1/+3/+5."""
    _require_office(user)
    scheme = item.scheme
    _check_unit(scheme, unit)
    cleaned = _reason(reason, "加减分理由")
    if level and level not in PROMOTION_POINTS:
        raise AssessmentError("推广层级只能是县级、市级或省级。")
    if points in (None, ""):
        if not level:
            raise AssessmentError("请填写加减分分值，或选择经验被推广的层级。")
        value = PROMOTION_POINTS[level]
    else:
        value = _points(points, "加减分", signed=True)
    if value == 0:
        raise AssessmentError("加减分不能为 0。")
    written: list[str] = []
    try:
        with transaction.atomic():
            _require_open(Scheme.objects.select_for_update().get(pk=scheme.pk))
            row = Adjustment(
                unit=unit,
                item=item,
                points=value,
                level=level,
                reason=cleaned,
                created_by=user,
                created_at=at or timezone.now(),
            )
            if upload is not None:
                store_upload(
                    row=row, upload=upload, written=written, what="an assessment evidence",
                    noun="佐证材料", error=AssessmentError,
                )  # fmt: skip
            else:
                row.save()
            return row
    except BaseException:
        remove_files(Adjustment._meta.get_field("file").storage, written)
        raise


@transaction.atomic
def line_override(
    *, user: User, unit: Unit, rule: Rule, new_value, reason: str, as_of: date, today: date
) -> LineOverride:
    """The office sets a line's deduction by hand; the value it replaces is kept beside it."""
    _require_office(user)
    scheme = Scheme.objects.select_for_update().get(pk=rule.item.scheme_id)
    _require_open(scheme)
    _check_unit(scheme, unit)
    value = _points(new_value, f"「{rule.label}」调整后扣分")
    cleaned = _reason(reason, "调整理由")
    record = results.compute_unit(scheme, unit, as_of=as_of, today=today)
    old = next(
        Decimal(line["deduction"])
        for item in record["items"]
        for line in item["lines"]
        if line["rule"] == rule.pk
    )
    return LineOverride.objects.create(
        unit=unit, rule=rule, old_value=old, new_value=value, reason=cleaned, created_by=user
    )


@transaction.atomic
def appeal_file(*, user: User, unit: Unit, rule: Rule, reason: str) -> Appeal:
    """申诉 on a line, by the unit's own staff."""
    if not (user.role == User.Role.STAFF and user.unit_id == unit.pk):
        raise PermissionDenied("只有本单位联络员可以对本单位的考核提出申诉。")
    scheme = Scheme.objects.select_for_update().get(pk=rule.item.scheme_id)
    if scheme.closed:
        raise AssessmentError(f"{scheme.year}年度考核已归档，不能再申诉。")
    _check_unit(scheme, unit)
    cleaned = _reason(reason, "申诉理由")
    if Appeal.objects.filter(unit=unit, rule=rule, state=Appeal.State.PENDING).exists():
        raise AssessmentError(f"「{rule.label}」已有待处理的申诉，请等待安委办处理。")
    return Appeal.objects.create(unit=unit, rule=rule, reason=cleaned, filed_by=user)


@transaction.atomic
def appeal_decide(
    *,
    user: User,
    appeal: Appeal,
    accept: bool,
    note: str,
    new_value=None,
    as_of: date,
    today: date,
) -> Appeal:
    """The office accepts or rejects a 申诉 with a note; accepting with a new deduction
    overrides the line (both values kept)."""
    _require_office(user)
    locked = Appeal.objects.select_for_update().select_related("rule__item").get(pk=appeal.pk)
    if locked.state != Appeal.State.PENDING:
        raise AssessmentError("该申诉已处理过。")
    scheme = locked.rule.item.scheme
    _require_open(scheme)
    cleaned = _reason(note, "处理意见")
    if accept and new_value not in (None, ""):
        line_override(
            user=user,
            unit=locked.unit,
            rule=locked.rule,
            new_value=new_value,
            reason=f"申诉采纳：{cleaned}",
            as_of=as_of,
            today=today,
        )
    locked.state = Appeal.State.ACCEPTED if accept else Appeal.State.REJECTED
    locked.note = cleaned
    locked.decided_by = user
    locked.decided_at = timezone.now()
    locked.save(update_fields=["state", "note", "decided_by", "decided_at"])
    return locked


@transaction.atomic
def scheme_close(*, user: User, scheme: Scheme, today: date) -> int:
    """Close the year's assessment: every unit's result as it stands today is frozen, and
    pages read it from then on. Returns the number of units frozen."""
    _require_office(user)
    locked = Scheme.objects.select_for_update().get(pk=scheme.pk)
    _require_open(locked)
    records = results.compute_all(locked, as_of=today, today=today)
    for record in records:
        FrozenResult.objects.create(
            scheme=locked,
            unit_id=record["unit"],
            score=Decimal(record["score"]),
            grade=record["grade"],
            vetoes=record["vetoes"],
            lines=record,
            as_of=today,
        )
    locked.closed = True
    locked.closed_on = today
    locked.closed_by = user
    locked.save(update_fields=["closed", "closed_on", "closed_by"])
    return len(records)


def _next_year_exists(year: int, kind_label: str, name: str) -> AssessmentError:
    return AssessmentError(f"{year}年度已有{kind_label}考核方案「{name}」，不能再复制。")


@transaction.atomic
def scheme_copy_next_year(*, user: User, scheme: Scheme) -> Scheme:
    """Start next 年度's scheme from this one, closed or not: the same kind, grade bands, items,
    rules and 一票否决, the year in its name moved on, open for the office to edit. The
    adjustments, overrides, 申诉 and results stay with their own year."""
    _require_office(user)
    # Locked: an edit of the scheme in progress is copied whole or not at all.
    source = Scheme.objects.select_for_update().get(pk=scheme.pk)
    year = source.year + 1
    kind_label = source.get_kind_display()
    existing = Scheme.objects.filter(year=year, kind=source.kind).first()
    if existing is not None:
        raise _next_year_exists(year, kind_label, existing.name)
    old, new = str(source.year), str(year)
    name = source.name.replace(old, new) if old in source.name else f"{new}年度{source.name}"
    try:
        with transaction.atomic():
            copy = Scheme.objects.create(
                year=year,
                kind=source.kind,
                name=name[: Scheme._meta.get_field("name").max_length],
                excellent=source.excellent,
                good=source.good,
                passing=source.passing,
            )
    except IntegrityError:
        # Another copy of the same scheme got there first.
        raise _next_year_exists(year, kind_label, name) from None
    for item in source.items.prefetch_related("rules"):
        new_item = SchemeItem.objects.create(
            scheme=copy, name=item.name, points=item.points, sort_order=item.sort_order
        )
        for rule in item.rules.all():
            Rule.objects.create(
                item=new_item, kind=rule.kind, points=rule.points, threshold=rule.threshold
            )
    for veto in source.vetoes.order_by("pk"):
        Veto.objects.create(scheme=copy, kind=veto.kind)
    return copy
