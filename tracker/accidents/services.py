"""Writes to the 事故台账 and the 控制指标. Keyword-only and atomic; each checks who may do it
and writes one history row naming every field changed (old → new), so the page, the demo and a
command cannot disagree. Messages are Chinese and name the field; nothing is half-written."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from tracker.accidents import permissions
from tracker.accidents.models import (
    Accident,
    AccidentHistory,
    ControlIndicator,
    ControlIndicatorHistory,
)
from tracker.enterprises.models import Enterprise, Industry
from tracker.models import Unit, User
from tracker.services import WorkflowError, clean_text

L = Accident.Level
LEVEL_ORDER = [L.GENERAL, L.LARGE, L.MAJOR, L.EXTRAORDINARY]
# 《生产安全事故报告和调查处理条例》第三条: the least level that so many deaths, or so much
# direct loss (万元), makes an accident.
DEATH_FLOORS = [(30, L.EXTRAORDINARY), (10, L.MAJOR), (3, L.LARGE)]
LOSS_FLOORS = [(10000, L.EXTRAORDINARY), (5000, L.MAJOR), (1000, L.LARGE)]
MAX_PEOPLE = 10000
MAX_LOSS = Decimal("9999999999")

# The fields an edit may change, with their labels in the history.
EDITABLE = {
    "occurred_on": "发生日期",
    "place": "发生地点",
    "township": "属地乡镇（街道）",
    "industry": "行业",
    "enterprise": "事故单位",
    "level": "事故等级",
    "deaths": "死亡人数",
    "injuries": "受伤人数",
    "direct_loss": "直接经济损失（万元）",
    "description": "事故简要经过",
    "state": "调查处理",
    "closed_on": "结案日期",
}


class AccidentError(WorkflowError):
    """A write the register refuses; the message is shown as is."""


def least_level(*, deaths: int, direct_loss: Decimal) -> str:
    for floor, level in DEATH_FLOORS:
        if deaths >= floor:
            by_deaths = level
            break
    else:
        by_deaths = L.GENERAL
    for floor, level in LOSS_FLOORS:
        if direct_loss >= floor:
            by_loss = level
            break
    else:
        by_loss = L.GENERAL
    return max(by_deaths, by_loss, key=LEVEL_ORDER.index)


def _check(
    *,
    user: User,
    occurred_on: date | None,
    place: str,
    township: Unit | None,
    industry: Industry | None,
    enterprise: Enterprise | None,
    level: str,
    deaths: int | None,
    injuries: int | None,
    direct_loss: Decimal | None,
    description: str,
    state: str,
    closed_on: date | None,
    today: date,
) -> dict:
    """The cleaned values, or an AccidentError naming the first field that is wrong."""
    if occurred_on is None:
        raise AccidentError("请填写发生日期。")
    if occurred_on > today:
        raise AccidentError(f"发生日期 {occurred_on:%Y-%m-%d} 晚于今天，请核对。")
    place, description = clean_text(place), clean_text(description)
    if not place:
        raise AccidentError("请填写发生地点。")
    if len(place) > 200:
        raise AccidentError("发生地点不能超过 200 个字。")
    if township is None:
        raise AccidentError("请选择事故发生地所属的乡镇（街道）。")
    if township.kind != Unit.Kind.TOWNSHIP:
        raise AccidentError(f"「{township.name}」不是乡镇（街道），属地须选择乡镇（街道）。")
    if enterprise is not None:
        if enterprise.township_id != township.pk:
            raise AccidentError(
                f"事故单位「{enterprise.name}」属于{enterprise.township}，"
                f"不在所选的{township.name}，请核对属地或事故单位。"
            )
        if industry is None:
            industry = enterprise.industry
    if level not in L.values:
        raise AccidentError("请选择事故等级（一般、较大、重大或特别重大）。")
    for label, value in (("死亡人数", deaths), ("受伤人数", injuries)):
        if value is None:
            raise AccidentError(f"请填写{label}（没有请填 0）。")
        if value < 0:
            raise AccidentError(f"{label}不能为负数。")
        if value > MAX_PEOPLE:
            raise AccidentError(f"{label} {value} 过大，请核对。")
    if direct_loss is None:
        direct_loss = Decimal(0)
    if direct_loss < 0:
        raise AccidentError("直接经济损失不能为负数。")
    if direct_loss > MAX_LOSS:
        raise AccidentError("直接经济损失过大，请核对（单位：万元）。")
    floor = least_level(deaths=deaths, direct_loss=direct_loss)
    if LEVEL_ORDER.index(level) < LEVEL_ORDER.index(floor):
        raise AccidentError(
            f"死亡 {deaths} 人、直接经济损失 {direct_loss} 万元的事故至少为"
            f"{L(floor).label}事故，事故等级不能定为{L(level).label}。"
        )
    if not description:
        raise AccidentError("请填写事故简要经过。")
    if state not in Accident.State.values:
        raise AccidentError("请选择调查处理状态。")
    if state == Accident.State.CLOSED:
        if closed_on is None:
            raise AccidentError("已结案的事故请填写结案日期。")
        if closed_on < occurred_on:
            raise AccidentError(
                f"结案日期 {closed_on:%Y-%m-%d} 早于发生日期 {occurred_on:%Y-%m-%d}，请核对。"
            )
        if closed_on > today:
            raise AccidentError(f"结案日期 {closed_on:%Y-%m-%d} 晚于今天，请核对。")
    else:
        closed_on = None
    _scope(user, township=township, industry=industry, enterprise=enterprise)
    supervisor = None
    if enterprise is not None:
        supervisor = enterprise.supervisor or (industry.supervisor if industry else None)
    elif industry is not None:
        supervisor = industry.supervisor
    return {
        "occurred_on": occurred_on, "place": place, "township": township,
        "industry": industry, "enterprise": enterprise, "supervisor": supervisor,
        "level": level, "deaths": deaths, "injuries": injuries, "direct_loss": direct_loss,
        "description": description, "state": state, "closed_on": closed_on,
    }  # fmt: skip


def _scope(user: User, *, township: Unit, industry, enterprise) -> None:
    """A township records on its own ground; a department in the industries it supervises."""
    from tracker.enterprises import permissions as registers

    if user.is_office:
        return
    if registers.is_township_staff(user):
        if township.pk != user.unit_id:
            raise PermissionDenied(
                f"您只能登记本乡镇（街道）的事故，不能登记「{township.name}」的。"
            )
        return
    if registers.is_department_staff(user):
        supervisor = (enterprise.supervisor_id if enterprise else None) or (
            industry.supervisor_id if industry else None
        )
        if supervisor != user.unit_id:
            raise PermissionDenied("您只能登记本部门监管行业的事故：请选择本部门监管的行业或企业。")
        return
    raise PermissionDenied("您不能登记事故。")


def _history(accident, *, user, kind, changes="", note="", at) -> AccidentHistory:
    return AccidentHistory.objects.create(
        accident=accident, author=user, kind=kind, changes=changes, note=note, created_at=at
    )


def _shown(field: str, value) -> str:
    if value is None or value == "":
        return "（空）"
    if field == "level":
        return L(value).label
    if field == "state":
        return Accident.State(value).label
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    return str(value)


@transaction.atomic
def accident_record(
    *,
    user: User,
    occurred_on: date | None,
    place: str,
    township: Unit | None,
    level: str,
    deaths: int | None,
    injuries: int | None,
    description: str,
    industry: Industry | None = None,
    enterprise: Enterprise | None = None,
    direct_loss: Decimal | None = None,
    state: str = Accident.State.INVESTIGATING,
    closed_on: date | None = None,
    today: date,
    at: datetime | None = None,
) -> Accident:
    """登记 one accident."""
    at = at or timezone.now()
    if not permissions.may_record(user):
        if user.is_authenticated and user.is_leader:
            raise PermissionDenied("领导账号只能查看，不能登记事故。")
        raise PermissionDenied("您不能登记事故。")
    values = _check(
        user=user, occurred_on=occurred_on, place=place, township=township, industry=industry,
        enterprise=enterprise, level=level, deaths=deaths, injuries=injuries,
        direct_loss=direct_loss, description=description, state=state, closed_on=closed_on,
        today=today,
    )  # fmt: skip
    accident = Accident.objects.create(**values, recorded_by=user, created_at=at, updated_at=at)
    _history(accident, user=user, kind=AccidentHistory.Kind.RECORD, at=at)
    return accident


@transaction.atomic
def accident_edit(
    *,
    user: User,
    accident: Accident,
    version: int | None = None,
    note: str = "",
    today: date,
    at: datetime | None = None,
    **fields,
) -> Accident:
    """Correct an accident or move its 调查处理 on; the fields not given keep their values.
    One history row lists every field changed, old → new."""
    at = at or timezone.now()
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    accident = Accident.objects.select_for_update().get(pk=accident.pk)
    if accident.voided:
        raise AccidentError("该事故已作废，不能再修改。")
    if not permissions.may_edit(user, accident):
        if user.is_authenticated and user.is_leader:
            raise PermissionDenied("领导账号只能查看，不能修改事故。")
        raise PermissionDenied("只有属地乡镇（街道）、行业监管部门或安委办可以修改该事故。")
    if version is not None and version != accident.version:
        raise AccidentError("该事故刚被其他人修改过，请刷新页面后重试。")
    current = {name: getattr(accident, name) for name in EDITABLE}
    values = _check(user=user, **{**current, **fields}, today=today)
    lines, changed = [], []
    for name, label in EDITABLE.items():
        old, new = current[name], values[name]
        if old != new:
            lines.append(f"{label}：{_shown(name, old)} → {_shown(name, new)}")
            changed.append(name)
    if accident.supervisor != values["supervisor"]:
        changed.append("supervisor")
    if not changed:
        raise AccidentError("没有修改任何内容。")
    for name in changed:
        setattr(accident, name, values[name])
    accident.version += 1
    accident.updated_at = at
    accident.save(update_fields=[*changed, "version", "updated_at"])
    only_state = set(changed) <= {"state", "closed_on"}
    kind = AccidentHistory.Kind.STATE if only_state else AccidentHistory.Kind.EDIT
    _history(accident, user=user, kind=kind, changes="\n".join(lines), note=clean_text(note), at=at)
    return accident


@transaction.atomic
def accident_void(*, user: User, accident: Accident, reason: str, at=None) -> Accident:
    """Nothing is deleted: a wrong row is voided with a reason and leaves every count."""
    at = at or timezone.now()
    if not permissions.may_void(user):
        raise PermissionDenied("只有安委办可以作废事故。")
    accident = Accident.objects.select_for_update().get(pk=accident.pk)
    if accident.voided:
        raise AccidentError("该事故已作废。")
    reason = clean_text(reason)
    if not reason:
        raise AccidentError("作废须写明原因。")
    accident.voided, accident.void_reason = True, reason
    accident.version += 1
    accident.updated_at = at
    accident.save(update_fields=["voided", "void_reason", "version", "updated_at"])
    _history(accident, user=user, kind=AccidentHistory.Kind.VOID, note=reason, at=at)
    return accident


# --- 控制指标 --------------------------------------------------------------------------------


@transaction.atomic
def indicator_set(
    *,
    user: User,
    unit: Unit,
    year: int,
    max_deaths: int | None,
    max_accidents: int | None,
    note: str = "",
    at: datetime | None = None,
) -> ControlIndicator:
    """下达 or change a unit's 控制指标 for the year (the 安委办's); a history row each time."""
    at = at or timezone.now()
    if not permissions.may_set_indicators(user):
        raise PermissionDenied("只有安委办可以下达控制指标。")
    if not 2000 <= year <= 2100:
        raise AccidentError(f"年度 {year} 不正确。")
    for label, value in (("死亡人数控制指标", max_deaths), ("事故起数控制指标", max_accidents)):
        if value is None:
            raise AccidentError(f"{unit.name}：请填写{label}。")
        if value < 0:
            raise AccidentError(f"{unit.name}：{label}不能为负数。")
        if value > MAX_PEOPLE:
            raise AccidentError(f"{unit.name}：{label} {value} 过大，请核对。")
    note = clean_text(note)[:200]
    indicator = ControlIndicator.objects.select_for_update().filter(unit=unit, year=year).first()
    if indicator is None:
        indicator = ControlIndicator.objects.create(
            unit=unit, year=year, max_deaths=max_deaths, max_accidents=max_accidents,
            note=note, updated_by=user, updated_at=at,
        )  # fmt: skip
        changes = f"下达：死亡人数 ≤ {max_deaths}，事故起数 ≤ {max_accidents}"
    else:
        lines = []
        if indicator.max_deaths != max_deaths:
            lines.append(f"死亡人数控制指标：{indicator.max_deaths} → {max_deaths}")
        if indicator.max_accidents != max_accidents:
            lines.append(f"事故起数控制指标：{indicator.max_accidents} → {max_accidents}")
        if not lines:
            return indicator
        indicator.max_deaths, indicator.max_accidents = max_deaths, max_accidents
        indicator.note = note or indicator.note
        indicator.updated_by, indicator.updated_at = user, at
        indicator.save()
        changes = "\n".join(lines)
    ControlIndicatorHistory.objects.create(
        indicator=indicator, author=user, changes=changes, note=note, created_at=at
    )
    return indicator
