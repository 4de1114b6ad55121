"""The 隐患台账: one row per hazard with its current state, an append-only history of every
change, and the photos before and after 整改. Nothing is deleted: a wrong row is voided with a
reason and stays in the history."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from checklist.models import ChecklistItem
from tracker.enterprises.models import Enterprise, Grid, Industry, InspectionHazard
from tracker.models import AppendOnlyModel, Unit


class Hazard(models.Model):
    class Source(models.TextChoices):
        SELF = "self", "企业自查"
        DEPARTMENT = "department", "部门检查"
        EXPERT = "expert", "专家排查"
        GRID = "grid", "网格员巡查"
        PUBLIC = "public", "群众举报"
        SUPERIOR = "superior", "上级督查"

    class Category(models.TextChoices):
        BASIC = "basic", "基础管理"
        SITE = "site", "现场管理"

    class Level(models.TextChoices):
        GENERAL = "general", "一般"
        MAJOR = "major", "重大"

    class State(models.TextChoices):
        PENDING = "pending", "待整改"
        FIXING = "fixing", "整改中"
        REVIEW = "review", "待验收"
        CLOSED = "closed", "已销号"
        DEFERRED = "deferred", "挂账"

    class Listing(models.TextChoices):
        COUNTY = "county", "县级"
        CITY = "city", "市级"
        PROVINCE = "province", "省级"

    # The usual sub-kinds of the two categories (the 隐患排查治理 standard's lists).
    SUBCATEGORIES = {
        "basic": [
            "资质证照", "安全生产管理机构及人员", "安全规章制度", "安全培训教育",
            "安全投入", "应急管理", "相关方管理", "职业卫生基础管理", "其他基础管理",
        ],
        "site": [
            "特种设备", "生产设备设施", "场所环境", "从业人员操作行为", "消防安全",
            "用电安全", "职业卫生现场", "有限空间作业", "危险化学品", "其他现场管理",
        ],
    }  # fmt: skip
    OPEN_STATES = (State.PENDING, State.FIXING, State.REVIEW, State.DEFERRED)

    code = models.CharField("隐患编号", max_length=40, blank=True)
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hazards",
        verbose_name="企业",
        db_index=False,  # the first column of a composite index below
    )
    township = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="hazards",
        verbose_name="属地乡镇（街道）",
        db_index=False,  # the first column of a composite index below
        limit_choices_to={"kind": Unit.Kind.TOWNSHIP},
    )
    grid = models.ForeignKey(
        Grid,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hazards",
        verbose_name="网格",
        db_index=False,  # the first column of a composite index below
    )
    industry = models.ForeignKey(
        Industry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hazards",
        verbose_name="行业",
    )
    supervisor = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervised_hazards",
        verbose_name="行业监管部门",
        db_index=False,  # the first column of a composite index below
        limit_choices_to={"kind": Unit.Kind.DEPARTMENT},
    )
    # Who must do the 整改 when there is no enterprise to do it (a road, a village): by
    # default the township. It may not 验收 its own work.
    rectifier = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="整改责任单位",
    )
    found_on = models.DateField("发现日期")
    source = models.CharField("发现方式", max_length=12, choices=Source.choices)
    location = models.CharField("隐患部位", max_length=200, blank=True)
    description = models.TextField("隐患描述")
    category = models.CharField("隐患类别", max_length=8, choices=Category.choices)
    subcategory = models.CharField("隐患小类", max_length=40, blank=True)
    level = models.CharField("隐患等级", max_length=8, choices=Level.choices)
    basis = models.TextField("重大隐患判定依据", blank=True)
    # 五落实
    measures = models.TextField("整改措施", blank=True)
    responsible = models.CharField("整改责任人", max_length=40, blank=True)
    funds = models.DecimalField(
        "整改资金（元）", max_digits=12, decimal_places=2, null=True, blank=True
    )
    deadline = models.DateField("整改时限", null=True, blank=True)
    contingency = models.TextField("应急预案/防范措施", blank=True)

    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PENDING)
    deferred_reason = models.TextField("挂账原因", blank=True)
    interim_measures = models.TextField("临时管控措施", blank=True)
    deferred_reviewed_on = models.DateField("挂账最近复核", null=True, blank=True)
    submitted_on = models.DateField("提交验收日期", null=True, blank=True)
    accepted_on = models.DateField("验收日期", null=True, blank=True)
    accepted_by = models.CharField("验收人", max_length=40, blank=True)
    accepted_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="验收单位",
    )  # fmt: skip
    listing = models.CharField("挂牌督办层级", max_length=10, choices=Listing.choices, blank=True)
    listing_doc = models.CharField("督办单号", max_length=60, blank=True)
    listed_on = models.DateField("挂牌日期", null=True, blank=True)
    delisted_on = models.DateField("摘牌日期", null=True, blank=True)

    task = models.ForeignKey(
        ChecklistItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hazards",
        verbose_name="排查任务",
        db_index=False,  # the first column of a composite index below
    )
    inspection_hazard = models.OneToOneField(
        InspectionHazard,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="register_row",
        verbose_name="来自巡查检查",
    )
    voided = models.BooleanField("已作废", default=False)
    void_reason = models.TextField("作废原因", blank=True)
    urge_level = models.PositiveSmallIntegerField("催办次数", default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name="录入人",
    )  # fmt: skip
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("录入时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", default=timezone.now)

    class Meta:
        verbose_name = "隐患"
        verbose_name_plural = "隐患台账"
        ordering = ["-found_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["pending", "fixing", "review", "closed", "deferred"]),
                name="hazard_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(level__in=["general", "major"]), name="hazard_level_valid"
            ),
            models.CheckConstraint(
                condition=Q(category__in=["basic", "site"]), name="hazard_category_valid"
            ),
            models.CheckConstraint(
                condition=~Q(level="major") | ~Q(basis=""), name="hazard_major_has_basis"
            ),
            models.CheckConstraint(
                condition=Q(deadline__isnull=True) | Q(deadline__gte=models.F("found_on")),
                name="hazard_deadline_after_found",
            ),
            models.CheckConstraint(
                condition=~Q(state="closed") | Q(accepted_on__isnull=False) & ~Q(accepted_by=""),
                name="hazard_closed_was_accepted",
            ),
            models.CheckConstraint(
                condition=~Q(state="deferred") | ~Q(deferred_reason="") & ~Q(interim_measures=""),
                name="hazard_deferred_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(listing="") | Q(level="major"), name="hazard_listing_only_major"
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=~Q(code=""),
                name="hazard_code_unique",
                violation_error_message="隐患编号已被使用。",
            ),
            models.CheckConstraint(
                condition=Q(voided=False) | ~Q(void_reason=""), name="hazard_void_has_reason"
            ),
        ]
        indexes = [
            # The register, newest first, a page at a time (office and leaders).
            models.Index(fields=["-found_on", "-id"], name="hazard_found"),
            # A township's register and its per-state counts (counted from the index alone).
            models.Index(
                fields=["township", "state", "found_on", "voided"], name="hazard_township_open"
            ),
            # A department's register (its industries' hazards), counted from the index alone.
            models.Index(
                fields=["supervisor", "state", "found_on", "voided"], name="hazard_supervisor_open"
            ),
            # A 网格员's own grids.
            models.Index(fields=["grid", "found_on"], name="hazard_grid"),
            # Open hazards by state: by township and level (the dashboard), overdue and
            # due-soon 整改 (the 逾期 filter and figure, reminders). Counted and paged from the
            # index alone; rows are read for the page only.
            models.Index(
                fields=["state", "voided", "township", "level", "deadline", "found_on"],
                name="hazard_state_open",
            ),
            # A period's figures per township and industry (the summary, the dashboard): every
            # column they count is in the index, so a year is counted without reading rows.
            models.Index(
                fields=[
                    "found_on",
                    "voided",
                    "township",
                    "industry",
                    "level",
                    "state",
                    "deadline",
                    "listing",
                ],
                name="hazard_period",
            ),  # fmt: skip
            # Closed per week (the dashboard) and the register's 销号日期 filter.
            models.Index(fields=["state", "accepted_on", "voided"], name="hazard_closed_on"),
            # 重大 hazards, oldest first (the dashboard's list, the 重大 filter).
            models.Index(fields=["level", "found_on"], name="hazard_level"),
            # An 排查 task's measured counts.
            models.Index(fields=["task", "township"], name="hazard_task"),
            # Import idempotence without a 隐患编号: enterprise + description + 发现日期.
            models.Index(fields=["enterprise", "found_on"], name="hazard_enterprise_day"),
        ]

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        """The 隐患编号: the one imported with it, else made from the year and the row's id (the
        import matches that form back to the row)."""
        return self.code or f"YH{self.found_on:%Y}{self.pk:06d}"

    @property
    def place(self) -> str:
        return self.enterprise.name if self.enterprise_id else self.location

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES and not self.voided

    @property
    def is_listed(self) -> bool:
        return bool(self.listing) and self.delisted_on is None

    def overdue_on(self, today) -> bool:
        return (
            self.is_open
            and self.state != self.State.DEFERRED
            and self.deadline is not None
            and self.deadline < today
        )


def photo_upload_to(instance, filename):
    # A generated name under its own folder: the evidence sweep never walks it.
    suffix = PurePath(filename).suffix.lower()[:10]
    now = timezone.localtime()
    return f"hazards/{now:%Y/%m}/{uuid.uuid4().hex}{suffix}"


class HazardPhoto(AppendOnlyModel):
    class Stage(models.TextChoices):
        BEFORE = "before", "整改前"
        AFTER = "after", "整改后"

    hazard = models.ForeignKey(
        Hazard, on_delete=models.PROTECT, related_name="photos", verbose_name="隐患"
    )
    stage = models.CharField("阶段", max_length=8, choices=Stage.choices)
    file = models.FileField("照片", upload_to=photo_upload_to, max_length=200)
    original_name = models.CharField("原文件名", max_length=255)
    size = models.PositiveBigIntegerField("大小（字节）")
    content_type = models.CharField("类型", max_length=100)
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="上传人"
    )
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)

    class Meta:
        verbose_name = "隐患照片"
        verbose_name_plural = "隐患照片"
        ordering = ["hazard", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="hazard_photo_not_empty"),
            models.CheckConstraint(
                condition=Q(stage__in=["before", "after"]), name="hazard_photo_stage_valid"
            ),
        ]

    def __str__(self):
        return self.original_name


class HazardChange(AppendOnlyModel):
    """One change to a hazard: who, when, from → to, and what was said."""

    class Kind(models.TextChoices):
        RECORD = "record", "登记"
        IMPORT = "import", "导入"
        PLAN = "plan", "落实整改"
        SUBMIT = "submit", "提交验收"
        ACCEPT = "accept", "验收销号"
        RETURN = "return", "验收不通过"
        DEFER = "defer", "挂账"
        REVIEW = "review", "挂账复核"
        RESUME = "resume", "恢复整改"
        LIST = "list", "挂牌督办"
        DELIST = "delist", "摘牌"
        URGE = "urge", "催办"
        VOID = "void", "作废"

    hazard = models.ForeignKey(
        Hazard,
        on_delete=models.PROTECT,
        related_name="changes",
        verbose_name="隐患",
        db_index=False,
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name="操作人",
    )  # fmt: skip
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    from_state = models.CharField("原状态", max_length=10, choices=Hazard.State.choices, blank=True)
    to_state = models.CharField("新状态", max_length=10, choices=Hazard.State.choices)
    note = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "隐患办理记录"
        verbose_name_plural = "隐患办理记录（只读）"
        ordering = ["created_at", "id"]
        indexes = [
            # A hazard's history on its page; closed per week on the dashboard reads hazards.
            models.Index(fields=["hazard", "created_at"], name="hazard_change_time"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.hazard}"
