"""Writes to assignments. Every change goes through here and leaves one history row.

All functions are keyword-only and atomic. They check permissions themselves, so that a
view, the admin, an import and a management command cannot disagree about who may do what.
"""

import errno
import hashlib
import logging
import mimetypes
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from types import EllipsisType

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from checklist.models import ChecklistItem
from checklist.shares import SharesError, even_split, format_share, is_rate_unit
from tracker.measuring import MEASURED_MESSAGE
from tracker.models import (
    Assignment,
    Evidence,
    ExtensionRequest,
    StatusUpdate,
    Supervision,
    Unit,
    User,
)
from tracker.notices import notify
from tracker.progress import format_quantity, percent_of_target
from tracker.work_years import is_closed

Status = Assignment.Status
Kind = StatusUpdate.Kind

logger = logging.getLogger(__name__)


class WorkflowError(Exception):
    """A request that the workflow does not allow; the message is shown to the user as is."""


class ConflictError(WorkflowError):
    """Someone else saved the assignment after this user loaded it."""


# NUL and other control characters: PostgreSQL refuses NUL, and none of them belongs in a note.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Zero-width space, non-joiner, joiner, word joiner and BOM: invisible, so a reason made only of
# them (and of spaces, full-width U+3000 included, which strip() removes) is an empty one.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")

NOTHING_CHANGED_MESSAGE = "没有填写任何变化：请更新进度、填写说明或上传佐证材料。"

CONFLICT_MESSAGE = "该任务已被他人修改，请刷新页面查看最新情况后重新填写。"

DISK_FULL_MESSAGE = "服务器磁盘空间不足，文件未能保存，请稍后重试或联系安委办。"
# Out of space, or out of the account's quota: either way the file cannot be kept.
_DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}


class StorageFullError(WorkflowError):
    """The server's disk is full: nothing of the request was kept; the user may retry later."""


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in _DISK_FULL_ERRNOS


def remove_files(storage, names: Iterable[str]) -> None:
    """Delete files this request wrote, when the rows that would point at them are not kept."""
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.exception("could not remove the unreferenced file %s", name)


def _require_office(user: User) -> None:
    if not (user and user.is_office):
        raise PermissionDenied("只有安委办可以进行此操作。")


def _require_reporter(user: User, assignment: Assignment) -> None:
    """The unit's own staff report on published items; the office may report on anyone's behalf."""
    if user and user.is_office:
        return
    if (
        user
        and user.is_active
        and user.role == User.Role.STAFF
        and user.unit_id == assignment.unit_id
        and assignment.item.state == ChecklistItem.State.PUBLISHED
    ):
        return
    raise PermissionDenied("您无权办理该任务。")


def require_open_year(item: ChecklistItem) -> None:
    """A closed 年度's items are read-only: their figures stay as they stood when it closed.
    A void (作废) item is read-only too: it is kept only for its history."""
    if item.state == ChecklistItem.State.VOID:
        raise WorkflowError(f"任务 {item.code} 已作废，不能再办理。")
    if is_closed(item.year):
        raise WorkflowError(f"{item.year}年度已归档，其任务只能查看，不能再修改。")


def _lock(assignment: Assignment, expected_version: int | None) -> Assignment:
    locked = Assignment.objects.select_for_update().select_related("item").get(pk=assignment.pk)
    require_open_year(locked.item)
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(CONFLICT_MESSAGE)
    return locked


def _save(assignment: Assignment, fields: Sequence[str]) -> None:
    assignment.version = F("version") + 1
    assignment.save(update_fields=[*fields, "version", "updated_at"])
    assignment.refresh_from_db(fields=["version"])


def clean_text(text: str | None) -> str:
    """A note or reason as it is kept, and as every required one is checked: no control or
    invisible characters, no blank ends (U+3000 included). Empty means nothing was written."""
    return _INVISIBLE.sub("", _CONTROL.sub("", text or "")).strip()


def _record(
    *,
    assignment: Assignment,
    user: User | None,
    kind: str,
    from_status: str,
    at: datetime,
    note: str = "",
    **fields,
) -> StatusUpdate:
    update = StatusUpdate(
        assignment=assignment,
        author=user,
        kind=kind,
        from_status=from_status,
        to_status=assignment.status,
        note=clean_text(note),
        created_at=at,
        **fields,
    )
    update.save()
    return update


def store_upload(
    *,
    row,
    upload: UploadedFile,
    written: list[str],
    what: str,
    noun: str = "文件",
    error: type[WorkflowError] = WorkflowError,
    fallback_type: str | None = None,
) -> None:
    """Fill the row's original_name, size, content_type and sha256 from the upload, store its
    bytes in the row's `file` field and save the row. The name is put on `written` before the
    bytes are, so that the caller can remove even a half-written file if the request fails.

    `what` names the file in the log; `noun` and `error` word and raise the refusal of an empty
    file. Without `fallback_type` a browser that sends no type gets one guessed from the name."""
    field = type(row)._meta.get_field("file")
    digest, size = hashlib.sha256(), 0
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
    if size == 0:
        raise error(f"{noun}「{upload.name}」是空文件，请重新选择。")
    upload.seek(0)
    content_type = getattr(upload, "content_type", "") or (
        fallback_type or mimetypes.guess_type(upload.name)[0] or "application/octet-stream"
    )
    row.original_name = upload.name[:255]
    row.size = size
    row.content_type = content_type[:100]
    row.sha256 = digest.hexdigest()
    name = field.storage.get_available_name(
        field.generate_filename(row, upload.name), max_length=field.max_length
    )
    written.append(name)
    try:
        saved = field.storage.save(name, upload, max_length=field.max_length)
    except OSError as exc:
        if is_disk_full(exc):
            logger.error("disk full while storing %s %s: %s", what, name, exc)
            raise StorageFullError(DISK_FULL_MESSAGE) from exc
        raise
    if saved != name:
        written.append(saved)
    row.file = saved
    row.save()


def _attach(
    *,
    update: StatusUpdate,
    files: Iterable[UploadedFile],
    user: User,
    at: datetime,
    written: list[str],
) -> list[Evidence]:
    """Store the files and their rows; see store_upload for what `written` is for."""
    stored = []
    for upload in files:
        evidence = Evidence(
            update=update, assignment=update.assignment, uploaded_by=user, uploaded_at=at
        )
        store_upload(row=evidence, upload=upload, written=written, what="evidence")
        stored.append(evidence)
    return stored


def _check_progress(item: ChecklistItem, percent: int | None, quantity: Decimal | None) -> None:
    if percent is not None and not 0 <= percent <= 100:
        raise WorkflowError("完成百分比应在 0 到 100 之间。")
    if quantity is not None and quantity < 0:
        raise WorkflowError("已完成数量不能为负数。")
    if quantity is not None and quantity > 100 and is_rate_unit(item.target_unit):
        raise WorkflowError("本任务的目标是比率，请填写本单位的比率（0 到 100，如 95 表示 95%）。")


def _check_share(item: ChecklistItem, role: str, share: Decimal | None) -> None:
    """A 分解数量 is a positive part of a counted target: not for 配合 units, items without a
    target, or rates (each unit reports its own rate; the county takes their mean)."""
    if share is None:
        return
    share = Decimal(share)
    if share <= 0:
        raise WorkflowError("分解数量应大于 0。")
    if share != share.quantize(Decimal("0.01")):
        raise WorkflowError("分解数量最多两位小数。")
    if role == Assignment.Role.COOPERATE:
        raise WorkflowError("配合单位不计入完成率，没有分解数量。")
    if item.target_quantity is None:
        raise WorkflowError(f"任务 {item.code} 没有目标数量，不能填写分解数量。")
    if is_rate_unit(item.target_unit):
        raise WorkflowError(
            f"任务 {item.code} 的目标是比率（{format_share(item.target_quantity)}%），"
            "由各单位报送本单位的比率，全县取平均值，不分解数量。"
        )


def _share_text(share: Decimal | None, unit: str) -> str:
    return "未分解" if share is None else f"{format_share(share)}{unit}"


def shrinkage(
    assignment: Assignment, *, percent: int | None, quantity: Decimal | None
) -> tuple[str, str] | None:
    """When the figure sent is smaller than the one on record: ("88% → 77%", "由88%调减为77%")
    (or ("35 → 30 家", "由35家调减为30家")). A decrease is allowed, but only with its reason."""
    unit = assignment.item.target_unit if assignment.item.target_quantity else ""
    was_quantity = assignment.quantity_done or Decimal(0)
    if unit and quantity is not None and quantity < was_quantity:
        was, now = format_quantity(was_quantity), format_quantity(quantity)
        return f"{was} → {now} {unit}", f"由{was}{unit}调减为{now}{unit}"
    if percent is not None and percent < assignment.percent:
        was, now = assignment.percent, percent
        return f"{was}% → {now}%", f"由{was}%调减为{now}%"
    return None


_NOT_DONE_HINT = "请先保存进度，完成后再提交；不能按时完成的可申请延期。"


def _check_done(assignment: Assignment, *, percent: int | None, quantity: Decimal | None) -> int:
    """提交审核 asks for 销号, so the work must be done: a counted target reached (the quantity
    sent, else the one reported), otherwise 100 % (no percent sent says the work is done).
    Returns the percent the submission records."""
    target = assignment.target
    if target:
        done = quantity if quantity is not None else assignment.quantity_done or Decimal(0)
        if done < target:
            raise WorkflowError(
                f"提交审核需完成目标数量（当前{format_quantity(done)} / "
                f"{format_quantity(target)} {assignment.item.target_unit}），{_NOT_DONE_HINT}"
            )
        return 100
    if percent is None:
        return 100
    if percent < 100:
        raise WorkflowError(f"提交审核需完成100%（当前{percent}%），{_NOT_DONE_HINT}")
    return percent


# --- assigning -----------------------------------------------------------------------------


@transaction.atomic
def assignment_create(
    *,
    item: ChecklistItem,
    unit: Unit,
    user: User,
    role: str = Assignment.Role.RESPONSIBLE,
    due_date: date | None = None,
    share_quantity: Decimal | None = None,
    note: str = "",
    at: datetime | None = None,
) -> Assignment:
    """Give one unit its share of an item. The due date defaults to the item's deadline;
    ``share_quantity`` (分解数量) is its part of the item's county target, if split."""
    _require_office(user)
    require_open_year(item)
    _check_share(item, role, share_quantity)
    at = at or timezone.now()
    if Assignment.objects.filter(item=item, unit=unit).exists():
        raise WorkflowError(f"「{unit.name}」已分解过任务 {item.code}。")
    if role == Assignment.Role.LEAD:
        lead = Assignment.objects.filter(item=item, role=Assignment.Role.LEAD).first()
        if lead:
            raise WorkflowError(f"任务 {item.code} 已有牵头单位「{lead.unit.name}」。")
    assignment = Assignment.objects.create(
        item=item,
        unit=unit,
        role=role,
        due_date=due_date or item.deadline,
        share_quantity=share_quantity,
    )
    note = note or f"下达给{unit.name}（{assignment.get_role_display()}）"
    if share_quantity is not None:
        note += f"，分解数量 {_share_text(share_quantity, item.target_unit)}"
    _record(
        assignment=assignment,
        user=user,
        kind=Kind.ASSIGN,
        from_status="",
        at=at,
        note=note,
        to_due_date=assignment.due_date,
    )
    return assignment


@transaction.atomic
def assign_to_units(
    *,
    item: ChecklistItem,
    units: Iterable[Unit],
    user: User,
    role: str = Assignment.Role.RESPONSIBLE,
    at: datetime | None = None,
) -> list[Assignment]:
    """Assign the item to every given unit that does not have it yet; returns the new ones."""
    _require_office(user)
    taken = set(Assignment.objects.filter(item=item).values_list("unit_id", flat=True))
    return [
        assignment_create(item=item, unit=unit, user=user, role=role, at=at)
        for unit in units
        if unit.pk not in taken
    ]


def assign_to_all_townships(
    *, item: ChecklistItem, user: User, role: str = Assignment.Role.RESPONSIBLE
) -> list[Assignment]:
    townships = Unit.objects.filter(kind=Unit.Kind.TOWNSHIP, active=True).order_by("sort_order")
    return assign_to_units(item=item, units=townships, user=user, role=role)


@transaction.atomic
def assignment_change(
    *,
    assignment: Assignment,
    user: User,
    role: str | None = None,
    due_date: date | None = None,
    long_term: bool = False,
    share_quantity: Decimal | None | EllipsisType = ...,
    note: str = "",
    expected_version: int | None = None,
    at: datetime | None = None,
) -> StatusUpdate | None:
    """The office changes an assignment's role, due date or 分解数量; the old values stay in
    history, in one row.

    due_date=None leaves the date alone; long_term=True removes it (长期, reported by cadence).
    share_quantity=... leaves the share alone, None clears it (the unit answers for the whole
    target again). A unit made 配合 loses its share. A new share recomputes the percent of
    work still with the unit: its quantity over its own target.
    """
    _require_office(user)
    at = at or timezone.now()
    locked = _lock(assignment, expected_version)
    changes, fields = [], []
    old_due = locked.due_date
    if role is not None and role != locked.role:
        if role == Assignment.Role.LEAD:
            other = (
                Assignment.objects.filter(item=locked.item, role=Assignment.Role.LEAD)
                .exclude(pk=locked.pk)
                .first()
            )
            if other:
                raise WorkflowError(f"任务 {locked.item.code} 已有牵头单位「{other.unit.name}」。")
        old_label = locked.get_role_display()
        locked.role = role
        changes.append(f"角色：{old_label}→{locked.get_role_display()}")
        fields.append("role")
    if long_term:
        due_date = None
        if locked.due_date is not None:
            locked.due_date = None
            changes.append(f"完成时限：{old_due}→长期")
            fields.append("due_date")
    if due_date is not None and due_date != locked.due_date:
        locked.due_date = due_date
        changes.append(f"完成时限：{old_due or '长期'}→{due_date}")
        fields.append("due_date")
    old_share = locked.share_quantity
    if share_quantity is ... and locked.role == Assignment.Role.COOPERATE:
        share_quantity = None
    if share_quantity is not ... and share_quantity != old_share:
        _check_share(locked.item, locked.role, share_quantity)
        unit = locked.item.target_unit
        locked.share_quantity = share_quantity
        changes.append(
            f"分解数量：{_share_text(old_share, unit)}→{_share_text(share_quantity, unit)}"
        )
        fields.append("share_quantity")
        if (
            locked.target
            and locked.quantity_done is not None
            and locked.status
            in (
                Status.NOT_STARTED,
                Status.IN_PROGRESS,
            )
        ):
            percent = percent_of_target(locked.quantity_done, locked.target)
            if percent != locked.percent:
                locked.percent = percent
                changes.append(f"完成进度按本单位目标重算为{percent}%")
                fields.append("percent")
    if not fields:
        return None
    _save(locked, fields)
    text = "；".join(changes) + (f"。{clean_text(note)}" if clean_text(note) else "")
    update = _record(
        assignment=locked,
        user=user,
        kind=Kind.EDIT,
        from_status=locked.status,
        at=at,
        note=text,
        from_due_date=old_due if "due_date" in fields else None,
        to_due_date=locked.due_date if "due_date" in fields else None,
    )
    assignment.refresh_from_db()
    return update


SPLIT_NOTE = "按单位平均分解"


@transaction.atomic
def split_evenly(
    *, item: ChecklistItem, user: User, at: datetime | None = None
) -> list[StatusUpdate]:
    """按单位平均分解: the item's county target over its counted (牵头、责任) units, in whole
    numbers when the target is whole, the remainder to the 牵头单位 (or the first counted
    unit when there is none). Each changed share is one history row; returns them."""
    _require_office(user)
    require_open_year(item)
    if item.target_quantity is None:
        raise WorkflowError(f"任务 {item.code} 没有目标数量，无需分解。")
    _check_share(item, Assignment.Role.RESPONSIBLE, item.target_quantity)
    counted = list(
        Assignment.objects.filter(item=item, role__in=Assignment.COUNTED_ROLES)
        .select_related("unit")
        .order_by("role", "unit__kind", "unit__sort_order", "unit__name")
    )
    try:
        each, rest = even_split(item.target_quantity, len(counted))
    except SharesError as exc:
        raise WorkflowError(f"任务 {item.code}：{exc}。") from None
    # "lead" sorts before "responsible": the lead, if any, is first.
    lead = counted[0]
    unit = item.target_unit
    note = (
        f"{SPLIT_NOTE}：全县目标 {format_share(item.target_quantity)}{unit}，{len(counted)} 个单位"
    )
    if rest:
        note += f"，余下 {format_share(rest)}{unit} 由{lead.unit.name}承担"
    updates = []
    for share in counted:
        update = assignment_change(
            assignment=share,
            user=user,
            share_quantity=each + rest if share.pk == lead.pk else each,
            note=note,
            at=at,
        )
        if update is not None:
            updates.append(update)
    return updates


# --- reporting and review ------------------------------------------------------------------


def _write_progress(*, files: Sequence[UploadedFile], **fields) -> StatusUpdate:
    """Report (→ 推进中) or submit (→ 待审核): the same checks, one history row, the files.

    The transaction is opened here, inside the clean-up, so that a failure anywhere up to and
    including the commit also removes the files stored so far: no file without its row. (A
    caller's own outer transaction that rolls back later is not seen here.)
    """
    written: list[str] = []
    try:
        with transaction.atomic():
            return _write_progress_rows(files=files, written=written, **fields)
    except BaseException:
        remove_files(Evidence._meta.get_field("file").storage, written)
        raise


def _write_progress_rows(
    *,
    assignment: Assignment,
    user: User,
    submit: bool,
    percent: int | None,
    quantity: Decimal | None,
    note: str,
    files: Sequence[UploadedFile],
    written: list[str],
    expected_version: int | None,
    at: datetime | None,
) -> StatusUpdate:
    _require_reporter(user, assignment)
    at = at or timezone.now()
    locked = _lock(assignment, expected_version)
    if locked.status not in (Status.NOT_STARTED, Status.IN_PROGRESS):
        verb = "不能重复提交" if submit else "不能再报送进度"
        raise WorkflowError(f"该任务{locked.get_status_display()}，{verb}。")
    _check_progress(locked.item, percent, quantity)
    if locked.item.measure:
        # 台账计量: the register says how many (and so how far, against a target); a sheet that
        # sends the same figures back is fine.
        if quantity is not None and quantity != locked.quantity_done:
            raise WorkflowError(MEASURED_MESSAGE)
        if percent is not None and locked.item.target_quantity and percent != locked.percent:
            raise WorkflowError(MEASURED_MESSAGE)
        quantity = None
        if locked.item.target_quantity:
            percent = None
    if not submit and locked.due_date is None and not locked.item.target_quantity:
        # A 长期 task has no end to be a share of: each period reports what was done, and a
        # percent sent anyway (an old sheet, a script) is not kept, as the form has no field.
        percent = None
    if not submit and not clean_text(note) and not files:
        if percent is None and quantity is None:
            raise WorkflowError("请填写完成进度、进展说明或上传佐证材料。")
        same_percent = percent is None or percent == locked.percent
        same_quantity = quantity is None or quantity == (locked.quantity_done or Decimal(0))
        if same_percent and same_quantity:
            # A save with nothing in it would only add a blank row to the history.
            raise WorkflowError(NOTHING_CHANGED_MESSAGE)
    if quantity is not None and percent is None and locked.item.target_quantity:
        # Over the unit's own target: its 分解数量 when the county target is split.
        percent = percent_of_target(quantity, locked.target)
    if submit:
        percent = _check_done(locked, percent=percent, quantity=quantity)
    shrunk = shrinkage(locked, percent=percent, quantity=quantity)
    if shrunk:
        if not clean_text(note):
            raise WorkflowError(f"完成进度比上次减少（{shrunk[0]}），请在说明中写明原因。")
        note = f"完成进度{shrunk[1]}：{clean_text(note)}"
    from_status = locked.status
    locked.status = Status.SUBMITTED if submit else Status.IN_PROGRESS
    locked.last_reported_at = at
    fields = ["status", "last_reported_at"]
    if submit:
        locked.submitted_at = at
        fields.append("submitted_at")
    if percent is not None:
        locked.percent = percent
        fields.append("percent")
    if quantity is not None:
        locked.quantity_done = quantity
        fields.append("quantity_done")
    _save(locked, fields)
    update = _record(
        assignment=locked,
        user=user,
        kind=Kind.SUBMIT if submit else Kind.REPORT,
        from_status=from_status,
        at=at,
        note=note,
        percent=locked.percent,
        quantity=locked.quantity_done,
    )
    _attach(update=update, files=files, user=user, at=at, written=written)
    # A report answers every open 督办单 on the assignment.
    Supervision.objects.filter(assignment=locked, resolved_at__isnull=True).update(resolved_at=at)
    assignment.refresh_from_db()
    return update


# Atomic inside _write_progress, where a failed commit can still remove the stored files.
def assignment_report(
    *,
    assignment: Assignment,
    user: User,
    percent: int | None = None,
    quantity: Decimal | None = None,
    note: str = "",
    files: Sequence[UploadedFile] = (),
    expected_version: int | None = None,
    at: datetime | None = None,
) -> StatusUpdate:
    """A unit reports progress: 未开始/推进中 → 推进中, with % or quantity, a note and files."""
    return _write_progress(
        assignment=assignment,
        user=user,
        submit=False,
        percent=percent,
        quantity=quantity,
        note=note,
        files=files,
        expected_version=expected_version,
        at=at,
    )


# Atomic inside _write_progress, as assignment_report.
def assignment_submit(
    *,
    assignment: Assignment,
    user: User,
    note: str = "",
    percent: int | None = None,
    quantity: Decimal | None = None,
    files: Sequence[UploadedFile] = (),
    expected_version: int | None = None,
    at: datetime | None = None,
) -> StatusUpdate:
    """A unit says the work is done and asks the office to verify it (待审核)."""
    return _write_progress(
        assignment=assignment,
        user=user,
        submit=True,
        percent=percent,
        quantity=quantity,
        note=note,
        files=files,
        expected_version=expected_version,
        at=at,
    )


@transaction.atomic
def assignment_approve(
    *,
    assignment: Assignment,
    user: User,
    note: str = "",
    expected_version: int | None = None,
    at: datetime | None = None,
) -> StatusUpdate:
    """The office verifies a submitted assignment: 待审核 → 已办结 (销号)."""
    _require_office(user)
    at = at or timezone.now()
    locked = _lock(assignment, expected_version)
    if locked.status != Status.SUBMITTED:
        raise WorkflowError(f"该任务{locked.get_status_display()}，只有待审核的任务可以审核通过。")
    locked.status = Status.VERIFIED
    locked.verified_at = at
    locked.verified_by = user
    _save(locked, ["status", "verified_at", "verified_by"])
    # Closed work owes no more answers: its open 督办单 are closed with it, and the row says so.
    open_supervisions = list(
        Supervision.objects.filter(assignment=locked, resolved_at__isnull=True).order_by("pk")
    )
    if open_supervisions:
        Supervision.objects.filter(pk__in=[s.pk for s in open_supervisions]).update(resolved_at=at)
        levels = "、".join(s.get_level_display() for s in open_supervisions)
        closed = f"督办单（{levels}）随销号办结"
        note = f"{clean_text(note)}；{closed}" if clean_text(note) else closed
    update = _record(
        assignment=locked,
        user=user,
        kind=Kind.APPROVE,
        from_status=Status.SUBMITTED,
        at=at,
        note=note,
        percent=locked.percent,
        quantity=locked.quantity_done,
    )
    assignment.refresh_from_db()
    return update


@transaction.atomic
def assignment_mark_carried(
    *, assignment: Assignment, user: User, note: str, at: datetime | None = None
) -> StatusUpdate:
    """The item was carried over into the next 年度 (year_close): a history row, no change.

    Written just before the year is closed, while its assignments can still be written.
    """
    _require_office(user)
    at = at or timezone.now()
    locked = _lock(assignment, None)
    _save(locked, [])
    return _record(
        assignment=locked,
        user=user,
        kind=Kind.CARRY_OVER,
        from_status=locked.status,
        at=at,
        note=note,
        percent=locked.percent,
        quantity=locked.quantity_done,
    )


@transaction.atomic
def assignment_return(
    *,
    assignment: Assignment,
    user: User,
    reason: str,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> StatusUpdate:
    """The office sends a submission back (退回) with a reason: 待审核 → 推进中."""
    _require_office(user)
    if not clean_text(reason):
        raise WorkflowError("请填写退回原因，让责任单位知道需要补充什么。")
    at = at or timezone.now()
    locked = _lock(assignment, expected_version)
    if locked.status != Status.SUBMITTED:
        raise WorkflowError(f"该任务{locked.get_status_display()}，只有待审核的任务可以退回。")
    locked.status = Status.IN_PROGRESS
    locked.submitted_at = None
    _save(locked, ["status", "submitted_at"])
    update = _record(
        assignment=locked,
        user=user,
        kind=Kind.RETURN,
        from_status=Status.SUBMITTED,
        at=at,
        note=reason,
    )
    notify(
        assignment=locked,
        key=f"return:{update.pk}",
        title=f"退回：{locked.item.code} {locked.item.title}",
        body=f"安委办退回了本单位提交的办结材料，请补充后重新提交。退回原因：{clean_text(reason)}",
        level="yellow",
        at=at,
        text=f"{locked.item.code} {locked.item.title} 的办结材料被退回，"
        f"原因：{clean_text(reason)}。请补充后重新提交。",
    )
    assignment.refresh_from_db()
    return update


# --- extensions ----------------------------------------------------------------------------


@transaction.atomic
def extension_request(
    *,
    assignment: Assignment,
    user: User,
    new_due_date: date,
    reason: str,
    at: datetime | None = None,
) -> ExtensionRequest:
    """A unit asks to move its due date (延期申请); the office decides."""
    _require_reporter(user, assignment)
    at = at or timezone.now()
    locked = _lock(assignment, None)
    if locked.status == Status.VERIFIED:
        raise WorkflowError("该任务已办结，无需申请延期。")
    if locked.due_date is None:
        raise WorkflowError("长期任务没有完成时限，按报送频次报送即可，无需申请延期。")
    if not clean_text(reason):
        raise WorkflowError("请填写延期理由。")
    if locked.due_date and new_due_date <= locked.due_date:
        raise WorkflowError(f"申请延至的日期应晚于现在的完成时限 {locked.due_date:%Y-%m-%d}。")
    if new_due_date < timezone.localdate(at):
        raise WorkflowError("申请延至的日期不能早于今天。")
    if locked.extensions.filter(state=ExtensionRequest.State.PENDING).exists():
        raise WorkflowError("该任务已有待审批的延期申请，请等待安委办审批。")
    extension = ExtensionRequest.objects.create(
        assignment=locked,
        requested_by=user,
        current_due_date=locked.due_date,
        requested_due_date=new_due_date,
        reason=clean_text(reason),
        created_at=at,
    )
    _save(locked, [])
    _record(
        assignment=locked,
        user=user,
        kind=Kind.EXTENSION_REQUEST,
        from_status=locked.status,
        at=at,
        note=reason,
        from_due_date=locked.due_date,
        to_due_date=new_due_date,
    )
    assignment.refresh_from_db()
    return extension


@transaction.atomic
def extension_decide(
    *,
    extension: ExtensionRequest,
    user: User,
    approve: bool,
    note: str = "",
    at: datetime | None = None,
) -> StatusUpdate:
    """The office approves (the due date moves, history keeps the old one) or refuses."""
    _require_office(user)
    at = at or timezone.now()
    extension = ExtensionRequest.objects.select_for_update().get(pk=extension.pk)
    if extension.state != ExtensionRequest.State.PENDING:
        raise WorkflowError(f"该延期申请{extension.get_state_display()}，不能重复审批。")
    if not approve and not clean_text(note):
        raise WorkflowError("不同意延期时请填写理由。")
    locked = _lock(extension.assignment, None)
    old_due = locked.due_date
    if approve:
        locked.due_date = extension.requested_due_date
        _save(locked, ["due_date"])
    else:
        _save(locked, [])
    extension.state = ExtensionRequest.State.APPROVED if approve else ExtensionRequest.State.REFUSED
    extension.decided_by = user
    extension.decided_at = at
    extension.decision_note = clean_text(note)
    extension.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    update = _record(
        assignment=locked,
        user=user,
        kind=Kind.EXTENSION_APPROVE if approve else Kind.EXTENSION_REFUSE,
        from_status=locked.status,
        at=at,
        note=note,
        from_due_date=old_due,
        to_due_date=extension.requested_due_date if approve else old_due,
    )
    was = f"{old_due:%Y-%m-%d}" if old_due else "长期"
    if approve:
        body = f"完成时限由 {was} 延至 {extension.requested_due_date:%Y-%m-%d}。"
    else:
        body = f"完成时限仍为 {was}。"
    if clean_text(note):
        body += f"安委办意见：{clean_text(note)}"
    notify(
        assignment=locked,
        key=f"extension:{extension.pk}",
        title=f"{'同意' if approve else '不同意'}延期：{locked.item.code} {locked.item.title}",
        body=body,
        level="" if approve else "yellow",
        at=at,
        text=f"{locked.item.code} {locked.item.title} {'同意' if approve else '不同意'}延期，{body}",
    )
    return update
