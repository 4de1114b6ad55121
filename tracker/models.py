"""The execution side: units, users, assignments, their append-only history and evidence."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePath

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from checklist.models import SORT_ORDER_MAX, ChecklistItem, WorkYear
from checklist.shares import format_share, is_rate_unit


class UnitManager(models.Manager):
    def get_by_natural_key(self, name):
        return self.get(name=name)


class Unit(models.Model):
    class Kind(models.TextChoices):
        TOWNSHIP = "township", "乡镇街道"
        DEPARTMENT = "department", "部门"
        OTHER = "other", "其他"

    name = models.CharField("名称", max_length=60, unique=True)
    short_name = models.CharField("简称", max_length=20, blank=True)
    kind = models.CharField("类别", max_length=12, choices=Kind.choices)
    sort_order = models.PositiveSmallIntegerField("排序", default=100, validators=[SORT_ORDER_MAX])
    active = models.BooleanField("启用", default=True)

    objects = UnitManager()

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["kind", "sort_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["township", "department", "other"]), name="unit_kind_valid"
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.name,)

    @property
    def label(self) -> str:
        return self.short_name or self.name


class UnitAliasManager(models.Manager):
    def get_by_natural_key(self, alias):
        return self.get(alias=alias)


class UnitAlias(models.Model):
    """An old or informal name (安监局, 工商, 公安消防 …) that still appears in speeches and sheets."""

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="aliases", verbose_name="单位"
    )
    alias = models.CharField("别名", max_length=60, unique=True)

    objects = UnitAliasManager()

    class Meta:
        verbose_name = "单位别名"
        verbose_name_plural = "单位别名"
        ordering = ["alias"]

    def __str__(self):
        return f"{self.alias} → {self.unit.name}"

    def natural_key(self):
        return (self.alias,)

    natural_key.dependencies = ["tracker.unit"]


class TrackerUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # A superuser is the office's technical account; staff would need a unit.
        extra_fields.setdefault("role", "office")
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    class Role(models.TextChoices):
        OFFICE = "office", "安委办"
        STAFF = "staff", "单位联络员"
        LEADER = "leader", "领导"
        # Scoped to their own grids (tracker.enterprises); sees no task of the township.
        GRID = "grid", "网格员"

    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name="所属单位",
    )
    role = models.CharField("角色", max_length=10, choices=Role.choices, default=Role.STAFF)
    display_name = models.CharField("姓名", max_length=40, blank=True)
    notices_seen_at = models.DateTimeField("通知已读至", null=True, blank=True)
    # Set by the office's 重置密码 and on new accounts: the one-time password they were
    # given must be replaced before anything else (tracker.middleware.PasswordChangeMiddleware).
    must_change_password = models.BooleanField("下次登录须修改密码", default=False)

    objects = TrackerUserManager()

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=["office", "staff", "leader", "grid"]), name="user_role_valid"
            ),
            # A 网格员 belongs to a township as staff belong to their unit.
            models.CheckConstraint(
                condition=~Q(role__in=["staff", "grid"]) | Q(unit__isnull=False),
                name="user_staff_has_unit",
            ),
        ]

    def __str__(self):
        return self.display_name or self.username

    @property
    def is_office(self) -> bool:
        return self.is_active and (self.role == self.Role.OFFICE or self.is_superuser)

    @property
    def is_leader(self) -> bool:
        return self.is_active and self.role == self.Role.LEADER

    @property
    def sees_all_units(self) -> bool:
        return self.is_office or self.is_leader

    @property
    def header_label(self) -> str:
        """Name · unit · role for the page header, each shown once.

        The office's unit is usually called 安委办 like the role itself, which would read
        "安委办 · 安委办".
        """
        parts = [str(self), self.unit.label if self.unit_id else "", self.get_role_display()]
        return " · ".join(dict.fromkeys(part for part in parts if part))


def submission_date(at: datetime | None) -> date | None:
    """The county's date of a submission time (Assignment.submitted_date)."""
    return None if at is None else timezone.localdate(at)


def waiting_on_office() -> Q:
    """Submitted for 销号 on or before the due date: the same rule as
    progress.waiting_on_office(), as a filter. The unit is done in time; the office holds it."""
    return Q(status="submitted", submitted_date__lte=F("due_date"))


class AssignmentQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(status="verified")

    def overdue(self, today: date):
        """The unit's 逾期: past the due date, not verified, and not submitted in time (that
        waits on the office, see review_late). Computed from the row, never stored."""
        return self.open().filter(due_date__lt=today).exclude(waiting_on_office())

    def review_late(self, today: date):
        """The office's own 逾期: submitted and waiting for review past the due date."""
        return self.filter(status="submitted", due_date__lt=today)

    def in_open_years(self):
        """Leaves out closed 年度: their work is frozen, so no queue, reminder or 催办 holds it."""
        closed = WorkYear.objects.filter(state=WorkYear.State.CLOSED).values("year")
        return self.exclude(item__year__in=closed)

    def counted(self):
        """Only 牵头 and 责任 count towards completion rates; 配合 is shown but not counted."""
        return self.filter(role__in=["lead", "responsible"])


class AssignmentManager(models.Manager.from_queryset(AssignmentQuerySet)):
    def get_by_natural_key(self, code, unit_name):
        return self.get(item__code=code, unit__name=unit_name)


class Assignment(models.Model):
    """One unit's share of one checklist item: the current state; the history holds the past."""

    class Role(models.TextChoices):
        LEAD = "lead", "牵头"
        RESPONSIBLE = "responsible", "责任"
        COOPERATE = "cooperate", "配合"

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "未开始"
        IN_PROGRESS = "in_progress", "推进中"
        SUBMITTED = "submitted", "待审核"
        VERIFIED = "verified", "已办结"

    # 配合 units are shown but do not count towards completion rates.
    COUNTED_ROLES = (Role.LEAD, Role.RESPONSIBLE)

    # No single-column indexes on item and unit: the (item, unit) unique index serves lookups by
    # item and assignment_unit_status_due those by unit; each extra index slows every import.
    item = models.ForeignKey(
        ChecklistItem,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name="任务",
        db_index=False,
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name="单位",
        db_index=False,
    )
    role = models.CharField("角色", max_length=12, choices=Role.choices, default=Role.RESPONSIBLE)
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.NOT_STARTED
    )
    percent = models.PositiveSmallIntegerField("完成百分比", default=0)
    quantity_done = models.DecimalField(
        "已完成数量", max_digits=12, decimal_places=2, null=True, blank=True
    )
    # 分解数量: this unit's share of the item's county target (河西镇 8 of the county's 40 家).
    # Empty: the unit answers for the whole target. 配合 units and rate targets have none.
    share_quantity = models.DecimalField(
        "分解数量", max_digits=12, decimal_places=2, null=True, blank=True
    )
    due_date = models.DateField("完成时限", null=True, blank=True)
    last_reported_at = models.DateTimeField("最近报送", null=True, blank=True)
    submitted_at = models.DateTimeField("提交审核时间", null=True, blank=True)
    # The county's date of submitted_at, kept beside it (save() writes it): "submitted on or
    # before the due date" is then a date comparison the database reads from an index, not a
    # time-zone conversion of every submitted row (a Python function per row on SQLite).
    submitted_date = models.DateField("提交审核日期", null=True, blank=True, editable=False)
    verified_at = models.DateTimeField("办结时间", null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="销号人",
    )
    # Bumped on every write; a save that read an older version is a conflict, not an overwrite.
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("分解时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = AssignmentManager()

    class Meta:
        verbose_name = "责任分解"
        verbose_name_plural = "责任分解"
        ordering = ["due_date", "item__code", "unit__sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "unit"],
                name="assignment_unique_item_unit",
                violation_error_message="该单位已分解过这项任务。",
            ),
            # One 牵头单位 per item: the unit the office holds answerable for the whole item.
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(role="lead"),
                name="assignment_one_lead_per_item",
                violation_error_message="每项任务只能有一个牵头单位。",
            ),
            models.CheckConstraint(
                condition=Q(percent__lte=100), name="assignment_percent_max_100"
            ),
            models.CheckConstraint(
                condition=Q(quantity_done__isnull=True) | Q(quantity_done__gte=0),
                name="assignment_quantity_nonnegative",
            ),
            models.CheckConstraint(
                condition=Q(share_quantity__isnull=True) | Q(share_quantity__gt=0),
                name="assignment_share_positive",
                violation_error_message="分解数量应大于 0。",
            ),
            models.CheckConstraint(
                condition=Q(share_quantity__isnull=True) | ~Q(role="cooperate"),
                name="assignment_share_not_cooperating",
                violation_error_message="配合单位不计入完成率，没有分解数量。",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["lead", "responsible", "cooperate"]),
                name="assignment_role_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["not_started", "in_progress", "submitted", "verified"]),
                name="assignment_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="verified") | Q(verified_at__isnull=False),
                name="assignment_verified_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="submitted") | Q(submitted_at__isnull=False),
                name="assignment_submitted_has_time",
            ),
            models.CheckConstraint(
                condition=Q(submitted_at__isnull=True, submitted_date__isnull=True)
                | Q(submitted_at__isnull=False, submitted_date__isnull=False),
                name="assignment_submitted_date_with_time",
            ),
        ]
        indexes = [
            # "我的任务": one unit's assignments by status, soonest due first.
            models.Index(fields=["unit", "status", "due_date"], name="assignment_unit_status_due"),
            # Office queues and overdue lists across units: by status, then due date.
            models.Index(fields=["status", "due_date"], name="assignment_status_due"),
            # Dashboard league (dashboard._league): counts per unit, role and status with the
            # overdue ones, read from this index alone, in its order, with no sort.
            models.Index(
                fields=["unit", "role", "status", "due_date", "item"],
                name="assignment_unit_role_status",
            ),
            # Dashboard lights and themes (dashboard._by_item), grouped by due date, item and
            # role from this index alone; the light filter's (due date, item) lookups; and the
            # task list's soonest-due-first page, read in index order instead of sorted.
            models.Index(
                fields=["due_date", "item", "role", "status", "percent", "quantity_done", "unit"],
                name="assignment_due_item_role",
            ),
            # Dashboard weekly trend (dashboard._weekly_completion): approvals counted before
            # each week's end. Only verified rows are in it, so only approvals pay for it;
            # status leads so that the planner prefers it to assignment_status_due.
            models.Index(
                fields=["status", "role", "verified_at", "item", "unit"],
                condition=Q(status="verified"),
                name="assignment_verified_at",
            ),
            # Submissions waiting for review, in time or late (waiting_on_office): the
            # dashboard's counts read them from this small index alone.
            models.Index(
                fields=["due_date", "item", "role", "unit", "submitted_date"],
                condition=Q(status="submitted"),
                name="assignment_submitted",
            ),
        ]

    def __str__(self):
        return f"{self.item.code} · {self.unit.name}"

    def save(self, *args, **kwargs):
        self.submitted_date = submission_date(self.submitted_at)
        fields = kwargs.get("update_fields")
        if fields is not None and "submitted_at" in fields and "submitted_date" not in fields:
            kwargs["update_fields"] = [*fields, "submitted_date"]
        super().save(*args, **kwargs)

    def natural_key(self):
        return (*self.item.natural_key(), *self.unit.natural_key())

    natural_key.dependencies = ["checklist.checklistitem", "tracker.unit"]

    @property
    def counts_towards_rate(self) -> bool:
        return self.role in self.COUNTED_ROLES

    @property
    def is_split(self) -> bool:
        """The unit answers for its 分解数量, not for the whole county target."""
        return (
            self.share_quantity is not None
            and self.item.target_quantity is not None
            and not is_rate_unit(self.item.target_unit)
        )

    @property
    def target(self) -> Decimal | None:
        """This unit's own target: its 分解数量 when the county target is split, else the whole
        target (an unsplit unit answers for all of it, as before shares existed). A rate target
        is every unit's own rate to reach; an item without a target gives None."""
        return self.share_quantity if self.is_split else self.item.target_quantity

    @property
    def target_label(self) -> str:
        """The unit's target as pages show it: 8 家（全县目标 40 家） for a share, 40 家 for the
        whole target, empty for none."""
        own, unit = self.target, self.item.target_unit
        if own is None:
            return ""
        if not self.is_split:
            return f"{format_share(own)} {unit}"
        whole = format_share(self.item.target_quantity)
        return f"{format_share(own)} {unit}（全县目标 {whole} {unit}）"

    @property
    def submitted_on(self) -> date | None:
        """The county date of a pending submission, for progress(submitted_on=…)."""
        if self.status != self.Status.SUBMITTED or self.submitted_at is None:
            return None
        return submission_date(self.submitted_at)


class AppendOnlyQuerySet(models.QuerySet):
    """History is never edited or deleted: bulk paths are closed as well as save()."""

    def update(self, **kwargs):
        raise PermissionError("历史记录只能追加，不能修改")

    def delete(self):
        raise PermissionError("历史记录只能追加，不能删除")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("历史记录只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("历史记录只能追加，不能删除")


class StatusUpdate(AppendOnlyModel):
    """One change to an assignment: who, when, from → to, progress, note, evidence."""

    class Kind(models.TextChoices):
        ASSIGN = "assign", "下达"
        REPORT = "report", "报送进度"
        SUBMIT = "submit", "提交审核"
        APPROVE = "approve", "审核通过"
        RETURN = "return", "退回"
        EXTENSION_REQUEST = "extension_request", "延期申请"
        EXTENSION_APPROVE = "extension_approve", "同意延期"
        EXTENSION_REFUSE = "extension_refuse", "不同意延期"
        EDIT = "edit", "修改"
        REMIND = "remind", "催办"
        IMPORT = "import", "导入"
        # The item was taken over into the next 年度's plan when its year was closed.
        CARRY_OVER = "carry_over", "结转"
        # The item was voided (作废) by the office; the note says why.
        VOID = "void", "作废"
        # The 牵头单位's account of the whole item (whole_items.item_summary).
        SUMMARY = "summary", "汇总情况"
        # A leader's 批示 (instructions.instruction_write): no status or figure changes.
        INSTRUCTION = "instruction", "领导批示"
        # A measured item's figure changed in its register (tracker.measuring): no author.
        MEASURE = "measure", "台账计量"

    # Lookups by assignment use update_assignment_time (assignment, -created_at).
    assignment = models.ForeignKey(
        Assignment,
        on_delete=models.PROTECT,
        related_name="history",
        verbose_name="责任分解",
        db_index=False,
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="status_updates",
        verbose_name="操作人",
    )
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    from_status = models.CharField(
        "原状态", max_length=12, choices=Assignment.Status.choices, blank=True
    )
    to_status = models.CharField(
        "新状态", max_length=12, choices=Assignment.Status.choices, blank=True
    )
    percent = models.PositiveSmallIntegerField("完成百分比", null=True, blank=True)
    quantity = models.DecimalField(
        "已完成数量", max_digits=12, decimal_places=2, null=True, blank=True
    )
    from_due_date = models.DateField("原时限", null=True, blank=True)
    to_due_date = models.DateField("新时限", null=True, blank=True)
    note = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录（只读）"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | Q(percent__lte=100),
                name="update_percent_max_100",
            ),
            models.CheckConstraint(
                condition=Q(quantity__isnull=True) | Q(quantity__gte=0),
                name="update_quantity_nonnegative",
            ),
        ]
        indexes = [
            # An assignment's history, newest first.
            models.Index(fields=["assignment", "-created_at"], name="update_assignment_time"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.assignment}"


def evidence_upload_to(instance, filename):
    # Stored names are generated; the user's name is kept only as data (original_name).
    suffix = PurePath(filename).suffix.lower()[:10]
    # The county's month, not UTC's: a file saved at 07:00 on the 1st is filed in that month.
    now = timezone.localtime()
    return f"evidence/{now:%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Evidence(AppendOnlyModel):
    update = models.ForeignKey(
        StatusUpdate, on_delete=models.PROTECT, related_name="evidence", verbose_name="办理记录"
    )
    assignment = models.ForeignKey(
        Assignment, on_delete=models.PROTECT, related_name="evidence", verbose_name="责任分解"
    )
    file = models.FileField("文件", upload_to=evidence_upload_to, max_length=200)
    original_name = models.CharField("原文件名", max_length=255)
    size = models.PositiveBigIntegerField("大小（字节）")
    content_type = models.CharField("类型", max_length=100)
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="上传人"
    )
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="evidence_not_empty"),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="evidence_sha256_hex"
            ),
        ]

    def __str__(self):
        return self.original_name


class ExtensionRequest(models.Model):
    """A unit asks for more time (延期申请); the office approves or refuses it."""

    class State(models.TextChoices):
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已同意"
        REFUSED = "refused", "未同意"

    assignment = models.ForeignKey(
        Assignment, on_delete=models.PROTECT, related_name="extensions", verbose_name="责任分解"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="申请人"
    )
    current_due_date = models.DateField("原时限", null=True, blank=True)
    requested_due_date = models.DateField("申请延至")
    reason = models.TextField("延期理由")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="审批人",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.TextField("审批意见", blank=True)
    created_at = models.DateTimeField("申请时间", default=timezone.now)

    class Meta:
        verbose_name = "延期申请"
        verbose_name_plural = "延期申请"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment"],
                condition=Q(state="pending"),
                name="extension_one_pending_per_assignment",
                violation_error_message="该任务已有待审批的延期申请。",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "approved", "refused"]),
                name="extension_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(state="pending")
                | Q(decided_at__isnull=False, decided_by__isnull=False),
                name="extension_decided_has_who_and_when",
            ),
        ]
        indexes = [
            # The office's queue of pending requests, oldest first.
            models.Index(fields=["state", "created_at"], name="extension_state_created"),
        ]

    def __str__(self):
        return f"{self.assignment} 延至 {self.requested_due_date}"


class Supervision(models.Model):
    """A 督办单 on one assignment: 蓝 reminder → 黄 warning → 红 督办, open until the unit reports."""

    class Level(models.TextChoices):
        BLUE = "blue", "蓝色提醒"
        YELLOW = "yellow", "黄色警示"
        RED = "red", "红色督办"

    assignment = models.ForeignKey(
        Assignment, on_delete=models.PROTECT, related_name="supervisions", verbose_name="责任分解"
    )
    level = models.CharField("等级", max_length=10, choices=Level.choices)
    note = models.TextField("督办要求", blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="督办人"
    )
    issued_at = models.DateTimeField("督办时间", default=timezone.now)
    resolved_at = models.DateTimeField("已响应", null=True, blank=True)

    class Meta:
        verbose_name = "督办单"
        verbose_name_plural = "督办单"
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=["blue", "yellow", "red"]), name="supervision_level_valid"
            ),
            models.UniqueConstraint(
                fields=["assignment"],
                condition=Q(resolved_at__isnull=True),
                name="supervision_one_open_per_assignment",
            ),
        ]
        indexes = [
            # A unit's open 督办单 (home page banner, assignment page).
            models.Index(fields=["assignment", "resolved_at"], name="supervision_open"),
        ]

    def __str__(self):
        return f"{self.get_level_display()} · {self.assignment}"


class Notice(models.Model):
    """An in-app notice to a unit (reminders, 督办单); the same text may also go out by email."""

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="notices", verbose_name="单位"
    )
    # One notice per key: running the reminder job twice on a day sends nothing new.
    key = models.CharField("去重键", max_length=100, unique=True)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    level = models.CharField("等级", max_length=10, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)
    # The task a notice is about, for a link to it; reminders covering several tasks have none.
    assignment = models.ForeignKey(
        "Assignment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="责任分解",
    )

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        indexes = [
            # The bell: a unit's newest notices.
            models.Index(fields=["unit", "-created_at"], name="notice_unit_time"),
        ]

    def __str__(self):
        return self.title


class OutboxMessage(models.Model):
    """A message for the channels people read (钉钉 and 企业微信 groups, SMS, e-mail).

    Written with the notice it repeats, in the same transaction as the change it announces, so a
    message exists exactly when that change was committed and nothing is sent from a request.
    The core only writes it; the messaging wing's worker turns it into one delivery per channel
    (setting dispatched_at) and sends those with retries. The core never imports the wing.
    """

    class Kind(models.TextChoices):
        REMINDER = "reminder", "任务提醒"
        SUPERVISION = "supervision", "督办单"
        RETURN = "return", "退回"
        EXTENSION = "extension", "延期审批"
        TASK = "task", "新任务"
        INSTRUCTION = "instruction", "领导批示"
        REGISTER = "register", "台账提醒"

    kind = models.CharField("类别", max_length=12, choices=Kind.choices)
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+", verbose_name="单位")
    notice = models.OneToOneField(
        Notice,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outbox",
        verbose_name="通知",
    )
    # The short text staff expect in a group or an SMS: 【安委办督办】河西镇：2026-015 … 逾期3天…
    text = models.TextField("消息")
    # The page the message links to; the worker makes it absolute with SITE_URL.
    path = models.CharField("链接", max_length=200, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)
    dispatched_at = models.DateTimeField("已分发", null=True, blank=True)

    class Meta:
        verbose_name = "待发消息"
        verbose_name_plural = "待发消息"
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "reminder",
                        "supervision",
                        "return",
                        "extension",
                        "task",
                        "instruction",
                        "register",
                    ]
                ),
                name="outbox_kind_valid",
            ),
        ]
        indexes = [
            # The worker's queue: messages not yet turned into deliveries, oldest first.
            models.Index(
                fields=["created_at"],
                condition=Q(dispatched_at__isnull=True),
                name="outbox_pending",
            ),
        ]

    def __str__(self):
        return self.text[:60]


class LoginAttempt(models.Model):
    """A failed sign-in of one username from one address; the throttle counts these.

    In the database, not a per-process cache: every gunicorn worker sees the same count.
    A successful sign-in deletes the pair's rows; rows older than a day are pruned.
    """

    username = models.CharField("用户名", max_length=150)
    ip = models.GenericIPAddressField("来源地址", null=True, blank=True)
    attempted_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "登录失败记录"
        verbose_name_plural = "登录失败记录"
        indexes = [
            # The throttle: recent failures of one (username, address) pair, on every sign-in.
            models.Index(fields=["username", "ip", "attempted_at"], name="login_attempt_pair"),
            # The per-address throttle: recent failures from one address, whatever the username,
            # on every sign-in (tracker.security.address_failures).
            models.Index(fields=["ip", "attempted_at"], name="login_attempt_address"),
            # Pruning rows older than a day.
            models.Index(fields=["attempted_at"], name="login_attempt_time"),
        ]

    def __str__(self):
        return f"{self.username} @ {self.ip} {self.attempted_at:%Y-%m-%d %H:%M}"
