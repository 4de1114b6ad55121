"""Writes to the registers. Keyword-only and atomic; each checks who may do it, so a page, the
admin, an import and a command cannot disagree.

Messages are Chinese and name the field; nothing is half-written: photos stored before a
failed commit are removed again.
"""

import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from tracker.enterprises import credit_code, permissions, phones
from tracker.enterprises.grids import Tree, check_member, check_parent
from tracker.enterprises.models import (
    Enterprise,
    Grid,
    GridMember,
    Inspection,
    InspectionHazard,
    InspectionPhoto,
    Standardization,
    StandardizationChange,
)
from tracker.enterprises.selectors import enterprises_for_user
from tracker.models import OutboxMessage, Unit, User
from tracker.notices import notify_unit
from tracker.services import (
    WorkflowError,
    clean_text,
    remove_files,
    store_upload,
)

logger = logging.getLogger(__name__)

MAX_HAZARDS = 20
MAX_PHOTOS = 9
INSPECTION_MAX_AGE_DAYS = 366
REMINDER_DAYS = (90, 30)


class RegisterError(WorkflowError):
    """A write the registers refuse; the message is shown as is."""


def _first_message(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "；".join(m for messages in error.message_dict.values() for m in messages)
    return "；".join(error.messages)


# --- enterprises ---------------------------------------------------------------------------


def check_enterprise(enterprise: Enterprise) -> None:
    """Raise ValidationError, by field, unless the enterprise's file is consistent."""
    errors: dict[str, str] = {}
    industry = enterprise.industry if enterprise.industry_id else None
    if enterprise.credit_code:
        try:
            enterprise.credit_code = credit_code.check(enterprise.credit_code)
        except credit_code.CreditCodeError as exc:
            errors["credit_code"] = f"统一社会信用代码{exc}。"
    elif industry is not None and not industry.credit_code_optional:
        errors["credit_code"] = (
            f"{industry.name}企业必须填写统一社会信用代码（只有九小场所等可不填）。"
        )
    for name, label in (
        ("principal_phone", "主要负责人电话"),
        ("safety_phone", "安全管理人员电话"),
    ):
        try:
            setattr(enterprise, name, phones.check(getattr(enterprise, name)))
        except phones.PhoneError as exc:
            errors[name] = f"{label}{exc}。"
    township = enterprise.township if enterprise.township_id else None
    if township is not None and township.kind != Unit.Kind.TOWNSHIP:
        errors["township"] = f"「{township.name}」不是乡镇（街道）。"
    if enterprise.supervisor_id and enterprise.supervisor.kind != Unit.Kind.DEPARTMENT:
        errors["supervisor"] = f"「{enterprise.supervisor.name}」不是部门。"
    if enterprise.grid_id:
        grid = enterprise.grid
        if grid.level != Grid.Level.GRID:
            errors["grid"] = f"「{grid.name}」是村（社区），企业要划入其下的网格。"
        elif grid.township_id != enterprise.township_id:
            errors["grid"] = f"网格「{grid.name}」属于{grid.township.name}，与企业的属地不一致。"
        else:
            village = Tree.of([grid.township_id]).village_of(grid.pk)
            if village is not None:
                if enterprise.village_id and enterprise.village_id != village.pk:
                    errors["village"] = (
                        f"网格「{grid.name}」属于{village.name}，与所填村（社区）不一致。"
                    )
                enterprise.village_id = village.pk
    if enterprise.village_id and "village" not in errors:
        village = enterprise.village
        if village.level != Grid.Level.VILLAGE:
            errors["village"] = f"「{village.name}」不是村（社区）。"
        elif village.township_id != enterprise.township_id:
            errors["village"] = f"{village.name}不属于{enterprise.township.name}。"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def enterprise_save(*, user: User, enterprise: Enterprise) -> Enterprise:
    """Create or change one enterprise's file (the admin's form and the demo use this)."""
    if not user.is_office and not (
        permissions.is_township_staff(user) and enterprise.township_id == user.unit_id
    ):
        raise PermissionDenied("只有安委办和企业属地乡镇（街道）可以修改企业台账。")
    if enterprise.supervisor_id is None and enterprise.industry_id:
        enterprise.supervisor_id = enterprise.industry.supervisor_id
    check_enterprise(enterprise)
    enterprise.name = clean_text(enterprise.name)
    if not enterprise.name:
        raise ValidationError({"name": "企业名称不能为空。"})
    enterprise.updated_at = timezone.now()
    try:
        with transaction.atomic():
            enterprise.save()
    except IntegrityError as exc:
        raise RegisterError(_duplicate_message(enterprise)) from exc
    return enterprise


def _duplicate_message(enterprise: Enterprise) -> str:
    if enterprise.credit_code and (
        Enterprise.objects.filter(credit_code=enterprise.credit_code)
        .exclude(pk=enterprise.pk)
        .exists()
    ):
        return f"统一社会信用代码 {enterprise.credit_code} 已登记在其他企业名下。"
    return f"{enterprise.township.name}已有同名企业「{enterprise.name}」。"


# --- grids ---------------------------------------------------------------------------------


def _require_grid_manager(user: User, township_id: int) -> None:
    if not permissions.may_manage_grids(user, township_id):
        raise PermissionDenied("只有安委办和本乡镇（街道）可以维护网格。")


@transaction.atomic
def grid_create(
    *, user: User, township: Unit, name: str, parent: Grid | None = None, sort_order: int = 100
) -> Grid:
    """A 村（社区） (no parent) or a 网格 under a 村 or a larger 网格."""
    _require_grid_manager(user, township.pk)
    name = clean_text(name)
    if not name:
        raise RegisterError("网格名称不能为空。")
    grid = Grid(
        township=township,
        parent=parent,
        name=name[:60],
        level=Grid.Level.GRID if parent is not None else Grid.Level.VILLAGE,
        sort_order=sort_order,
    )
    try:
        check_parent(grid)
    except ValidationError as exc:
        raise RegisterError(_first_message(exc)) from exc
    try:
        with transaction.atomic():
            grid.save()
    except IntegrityError as exc:
        where = f"「{parent.name}」下" if parent else f"{township.name}"
        raise RegisterError(f"{where}已有名为「{grid.name}」的网格。") from exc
    return grid


@transaction.atomic
def grid_move(*, user: User, grid: Grid, parent: Grid) -> Grid:
    """Hang a 网格 under another 村 or 网格 of its township; a loop is refused."""
    grid = Grid.objects.select_for_update().get(pk=grid.pk)
    _require_grid_manager(user, grid.township_id)
    if grid.level == Grid.Level.VILLAGE:
        raise RegisterError(f"「{grid.name}」是村（社区），直接属于乡镇（街道），不能移动。")
    grid.parent = parent
    try:
        check_parent(grid)
    except ValidationError as exc:
        raise RegisterError(_first_message(exc)) from exc
    grid.save(update_fields=["parent"])
    return grid


@transaction.atomic
def member_add(
    *,
    user: User,
    grid: Grid,
    name: str,
    phone: str,
    role: str = GridMember.Role.MEMBER,
    account: User | None = None,
) -> GridMember:
    """A 网格长 or 网格员 on a grid; an account must be a 网格员 of the grid's own township."""
    _require_grid_manager(user, grid.township_id)
    if grid.level != Grid.Level.GRID:
        raise RegisterError(f"「{grid.name}」是村（社区），网格长和网格员要设在其下的网格。")
    member = GridMember(grid=grid, role=role, name=clean_text(name)[:40], phone=phone, user=account)
    if not member.name:
        raise RegisterError("网格员姓名不能为空。")
    try:
        check_member(member)
    except ValidationError as exc:
        raise RegisterError(_first_message(exc)) from exc
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as exc:
        if role == GridMember.Role.LEADER:
            raise RegisterError(f"网格「{grid.name}」已有网格长。") from exc
        raise RegisterError(f"该账号已是网格「{grid.name}」的成员。") from exc
    return member


@transaction.atomic
def enterprise_set_grid(*, user: User, enterprise: Enterprise, grid: Grid | None) -> Enterprise:
    """Put the enterprise into one grid of its township (None: take it out)."""
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    _require_grid_manager(user, enterprise.township_id)
    enterprise.grid = grid
    if grid is not None:
        enterprise.village = None  # taken from the grid by check_enterprise
    try:
        check_enterprise(enterprise)
    except ValidationError as exc:
        raise RegisterError(_first_message(exc)) from exc
    enterprise.updated_at = timezone.now()
    enterprise.save(update_fields=["grid", "village", "updated_at"])
    return enterprise


# --- inspections ---------------------------------------------------------------------------


def _member_for(user: User, enterprise: Enterprise) -> GridMember | None:
    """The user's membership of the enterprise's grid or of a grid above it."""
    if not permissions.is_grid_member(user) or enterprise.grid_id is None:
        return None
    memberships = {
        m.grid_id: m for m in GridMember.objects.filter(user=user, grid__township_id=user.unit_id)
    }
    tree = Tree.of([user.unit_id])
    node, seen = tree.nodes.get(enterprise.grid_id), set()
    while node is not None and node.pk not in seen:
        seen.add(node.pk)
        if node.pk in memberships:
            return memberships[node.pk]
        node = tree.nodes.get(node.parent_id) if node.parent_id else None
    return None


def inspection_record(
    *,
    user: User,
    enterprise: Enterprise,
    inspected_on: date,
    result: str,
    hazards: Sequence[str] = (),
    signature: str,
    note: str = "",
    photos: Sequence[UploadedFile] = (),
    today: date | None = None,
    at: datetime | None = None,
) -> Inspection:
    """Record one inspection with its hazards and photos. Photos are checked by the form
    (tracker.uploads.check_evidence); here they are stored, and removed again on failure."""
    written: list[str] = []
    try:
        with transaction.atomic():
            return _inspection_rows(
                user=user, enterprise=enterprise, inspected_on=inspected_on, result=result,
                hazards=hazards, signature=signature, note=note, photos=photos,
                today=today or timezone.localdate(), at=at or timezone.now(), written=written,
            )  # fmt: skip
    except BaseException:
        remove_files(InspectionPhoto._meta.get_field("file").storage, written)
        raise


def _inspection_rows(
    *, user, enterprise, inspected_on, result, hazards, signature, note, photos, today, at, written
) -> Inspection:
    if not permissions.may_write(user):
        raise PermissionDenied("领导账号只能查看，不能录入巡查记录。")
    if not enterprises_for_user(user).filter(pk=enterprise.pk).exists():
        if permissions.is_grid_member(user):
            raise PermissionDenied(
                f"「{enterprise.name}」不在您负责的网格内，不能录入其他网格或其他乡镇（街道）企业的巡查。"
            )
        raise PermissionDenied(f"您无权录入「{enterprise.name}」的巡查记录。")
    if inspected_on > today:
        raise RegisterError(f"检查日期 {inspected_on:%Y-%m-%d} 晚于今天，请核对。")
    if inspected_on < today - timedelta(days=INSPECTION_MAX_AGE_DAYS):
        raise RegisterError(f"检查日期 {inspected_on:%Y-%m-%d} 早于一年前，请核对。")
    items = [clean_text(h) for h in hazards]
    items = [h for h in items if h]
    if result == Inspection.Result.HAZARDS and not items:
        raise RegisterError("检查结果为“发现隐患”，请逐条填写隐患描述。")
    if result == Inspection.Result.CLEAR and items:
        raise RegisterError("检查结果为“未发现问题”，不能同时填写隐患；发现隐患请改选“发现隐患”。")
    if result not in Inspection.Result.values:
        raise RegisterError("请选择检查结果。")
    if len(items) > MAX_HAZARDS:
        raise RegisterError(f"一次最多填写 {MAX_HAZARDS} 处隐患。")
    for number, text in enumerate(items, start=1):
        if len(text) > 500:
            raise RegisterError(f"第{number}处隐患的描述超过 500 字。")
    signature = clean_text(signature)
    if not signature:
        raise RegisterError("请填写检查人签名（姓名）。")
    if len(photos) > MAX_PHOTOS:
        raise RegisterError(f"一次最多上传 {MAX_PHOTOS} 张照片。")
    inspection = Inspection(
        enterprise=enterprise,
        inspected_on=inspected_on,
        result=result,
        hazard_count=len(items),
        signature=signature[:40],
        note=clean_text(note),
        member=_member_for(user, enterprise),
        inspector_unit_id=user.unit_id,
        recorded_by=user,
        created_at=at,
    )
    inspection.save()
    if items:
        InspectionHazard.objects.bulk_create(
            [
                InspectionHazard(inspection=inspection, number=n, description=text)
                for n, text in enumerate(items, start=1)
            ]
        )
    _store_photos(inspection=inspection, photos=photos, user=user, at=at, written=written)
    return inspection


def _store_photos(*, inspection, photos, user, at, written: list[str]) -> None:
    for upload in photos:
        photo = InspectionPhoto(inspection=inspection, uploaded_by=user, uploaded_at=at)
        store_upload(
            row=photo, upload=upload, written=written, what="an inspection photo",
            noun="照片", error=RegisterError, fallback_type="image/jpeg",
        )  # fmt: skip


# --- 标准化创建 -----------------------------------------------------------------------------

_ORDER = {
    Standardization.State.BUILDING: 0,
    Standardization.State.APPLIED: 1,
    Standardization.State.REVIEWED: 2,
    Standardization.State.ACHIEVED: 3,
}
_LEVEL_RANK = {"first": 0, "second": 1, "third": 2, "small": 3}


def _require_standardizer(user: User, enterprise: Enterprise) -> None:
    if not (
        enterprises_for_user(user).filter(pk=enterprise.pk).exists()
        and permissions.may_standardize(user, enterprise)
    ):
        raise PermissionDenied("只有安委办、企业属地乡镇（街道）和行业监管部门可以登记标准化创建。")


def _check_certificate(
    *, state: str, achieved_on: date | None, certificate_no: str, valid_until: date | None, today
) -> None:
    if state != Standardization.State.ACHIEVED:
        return
    missing = [
        label
        for label, value in (
            ("达标日期", achieved_on),
            ("证书编号", certificate_no),
            ("有效期至", valid_until),
        )
        if not value
    ]
    if missing:
        raise RegisterError(f"已达标须填写{'、'.join(missing)}。")
    if achieved_on > today:
        raise RegisterError(f"达标日期 {achieved_on:%Y-%m-%d} 晚于今天，请核对。")
    if valid_until <= achieved_on:
        raise RegisterError("有效期至必须晚于达标日期。")


def refresh_standard_level(enterprise_id: int) -> str:
    """The enterprise's level: the best 已达标 record's (一级 over 二级 …), else 未创建."""
    levels = Standardization.objects.filter(
        enterprise_id=enterprise_id, state=Standardization.State.ACHIEVED
    ).values_list("level", flat=True)
    best = min(levels, key=_LEVEL_RANK.__getitem__, default=Enterprise.Level.NONE)
    Enterprise.objects.filter(pk=enterprise_id).update(standard_level=best)
    return best


def _change_row(record: Standardization, *, user, kind, from_state, note, at) -> None:
    StandardizationChange(
        record=record,
        author=user,
        kind=kind,
        from_state=from_state,
        to_state=record.state,
        level=record.level,
        achieved_on=record.achieved_on,
        certificate_no=record.certificate_no,
        valid_until=record.valid_until,
        note=clean_text(note),
        created_at=at,
    ).save()


@transaction.atomic
def standardization_create(
    *,
    user: User,
    enterprise: Enterprise,
    level: str,
    state: str = Standardization.State.BUILDING,
    achieved_on: date | None = None,
    certificate_no: str = "",
    valid_until: date | None = None,
    note: str = "",
    today: date | None = None,
    at: datetime | None = None,
) -> Standardization:
    """Register an enterprise's 标准化创建: under way, or (an existing certificate) 已达标."""
    _require_standardizer(user, enterprise)
    today, at = today or timezone.localdate(), at or timezone.now()
    if level not in Standardization.Level.values:
        raise RegisterError("请选择创建等级。")
    if state not in _ORDER:
        raise RegisterError("新登记的标准化创建只能是创建中、已申报、已评审或已达标。")
    certificate_no = clean_text(certificate_no)[:40]
    _check_certificate(
        state=state, achieved_on=achieved_on, certificate_no=certificate_no,
        valid_until=valid_until, today=today,
    )  # fmt: skip
    Enterprise.objects.select_for_update().filter(pk=enterprise.pk).first()
    if (
        state != Standardization.State.ACHIEVED
        and Standardization.objects.filter(
            enterprise=enterprise, state__in=Standardization.OPEN_STATES
        ).exists()
    ):
        raise RegisterError(f"「{enterprise.name}」已有正在进行的标准化创建，请在原记录上推进。")
    record = Standardization(
        enterprise=enterprise,
        level=level,
        state=state,
        achieved_on=achieved_on if state == Standardization.State.ACHIEVED else None,
        certificate_no=certificate_no if state == Standardization.State.ACHIEVED else "",
        valid_until=valid_until if state == Standardization.State.ACHIEVED else None,
        created_at=at,
        updated_at=at,
    )
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError as exc:
        raise RegisterError(f"证书编号 {certificate_no} 已被其他记录使用。") from exc
    _change_row(
        record, user=user, kind=StandardizationChange.Kind.CREATE, from_state="", note=note, at=at
    )
    refresh_standard_level(enterprise.pk)
    return record


@transaction.atomic
def standardization_change(
    *,
    user: User,
    record: Standardization,
    state: str,
    achieved_on: date | None = None,
    certificate_no: str = "",
    valid_until: date | None = None,
    note: str = "",
    expected_version: int | None = None,
    today: date | None = None,
    at: datetime | None = None,
) -> Standardization:
    """推进 (创建中 → 已申报 → 已评审 → 已达标), correct an achieved certificate, or 撤销 with
    a reason. Going back a step is refused: the history keeps what happened."""
    locked = (
        Standardization.objects.select_for_update().select_related("enterprise").get(pk=record.pk)
    )
    _require_standardizer(user, locked.enterprise)
    today, at = today or timezone.localdate(), at or timezone.now()
    if expected_version is not None and locked.version != expected_version:
        raise RegisterError("该记录已被他人修改，请刷新页面后重新填写。")
    if locked.state == Standardization.State.REVOKED:
        raise RegisterError("已撤销的标准化记录不能再修改。")
    certificate_no = clean_text(certificate_no)[:40]
    from_state = locked.state
    if state == Standardization.State.REVOKED:
        if not clean_text(note):
            raise RegisterError("撤销须写明原因。")
        kind = StandardizationChange.Kind.REVOKE
    elif state not in _ORDER:
        raise RegisterError("请选择有效的状态。")
    elif _ORDER[state] < _ORDER[from_state]:
        raise RegisterError(
            f"不能从“{locked.get_state_display()}”退回“{Standardization.State(state).label}”；"
            "确有错误请撤销后重新登记。"
        )
    else:
        _check_certificate(
            state=state, achieved_on=achieved_on, certificate_no=certificate_no,
            valid_until=valid_until, today=today,
        )  # fmt: skip
        kind = (
            StandardizationChange.Kind.ADVANCE
            if state != from_state
            else StandardizationChange.Kind.EDIT
        )
    locked.state = state
    if state == Standardization.State.ACHIEVED:
        unchanged = (
            locked.achieved_on == achieved_on
            and locked.certificate_no == certificate_no
            and locked.valid_until == valid_until
        )
        if kind == StandardizationChange.Kind.EDIT and unchanged and not clean_text(note):
            raise RegisterError("没有填写任何变化。")
        locked.achieved_on, locked.certificate_no, locked.valid_until = (
            achieved_on,
            certificate_no,
            valid_until,
        )
    elif kind == StandardizationChange.Kind.EDIT and not clean_text(note):
        raise RegisterError("状态没有变化：请选择下一步状态，或填写说明。")
    locked.version = F("version") + 1
    locked.updated_at = at
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError as exc:
        raise RegisterError(f"证书编号 {certificate_no} 已被其他记录使用。") from exc
    locked.refresh_from_db()
    _change_row(locked, user=user, kind=kind, from_state=from_state, note=note, at=at)
    refresh_standard_level(locked.enterprise_id)
    record.refresh_from_db()
    return locked


# --- certificate reminders -----------------------------------------------------------------


def certificate_reminders(*, today: date, at: datetime | None = None) -> int:
    """Notices to the township and the supervising department 90 and 30 days before a
    certificate expires. One notice per certificate, threshold and unit: running the job
    twice a day, or every day, sends each once; a certificate first seen with 20 days left
    gets only the 30-day one."""
    at = at or timezone.now()
    horizon = today + timedelta(days=max(REMINDER_DAYS))
    records = Standardization.objects.filter(
        state=Standardization.State.ACHIEVED, valid_until__gte=today, valid_until__lte=horizon
    ).select_related("enterprise", "enterprise__township")
    written = 0
    unit_of = Unit.objects.in_bulk()
    with transaction.atomic():
        for record in records:
            left = (record.valid_until - today).days
            threshold = min(d for d in REMINDER_DAYS if left <= d)
            enterprise = record.enterprise
            units = [enterprise.township_id, enterprise.supervisor_id]
            for unit_id in dict.fromkeys(u for u in units if u):
                notice = notify_unit(
                    unit=unit_of[unit_id],
                    key=f"std-cert-{record.pk}-{record.valid_until:%Y%m%d}-{threshold}-{unit_id}",
                    title=(
                        f"标准化证书{left}天后到期：{enterprise.name}"
                        f"（{record.get_level_display()}）"
                    ),
                    body=(
                        f"{enterprise.township.name} {enterprise.name} 的安全生产标准化"
                        f"{record.get_level_display()}证书（编号 {record.certificate_no}）"
                        f"有效期至 {record.valid_until:%Y-%m-%d}，还有 {left} 天。"
                        "请督促企业及时申请复评。"
                    ),
                    kind=OutboxMessage.Kind.REGISTER,
                    text=(
                        f"{enterprise.name} 标准化{record.get_level_display()}证书"
                        f"{record.valid_until:%m月%d日}到期，还有 {left} 天，请督促及时复评。"
                    ),
                    level="red" if threshold == 30 else "yellow",
                    at=at,
                )
                written += notice is not None
    return written
