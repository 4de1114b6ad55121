"""The registers: 企业台账 (一企一档), 网格, 巡查检查记录 and 标准化创建.

Current state on the row; inspections and the 标准化 history are append-only, like the
assignments' history. Rules that one row can state are constraints here; rules across rows
(a grid tree without loops, a 网格员 of the grid's own township) are checked in services.
"""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from checklist.models import SORT_ORDER_MAX
from tracker.models import AppendOnlyModel, Unit


class IndustryManager(models.Manager):
    def get_by_natural_key(self, name):
        return self.get(name=name)


class Industry(models.Model):
    """行业类别: a table the office extends; each names its default 行业监管部门."""

    name = models.CharField("行业类别", max_length=30, unique=True)
    supervisor = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="默认行业监管部门",
        limit_choices_to={"kind": Unit.Kind.DEPARTMENT},
    )
    # 九小场所 are mostly 个体 without a registered code.
    credit_code_optional = models.BooleanField("信用代码可不填", default=False)
    sort_order = models.PositiveSmallIntegerField("排序", default=100, validators=[SORT_ORDER_MAX])
    active = models.BooleanField("启用", default=True)

    objects = IndustryManager()

    class Meta:
        verbose_name = "行业类别"
        verbose_name_plural = "行业类别"
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.name,)


class Grid(models.Model):
    """A node of a township's grid tree: a 村（社区） at the top, 网格 under it (a 网格 may be
    divided again into smaller 网格). Enterprises belong to 网格, never to a 村 directly."""

    class Level(models.TextChoices):
        VILLAGE = "village", "村（社区）"
        GRID = "grid", "网格"

    township = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="grids", verbose_name="乡镇（街道）"
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name="上级",
    )
    level = models.CharField("层级", max_length=10, choices=Level.choices, default=Level.GRID)
    name = models.CharField("名称", max_length=60)
    sort_order = models.PositiveSmallIntegerField("排序", default=100, validators=[SORT_ORDER_MAX])

    class Meta:
        verbose_name = "网格"
        verbose_name_plural = "网格"
        ordering = ["township__sort_order", "sort_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=["village", "grid"]), name="grid_level_valid"
            ),
            # A 村（社区） sits right under its township; a 网格 always has a 村 or 网格 above it.
            models.CheckConstraint(
                condition=Q(level="village", parent__isnull=True)
                | Q(level="grid", parent__isnull=False),
                name="grid_parent_by_level",
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="grid_not_own_parent"),
            models.UniqueConstraint(
                fields=["township", "name"],
                condition=Q(level="village"),
                name="grid_village_unique_name",
                violation_error_message="该乡镇（街道）已有同名的村（社区）。",
            ),
            models.UniqueConstraint(
                fields=["parent", "name"],
                name="grid_unique_name_under_parent",
                violation_error_message="同一上级下已有同名网格。",
            ),
        ]
        indexes = [
            # A township's tree, loaded whole for the grid page and a 网格员's scope.
            models.Index(fields=["township", "level"], name="grid_township_level"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        # The admin's form runs this; the services call the same check.
        from tracker.enterprises.grids import check_parent

        check_parent(self)


class GridMember(models.Model):
    """A 网格长 or 网格员 of one grid: a person with a phone, maybe with an account."""

    class Role(models.TextChoices):
        LEADER = "leader", "网格长"
        MEMBER = "member", "网格员"

    grid = models.ForeignKey(
        Grid, on_delete=models.CASCADE, related_name="members", verbose_name="网格"
    )
    role = models.CharField("职责", max_length=10, choices=Role.choices, default=Role.MEMBER)
    name = models.CharField("姓名", max_length=40)
    phone = models.CharField("电话", max_length=20)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="grid_memberships",
        verbose_name="登录账号",
        limit_choices_to={"role": "grid"},
    )

    class Meta:
        verbose_name = "网格员"
        verbose_name_plural = "网格长和网格员"
        ordering = ["grid", "role", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=["leader", "member"]), name="grid_member_role_valid"
            ),
            models.UniqueConstraint(
                fields=["grid"],
                condition=Q(role="leader"),
                name="grid_one_leader",
                violation_error_message="每个网格只有一名网格长。",
            ),
            models.UniqueConstraint(
                fields=["grid", "user"],
                condition=Q(user__isnull=False),
                name="grid_member_account_once",
                violation_error_message="该账号已是这个网格的成员。",
            ),
        ]
        indexes = [
            # A 网格员's own grids, on every page they open.
            models.Index(fields=["user", "grid"], name="grid_member_user"),
        ]

    def __str__(self):
        return f"{self.get_role_display()} {self.name}"

    def clean(self):
        from tracker.enterprises.grids import check_member

        check_member(self)


class Enterprise(models.Model):
    """One 生产经营单位: 一企一档."""

    class Scale(models.TextChoices):
        ABOVE = "above", "规上"
        SMALL = "small", "小微"
        INDIVIDUAL = "individual", "个体"

    class Risk(models.TextChoices):
        MAJOR = "major", "重大"
        LARGER = "larger", "较大"
        GENERAL = "general", "一般"
        LOW = "low", "低"

    class State(models.TextChoices):
        PRODUCING = "producing", "在产"
        SUSPENDED = "suspended", "停产"
        CLOSED = "closed", "关闭"

    class Level(models.TextChoices):
        FIRST = "first", "一级"
        SECOND = "second", "二级"
        THIRD = "third", "三级"
        SMALL = "small", "小微企业达标"
        NONE = "none", "未创建"

    # 红橙黄蓝, the colours the county's 风险分级 maps use.
    RISK_COLOURS = {"major": "red", "larger": "orange", "general": "yellow", "low": "blue"}
    # Inspected and counted: a 停产 enterprise is checked that it stays stopped.
    OPEN_STATES = (State.PRODUCING, State.SUSPENDED)

    name = models.CharField("企业名称", max_length=200)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    township = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="enterprises",
        verbose_name="属地乡镇（街道）",
        limit_choices_to={"kind": Unit.Kind.TOWNSHIP},
    )
    village = models.ForeignKey(
        Grid,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="village_enterprises",
        verbose_name="村（社区）",
        limit_choices_to={"level": Grid.Level.VILLAGE},
    )
    grid = models.ForeignKey(
        Grid,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enterprises",
        verbose_name="网格",
        limit_choices_to={"level": Grid.Level.GRID},
    )
    industry = models.ForeignKey(
        Industry, on_delete=models.PROTECT, related_name="enterprises", verbose_name="行业类别"
    )
    supervisor = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervised_enterprises",
        verbose_name="行业监管部门",
        limit_choices_to={"kind": Unit.Kind.DEPARTMENT},
    )
    scale = models.CharField("规模", max_length=12, choices=Scale.choices, default=Scale.SMALL)
    risk = models.CharField("风险等级", max_length=10, choices=Risk.choices, default=Risk.LOW)
    principal = models.CharField("主要负责人", max_length=40, blank=True)
    principal_phone = models.CharField("主要负责人电话", max_length=20, blank=True)
    safety_officer = models.CharField("安全管理人员", max_length=40, blank=True)
    safety_phone = models.CharField("安全管理人员电话", max_length=20, blank=True)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PRODUCING)
    # The level of the newest 已达标 record not revoked: kept by the 标准化 services so that the
    # register filters on it without reading the records.
    standard_level = models.CharField(
        "标准化等级", max_length=10, choices=Level.choices, default=Level.NONE
    )
    created_at = models.DateTimeField("建档时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", default=timezone.now)

    class Meta:
        verbose_name = "生产经营单位"
        verbose_name_plural = "企业台账"
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="enterprise_credit_code_unique",
                violation_error_message="已有企业使用这个统一社会信用代码。",
            ),
            # What an import matches a row without a code by: the name within its township.
            models.UniqueConstraint(
                fields=["township", "name"],
                name="enterprise_unique_name_in_township",
                violation_error_message="该乡镇（街道）已有同名企业。",
            ),
            models.CheckConstraint(
                condition=Q(scale__in=["above", "small", "individual"]),
                name="enterprise_scale_valid",
            ),
            models.CheckConstraint(
                condition=Q(risk__in=["major", "larger", "general", "low"]),
                name="enterprise_risk_valid",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["producing", "suspended", "closed"]),
                name="enterprise_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(standard_level__in=["first", "second", "third", "small", "none"]),
                name="enterprise_standard_level_valid",
            ),
        ]
        indexes = [
            # The county's register, a page of 25 by name, read in index order.
            models.Index(fields=["name", "id"], name="enterprise_name"),
            # A department's register: the enterprises it supervises, by name.
            models.Index(fields=["supervisor", "name"], name="enterprise_supervisor_name"),
            # Coverage per grid and a 网格员's own enterprises.
            models.Index(fields=["grid", "state"], name="enterprise_grid_state"),
            # Coverage per township (grouped) and the register's industry filter.
            models.Index(fields=["township", "state", "grid"], name="enterprise_township_state"),
            models.Index(fields=["industry", "name"], name="enterprise_industry_name"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        # The admin's form runs this; the services call the same check.
        from tracker.enterprises.services import check_enterprise

        check_enterprise(self)

    @property
    def risk_colour(self) -> str:
        return self.RISK_COLOURS.get(self.risk, "")


def photo_upload_to(instance, filename):
    # A generated name under its own folder: the evidence sweep never walks it.
    suffix = PurePath(filename).suffix.lower()[:10]
    now = timezone.localtime()
    return f"inspections/{now:%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Inspection(AppendOnlyModel):
    """One 巡查检查 of one enterprise. Never edited: a correction is a new record."""

    class Result(models.TextChoices):
        CLEAR = "clear", "未发现问题"
        HAZARDS = "hazards", "发现隐患"

    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name="企业",
        db_index=False,
    )
    inspected_on = models.DateField("检查日期")
    result = models.CharField("检查结果", max_length=10, choices=Result.choices)
    hazard_count = models.PositiveSmallIntegerField("隐患数", default=0)
    signature = models.CharField("检查人签名", max_length=40)
    note = models.TextField("说明", blank=True)
    # The 网格员 who inspected, when it was one of the grid's members; a department's
    # inspector has none. Kept as a link for "网格员 with no inspection this month".
    member = models.ForeignKey(
        GridMember,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inspections",
        verbose_name="网格员",
    )
    inspector_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="检查单位",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="录入人",
    )
    created_at = models.DateTimeField("录入时间", default=timezone.now)

    class Meta:
        verbose_name = "巡查检查记录"
        verbose_name_plural = "巡查检查记录（只读）"
        ordering = ["-inspected_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(result="clear", hazard_count=0)
                | Q(result="hazards", hazard_count__gt=0),
                name="inspection_result_matches_count",
            ),
        ]
        indexes = [
            # Was this enterprise inspected in the period (coverage, 未巡查), and its file's list.
            models.Index(fields=["enterprise", "inspected_on"], name="inspection_enterprise_day"),
            # A 网格员's inspections this month.
            models.Index(fields=["member", "inspected_on"], name="inspection_member_day"),
        ]

    def __str__(self):
        return f"{self.enterprise} {self.inspected_on}"


class InspectionHazard(AppendOnlyModel):
    """A hazard found, as described on the inspection; the hazard register takes these over."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="hazards", verbose_name="巡查检查"
    )
    number = models.PositiveSmallIntegerField("序号")
    description = models.CharField("隐患描述", max_length=500)

    class Meta:
        verbose_name = "发现的隐患"
        verbose_name_plural = "发现的隐患"
        ordering = ["inspection", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "number"], name="inspection_hazard_number_unique"
            ),
        ]

    def __str__(self):
        return self.description


class InspectionPhoto(AppendOnlyModel):
    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="photos", verbose_name="巡查检查"
    )
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
        verbose_name = "巡查照片"
        verbose_name_plural = "巡查照片"
        ordering = ["inspection", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="inspection_photo_not_empty"),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="inspection_photo_sha256_hex"
            ),
        ]

    def __str__(self):
        return self.original_name


class Standardization(models.Model):
    """One 标准化创建 of one enterprise, from 创建中 to 已达标 (or 已撤销)."""

    class Level(models.TextChoices):
        FIRST = "first", "一级"
        SECOND = "second", "二级"
        THIRD = "third", "三级"
        SMALL = "small", "小微企业达标"

    class State(models.TextChoices):
        BUILDING = "building", "创建中"
        APPLIED = "applied", "已申报"
        REVIEWED = "reviewed", "已评审"
        ACHIEVED = "achieved", "已达标"
        REVOKED = "revoked", "已撤销"

    OPEN_STATES = (State.BUILDING, State.APPLIED, State.REVIEWED)

    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="standardizations",
        verbose_name="企业",
    )
    level = models.CharField("创建等级", max_length=10, choices=Level.choices)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.BUILDING)
    achieved_on = models.DateField("达标日期", null=True, blank=True)
    certificate_no = models.CharField("证书编号", max_length=40, blank=True)
    valid_until = models.DateField("有效期至", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("登记时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", default=timezone.now)

    class Meta:
        verbose_name = "标准化创建"
        verbose_name_plural = "标准化创建"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=["first", "second", "third", "small"]),
                name="standardization_level_valid",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["building", "applied", "reviewed", "achieved", "revoked"]),
                name="standardization_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state="achieved")
                | Q(achieved_on__isnull=False, valid_until__isnull=False) & ~Q(certificate_no=""),
                name="standardization_achieved_has_certificate",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(achieved_on__isnull=True)
                | Q(valid_until__gt=models.F("achieved_on")),
                name="standardization_valid_after_achieved",
            ),
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=Q(state__in=["building", "applied", "reviewed"]),
                name="standardization_one_open_per_enterprise",
                violation_error_message="该企业已有正在进行的标准化创建。",
            ),
            models.UniqueConstraint(
                fields=["certificate_no"],
                condition=~Q(certificate_no=""),
                name="standardization_certificate_unique",
                violation_error_message="证书编号已被其他记录使用。",
            ),
        ]
        indexes = [
            # 新增达标企业数 per year: achieved records by date (standardized_count).
            models.Index(fields=["state", "achieved_on"], name="standardization_achieved"),
            # Certificates expiring within 90 days (the reminder job).
            models.Index(fields=["state", "valid_until"], name="standardization_expiry"),
        ]

    def __str__(self):
        return f"{self.enterprise} {self.get_level_display()}"


class StandardizationChange(AppendOnlyModel):
    """The append-only history of a 标准化 record: who, when, from → to, what it then said."""

    class Kind(models.TextChoices):
        CREATE = "create", "登记"
        ADVANCE = "advance", "推进"
        EDIT = "edit", "修改"
        REVOKE = "revoke", "撤销"

    record = models.ForeignKey(
        Standardization,
        on_delete=models.PROTECT,
        related_name="changes",
        verbose_name="标准化创建",
        db_index=False,
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    from_state = models.CharField(
        "原状态", max_length=10, choices=Standardization.State.choices, blank=True
    )
    to_state = models.CharField("新状态", max_length=10, choices=Standardization.State.choices)
    level = models.CharField("创建等级", max_length=10, choices=Standardization.Level.choices)
    achieved_on = models.DateField("达标日期", null=True, blank=True)
    certificate_no = models.CharField("证书编号", max_length=40, blank=True)
    valid_until = models.DateField("有效期至", null=True, blank=True)
    note = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "标准化办理记录"
        verbose_name_plural = "标准化办理记录（只读）"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["record", "-created_at"], name="standardization_change_time"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.record}"
