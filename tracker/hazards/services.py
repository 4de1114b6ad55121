"""Writes to the 隐患台账. Keyword-only and atomic; each checks who may do it and writes one
history row, so a page, an import and a command cannot disagree. Messages are Chinese and name
the field; nothing is half-written: photos stored before a failed commit are removed again."""

import logging
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tracker.enterprises import permissions as registers
from tracker.enterprises.models import Enterprise, Grid, Industry, InspectionHazard
from tracker.enterprises.selectors import enterprises_for_user, own_grid_ids
from tracker.hazards import permissions
from tracker.hazards.models import Hazard, HazardChange, HazardPhoto
from tracker.models import Unit, User
from tracker.services import (
    WorkflowError,
    clean_text,
    remove_files,
    store_upload,
)

logger = logging.getLogger(__name__)

MAX_PHOTOS = 9
S = Hazard.State


class HazardError(WorkflowError):
    """A write the register refuses; the message is shown as is."""


def _photos_guarded(fn):
    """Run a write that may store photos; remove the stored files when it fails."""

    def wrapper(**kwargs):
        written: list[str] = []
        try:
            with transaction.atomic():
                return fn(written=written, **kwargs)
        except BaseException:
            remove_files(HazardPhoto._meta.get_field("file").storage, written)
            raise

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def _store_photos(*, hazard, photos, stage, user, at, written: list[str]) -> None:
    if len(photos) > MAX_PHOTOS:
        raise HazardError(f"一次最多上传 {MAX_PHOTOS} 张照片。")
    for upload in photos:
        photo = HazardPhoto(hazard=hazard, stage=stage, uploaded_by=user, uploaded_at=at)
        store_upload(
            row=photo, upload=upload, written=written, what="a hazard photo",
            noun="照片", error=HazardError, fallback_type="image/jpeg",
        )  # fmt: skip


def _change(hazard: Hazard, *, user, kind, from_state, note="", at) -> HazardChange:
    return HazardChange.objects.create(
        hazard=hazard, author=user, kind=kind, from_state=from_state or "",
        to_state=hazard.state, note=note, created_at=at,
    )  # fmt: skip


def _save(hazard: Hazard, *, at, fields: list[str]) -> None:
    """Save the named fields, refusing a write over a change someone saved meanwhile."""
    seen = hazard.version
    hazard.version = seen + 1
    hazard.updated_at = at
    fields = [*fields, "version", "updated_at"]
    values = {f: getattr(hazard, f) for f in fields}
    if not Hazard.objects.filter(pk=hazard.pk, version=seen).update(**values):
        raise HazardError("该隐患刚被其他人修改过，请刷新页面后重试。")


def _require_open(hazard: Hazard) -> None:
    if hazard.voided:
        raise HazardError("该隐患已作废，不能再办理。")


def _check_rectify(user: User, hazard: Hazard) -> None:
    _require_open(hazard)
    if not permissions.may_rectify(user, hazard):
        if user.is_authenticated and user.is_leader:
            raise PermissionDenied("领导账号只能查看，不能办理隐患。")
        raise PermissionDenied("只有属地乡镇（街道）、行业监管部门或安委办可以办理该隐患的整改。")


# --- record --------------------------------------------------------------------------------


def _scope_for(user: User, *, enterprise, township, grid) -> None:
    """A hazard is recorded only where the user works: another township's is refused."""
    if enterprise is not None:
        if not enterprises_for_user(user).filter(pk=enterprise.pk).exists():
            raise PermissionDenied(
                f"「{enterprise.name}」不在您负责的范围内，不能登记其他乡镇（街道）或其他网格的隐患。"
            )
        return
    if user.is_office:
        return
    if registers.is_township_staff(user) and township.pk == user.unit_id:
        return
    if registers.is_grid_member(user) and township.pk == user.unit_id:
        if grid is None or grid.pk not in own_grid_ids(user):
            raise PermissionDenied("请选择您负责的网格。")
        return
    raise PermissionDenied(f"您不能登记「{township.name}」的隐患：只能登记本单位辖区内的隐患。")


def check_fields(
    *, found_on: date, level: str, basis: str, deadline: date | None, today: date
) -> None:
    if found_on > today:
        raise HazardError(f"发现日期 {found_on:%Y-%m-%d} 晚于今天，请核对。")
    if level not in Hazard.Level.values:
        raise HazardError("请选择隐患等级（一般或重大）。")
    if level == Hazard.Level.MAJOR and not clean_text(basis):
        raise HazardError("重大隐患须写明判定依据（如《重大事故隐患判定标准》第几条）。")
    if deadline is not None and deadline < found_on:
        raise HazardError(
            f"整改时限 {deadline:%Y-%m-%d} 早于发现日期 {found_on:%Y-%m-%d}，请核对。"
        )


@_photos_guarded
def hazard_record(
    *,
    user: User,
    found_on: date,
    source: str,
    description: str,
    category: str,
    level: str,
    enterprise: Enterprise | None = None,
    township: Unit | None = None,
    grid: Grid | None = None,
    industry: Industry | None = None,
    location: str = "",
    subcategory: str = "",
    basis: str = "",
    photos: Sequence[UploadedFile] = (),
    task=None,
    inspection_hazard: InspectionHazard | None = None,
    code: str = "",
    today: date | None = None,
    at: datetime | None = None,
    written: list[str],
) -> Hazard:
    """Record one hazard, of an enterprise or of a place without one (a road, a village)."""
    today = today or timezone.localdate()
    at = at or timezone.now()
    if not permissions.may_record(user):
        raise PermissionDenied("领导账号只能查看，不能登记隐患。")
    if enterprise is None and township is None:
        raise HazardError("请选择企业，或选择隐患所在的乡镇（街道）并填写部位。")
    if enterprise is not None:
        township = enterprise.township
        grid = enterprise.grid
        industry = enterprise.industry
    elif township.kind != Unit.Kind.TOWNSHIP:
        raise HazardError("属地须是乡镇（街道）。")
    _scope_for(user, enterprise=enterprise, township=township, grid=grid)
    description = clean_text(description)
    location = clean_text(location)
    if not description:
        raise HazardError("请填写隐患描述。")
    if enterprise is None and not location:
        raise HazardError("没有企业的隐患（道路、村居等）请填写隐患部位。")
    if source not in Hazard.Source.values:
        raise HazardError("请选择发现方式。")
    if category not in Hazard.Category.values:
        raise HazardError("请选择隐患类别（基础管理或现场管理）。")
    check_fields(found_on=found_on, level=level, basis=basis, deadline=None, today=today)
    supervisor = None
    if enterprise is not None:
        supervisor = enterprise.supervisor or (industry.supervisor if industry else None)
    elif industry is not None:
        supervisor = industry.supervisor
    hazard = Hazard.objects.create(
        code=clean_text(code)[:40], enterprise=enterprise, township=township, grid=grid,
        industry=industry, supervisor=supervisor,
        rectifier=None if enterprise is not None else township,
        found_on=found_on, source=source, location=location[:200], description=description,
        category=category, subcategory=clean_text(subcategory)[:40], level=level,
        basis=clean_text(basis), task=task, inspection_hazard=inspection_hazard,
        recorded_by=user, created_at=at, updated_at=at,
    )  # fmt: skip
    _store_photos(hazard=hazard, photos=photos, stage="before", user=user, at=at, written=written)
    _change(hazard, user=user, kind=HazardChange.Kind.RECORD, from_state="", at=at)
    return hazard


@transaction.atomic
def hazards_from_inspection(
    *, user: User, inspection, task=None, category: str = "site", at: datetime | None = None
) -> list[Hazard]:
    """Every hazard the inspection found becomes a register row in one step; ones already
    taken over are skipped, so a second click adds nothing."""
    at = at or timezone.now()
    made = []
    for item in inspection.hazards.all():
        if Hazard.objects.filter(inspection_hazard=item).exists():
            continue
        source = (
            Hazard.Source.GRID if inspection.member_id is not None else Hazard.Source.DEPARTMENT
        )
        made.append(
            hazard_record(
                user=user,
                enterprise=inspection.enterprise,
                found_on=inspection.inspected_on,
                source=source,
                description=item.description,
                category=category,
                level=Hazard.Level.GENERAL,
                task=task,
                inspection_hazard=item,
                today=max(inspection.inspected_on, timezone.localdate()),
                at=at,
            )  # fmt: skip
        )
    return made


# --- 整改 ----------------------------------------------------------------------------------


@transaction.atomic
def hazard_plan(
    *,
    user: User,
    hazard: Hazard,
    measures: str,
    responsible: str,
    funds: Decimal | None,
    deadline: date | None,
    contingency: str,
    at: datetime | None = None,
) -> Hazard:
    """整改“五落实”: measures, 责任人, 资金, 时限, 预案. 待整改 → 整改中 (or a corrected plan)."""
    at = at or timezone.now()
    _check_rectify(user, hazard)
    if hazard.state not in (S.PENDING, S.FIXING):
        raise HazardError(f"该隐患{hazard.get_state_display()}，不能修改整改方案。")
    measures, responsible, contingency = (
        clean_text(measures), clean_text(responsible), clean_text(contingency)
    )  # fmt: skip
    missing = [
        label
        for label, value in (
            ("整改措施", measures),
            ("整改责任人", responsible),
            ("整改资金", funds),
            ("整改时限", deadline),
            ("应急预案/防范措施", contingency),
        )  # fmt: skip
        if value in ("", None)
    ]
    if missing:
        raise HazardError(f"整改须“五落实”，请填写：{'、'.join(missing)}。")
    if funds < 0:
        raise HazardError("整改资金不能为负数。")
    if deadline < hazard.found_on:
        raise HazardError(
            f"整改时限 {deadline:%Y-%m-%d} 早于发现日期 {hazard.found_on:%Y-%m-%d}，请核对。"
        )
    before = hazard.state
    hazard.measures, hazard.responsible, hazard.funds = measures, responsible[:40], funds
    hazard.deadline, hazard.contingency, hazard.state = deadline, contingency, S.FIXING
    _save(
        hazard, at=at,
        fields=["measures", "responsible", "funds", "deadline", "contingency", "state"],
    )  # fmt: skip
    note = f"措施：{measures}；责任人：{responsible}；资金：{funds} 元；时限：{deadline:%Y-%m-%d}"
    _change(hazard, user=user, kind=HazardChange.Kind.PLAN, from_state=before, note=note, at=at)
    return hazard


@_photos_guarded
def hazard_submit(
    *,
    user: User,
    hazard: Hazard,
    note: str = "",
    photos: Sequence[UploadedFile] = (),
    today: date | None = None,
    at: datetime | None = None,
    written: list[str],
) -> Hazard:
    """整改中 → 待验收, with the photos after 整改."""
    at = at or timezone.now()
    _check_rectify(user, hazard)
    if hazard.state != S.FIXING:
        raise HazardError(
            f"该隐患{hazard.get_state_display()}，先落实整改方案（五落实）再提交验收。"
        )
    _store_photos(hazard=hazard, photos=photos, stage="after", user=user, at=at, written=written)
    if not hazard.photos.filter(stage="after").exists():
        raise HazardError("提交验收须上传整改后的照片。")
    hazard.state, hazard.submitted_on = S.REVIEW, today or timezone.localdate()
    _save(hazard, at=at, fields=["state", "submitted_on"])
    _change(
        hazard, user=user, kind=HazardChange.Kind.SUBMIT, from_state=S.FIXING,
        note=clean_text(note), at=at,
    )  # fmt: skip
    return hazard


def _check_accept(user: User, hazard: Hazard) -> None:
    _require_open(hazard)
    if permissions.may_accept(user, hazard):
        return
    if hazard.rectifier_id is not None and user.unit_id == hazard.rectifier_id:
        raise PermissionDenied("整改责任单位不能验收自己整改的隐患，请由行业监管部门或安委办验收。")
    if hazard.level == Hazard.Level.MAJOR:
        raise PermissionDenied("重大隐患由行业监管部门或安委办验收。")
    raise PermissionDenied("一般隐患由属地乡镇（街道）或安委办验收。")


@_photos_guarded
def hazard_accept(
    *,
    user: User,
    hazard: Hazard,
    accepted_on: date,
    signer: str,
    photos: Sequence[UploadedFile] = (),
    note: str = "",
    today: date | None = None,
    at: datetime | None = None,
    written: list[str],
) -> Hazard:
    """验收合格, 销号: 待验收 → 已销号, with the date, the signer and the photos after."""
    today = today or timezone.localdate()
    at = at or timezone.now()
    _check_accept(user, hazard)
    if hazard.state != S.REVIEW:
        raise HazardError(f"该隐患{hazard.get_state_display()}，只有待验收的隐患可以销号。")
    signer = clean_text(signer)
    if not signer:
        raise HazardError("销号须填写验收人。")
    if accepted_on is None:
        raise HazardError("销号须填写验收日期。")
    if accepted_on > today:
        raise HazardError(f"验收日期 {accepted_on:%Y-%m-%d} 晚于今天，请核对。")
    if accepted_on < hazard.found_on:
        raise HazardError(f"验收日期 {accepted_on:%Y-%m-%d} 早于发现日期，请核对。")
    _store_photos(hazard=hazard, photos=photos, stage="after", user=user, at=at, written=written)
    if not hazard.photos.filter(stage="after").exists():
        raise HazardError("销号须有整改后的照片，请上传。")
    hazard.state, hazard.accepted_on, hazard.accepted_by = S.CLOSED, accepted_on, signer[:40]
    hazard.accepted_unit_id = user.unit_id
    _save(hazard, at=at, fields=["state", "accepted_on", "accepted_by", "accepted_unit"])
    _change(
        hazard, user=user, kind=HazardChange.Kind.ACCEPT, from_state=S.REVIEW,
        note=f"验收人：{signer}；{clean_text(note)}".rstrip("；"), at=at,
    )  # fmt: skip
    return hazard


@transaction.atomic
def hazard_return(*, user: User, hazard: Hazard, reason: str, at: datetime | None = None):
    """验收不通过: 待验收 → 整改中, with why."""
    at = at or timezone.now()
    _check_accept(user, hazard)
    if hazard.state != S.REVIEW:
        raise HazardError("只有待验收的隐患可以退回整改。")
    reason = clean_text(reason)
    if not reason:
        raise HazardError("请写明验收不通过的原因。")
    hazard.state = S.FIXING
    _save(hazard, at=at, fields=["state"])
    _change(
        hazard, user=user, kind=HazardChange.Kind.RETURN, from_state=S.REVIEW, note=reason, at=at
    )
    return hazard


# --- 挂账 ----------------------------------------------------------------------------------


@transaction.atomic
def hazard_defer(
    *, user: User, hazard: Hazard, reason: str, interim: str, today=None, at=None
) -> Hazard:
    """挂账: cannot be fixed yet; a written reason and interim measures, reviewed monthly."""
    at = at or timezone.now()
    _check_rectify(user, hazard)
    if hazard.state not in (S.PENDING, S.FIXING):
        raise HazardError(f"该隐患{hazard.get_state_display()}，不能挂账。")
    reason, interim = clean_text(reason), clean_text(interim)
    if not reason or not interim:
        raise HazardError("挂账须写明暂不能整改的原因和临时管控措施。")
    before = hazard.state
    hazard.state, hazard.deferred_reason, hazard.interim_measures = S.DEFERRED, reason, interim
    hazard.deferred_reviewed_on = today or timezone.localdate()
    _save(
        hazard, at=at,
        fields=["state", "deferred_reason", "interim_measures", "deferred_reviewed_on"],
    )  # fmt: skip
    note = f"原因：{reason}；临时管控措施：{interim}"
    _change(hazard, user=user, kind=HazardChange.Kind.DEFER, from_state=before, note=note, at=at)
    return hazard


@transaction.atomic
def hazard_review_deferred(*, user: User, hazard: Hazard, note: str, today=None, at=None):
    """The monthly 复核 of a 挂账 hazard: what was checked, and it stays 挂账."""
    at = at or timezone.now()
    _check_rectify(user, hazard)
    if hazard.state != S.DEFERRED:
        raise HazardError("只有挂账的隐患需要复核。")
    note = clean_text(note)
    if not note:
        raise HazardError("请填写复核情况（临时管控措施是否落实）。")
    hazard.deferred_reviewed_on = today or timezone.localdate()
    _save(hazard, at=at, fields=["deferred_reviewed_on"])
    _change(
        hazard, user=user, kind=HazardChange.Kind.REVIEW, from_state=S.DEFERRED, note=note, at=at
    )
    return hazard


@transaction.atomic
def hazard_resume(*, user: User, hazard: Hazard, note: str = "", at=None) -> Hazard:
    """挂账 → 整改中 (or 待整改 when no plan was made yet)."""
    at = at or timezone.now()
    _check_rectify(user, hazard)
    if hazard.state != S.DEFERRED:
        raise HazardError("只有挂账的隐患可以恢复整改。")
    hazard.state = S.FIXING if hazard.deadline else S.PENDING
    _save(hazard, at=at, fields=["state"])
    _change(
        hazard, user=user, kind=HazardChange.Kind.RESUME, from_state=S.DEFERRED,
        note=clean_text(note), at=at,
    )  # fmt: skip
    return hazard


# --- the office: 挂牌督办, 摘牌, 催办, 作废 ----------------------------------------------------


def _require_office(user: User, what: str) -> None:
    if not permissions.may_supervise(user):
        raise PermissionDenied(f"只有安委办可以{what}。")


@transaction.atomic
def hazard_list(
    *, user: User, hazard: Hazard, level: str, doc: str, listed_on: date, at=None
) -> Hazard:
    """挂牌督办 a 重大 hazard at 县 / 市 / 省 level with its 督办单."""
    at = at or timezone.now()
    _require_office(user, "挂牌督办")
    _require_open(hazard)
    if hazard.level != Hazard.Level.MAJOR:
        raise HazardError("只有重大隐患可以挂牌督办。")
    if hazard.is_listed:
        raise HazardError(f"该隐患已由{hazard.get_listing_display()}挂牌督办。")
    if hazard.state == S.CLOSED:
        raise HazardError("该隐患已销号，不能再挂牌。")
    if level not in Hazard.Listing.values:
        raise HazardError("请选择督办层级（县级、市级或省级）。")
    doc = clean_text(doc)
    if not doc:
        raise HazardError("请填写督办单号。")
    if listed_on < hazard.found_on:
        raise HazardError("挂牌日期早于发现日期，请核对。")
    hazard.listing, hazard.listing_doc, hazard.listed_on = level, doc[:60], listed_on
    hazard.delisted_on = None
    _save(hazard, at=at, fields=["listing", "listing_doc", "listed_on", "delisted_on"])
    note = f"{hazard.get_listing_display()}挂牌督办，督办单 {doc}"
    _change(
        hazard, user=user, kind=HazardChange.Kind.LIST, from_state=hazard.state, note=note, at=at
    )
    from tracker.hazards.reminders import listing_notice  # reminders imports the services

    listing_notice(hazard, at=at)
    return hazard


@transaction.atomic
def hazard_delist(*, user: User, hazard: Hazard, delisted_on: date, at=None) -> Hazard:
    """摘牌: only once the hazard is 销号."""
    at = at or timezone.now()
    _require_office(user, "摘牌")
    if not hazard.is_listed:
        raise HazardError("该隐患没有挂牌督办。")
    if hazard.state != S.CLOSED:
        raise HazardError("隐患整改验收销号后才能摘牌。")
    if delisted_on < hazard.listed_on:
        raise HazardError("摘牌日期早于挂牌日期，请核对。")
    hazard.delisted_on = delisted_on
    _save(hazard, at=at, fields=["delisted_on"])
    _change(hazard, user=user, kind=HazardChange.Kind.DELIST, from_state=hazard.state, at=at)
    return hazard


@transaction.atomic
def hazard_void(*, user: User, hazard: Hazard, reason: str, at=None) -> Hazard:
    """Nothing is deleted: a wrong row is voided with a reason and leaves every count."""
    at = at or timezone.now()
    _require_office(user, "作废隐患")
    if hazard.voided:
        raise HazardError("该隐患已作废。")
    reason = clean_text(reason)
    if not reason:
        raise HazardError("作废须写明原因。")
    hazard.voided, hazard.void_reason = True, reason
    _save(hazard, at=at, fields=["voided", "void_reason"])
    _change(
        hazard, user=user, kind=HazardChange.Kind.VOID, from_state=hazard.state, note=reason, at=at
    )
    return hazard


@transaction.atomic
def hazard_urge(*, user: User, hazard: Hazard, note: str = "", at=None) -> Hazard:
    """催办: each one raises the ladder a step (blue → yellow → red), as for tasks."""
    at = at or timezone.now()
    _require_office(user, "催办")
    _require_open(hazard)
    if not hazard.is_open:
        raise HazardError("该隐患已销号，无需催办。")
    Hazard.objects.filter(pk=hazard.pk).update(urge_level=F("urge_level") + 1)
    hazard.refresh_from_db(fields=["urge_level"])
    from tracker.hazards.reminders import urge_notice

    urge_notice(hazard, at=at)
    _change(
        hazard, user=user, kind=HazardChange.Kind.URGE, from_state=hazard.state,
        note=clean_text(note) or f"第{hazard.urge_level}次催办", at=at,
    )  # fmt: skip
    return hazard
