"""年度考核 as data: a scheme per 年度 and kind of unit, its items and rules, 一票否决, the
office's adjustments and line overrides, units' 申诉, and the frozen result of a closed year."""

import uuid
from decimal import Decimal
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tracker.models import AppendOnlyModel, Unit

POINTS = {"max_digits": 6, "decimal_places": 2}


def num(value) -> str:
    """2.00 → 2, 0.50 → 0.5: points as people write them."""
    return format(Decimal(value).normalize(), "f")


class Scheme(models.Model):
    """考核方案: the items, rules, 一票否决 and grade bands of one 年度 for one kind of unit."""

    class Kind(models.TextChoices):
        TOWNSHIP = "township", "乡镇街道"
        DEPARTMENT = "department", "部门"

    year = models.PositiveSmallIntegerField("年度")
    kind = models.CharField("考核对象", max_length=12, choices=Kind.choices)
    name = models.CharField("方案名称", max_length=100)
    # Grade bands: 优秀 ≥ excellent, 良好 ≥ good, 合格 ≥ passing, else 不合格.
    excellent = models.DecimalField("优秀分数线", default=95, **POINTS)
    good = models.DecimalField("良好分数线", default=90, **POINTS)
    passing = models.DecimalField("合格分数线", default=80, **POINTS)
    # Closed: the year's assessment is frozen (FrozenResult); the scheme is read-only.
    closed = models.BooleanField("已归档", default=False)
    closed_on = models.DateField("归档日期", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="归档人",
    )

    class Meta:
        verbose_name = "考核方案"
        verbose_name_plural = "考核方案"
        ordering = ["-year", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "kind"],
                name="scheme_one_per_year_kind",
                violation_error_message="该年度已有这类单位的考核方案。",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["township", "department"]), name="scheme_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(excellent__gte=models.F("good"), good__gte=models.F("passing")),
                name="scheme_bands_ordered",
            ),
        ]

    def __str__(self):
        return self.name


class SchemeItem(models.Model):
    """考核项目 with its 分值 (重点任务完成 40)."""

    scheme = models.ForeignKey(
        Scheme, on_delete=models.CASCADE, related_name="items", verbose_name="考核方案"
    )
    name = models.CharField("考核项目", max_length=60)
    points = models.DecimalField("分值", **POINTS)
    sort_order = models.PositiveSmallIntegerField("排序", default=10)

    class Meta:
        verbose_name = "考核项目"
        verbose_name_plural = "考核项目"
        ordering = ["scheme", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "name"],
                name="scheme_item_unique_name",
                violation_error_message="方案中已有同名考核项目。",
            ),
            models.CheckConstraint(condition=Q(points__gte=0), name="scheme_item_points_nonneg"),
        ]

    def __str__(self):
        return f"{self.name}（{num(self.points)}分）"


class Rule(models.Model):
    """One automatic deduction of an item, computed from the tracked data."""

    class Kind(models.TextChoices):
        OVERDUE = "overdue", "每项逾期未办结"
        MISSED = "missed", "每期未按期报送"
        RETURNED = "returned", "每次被退回"
        YELLOW = "yellow", "每张黄色督办单"
        RED = "red", "每张红色督办单"
        HAZARD = "hazard", "每项重大隐患逾期未整改"
        SHORTFALL = "shortfall", "分解数量未完成按比例扣分"
        COVERAGE = "coverage", "巡查覆盖率低于阈值"
        STANDARD = "standard", "标准化创建未达目标按比例扣分"
        ACCIDENT = "accident", "每起生产安全事故"

    item = models.ForeignKey(
        SchemeItem, on_delete=models.CASCADE, related_name="rules", verbose_name="考核项目"
    )
    kind = models.CharField("扣分规则", max_length=12, choices=Kind.choices)
    # Per occurrence for counts; for the proportional rules, the points of a whole shortfall.
    points = models.DecimalField("扣分", **POINTS)
    # 巡查覆盖率: the percentage below which points go; 标准化创建: the number of enterprises.
    threshold = models.DecimalField("阈值/目标", null=True, blank=True, **POINTS)

    class Meta:
        verbose_name = "扣分规则"
        verbose_name_plural = "扣分规则"
        ordering = ["item", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(points__gte=0), name="rule_points_nonneg"),
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "overdue",
                        "missed",
                        "returned",
                        "yellow",
                        "red",
                        "hazard",
                        "shortfall",
                        "coverage",
                        "standard",
                        "accident",
                    ]
                ),  # fmt: skip
                name="rule_kind_valid",
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        p = num(self.points)
        if self.kind == self.Kind.COVERAGE:
            return f"巡查覆盖率低于 {num(self.threshold or 0)}% 扣 {p} 分"
        if self.kind == self.Kind.STANDARD:
            return (
                f"标准化创建目标 {num(self.threshold or 0)} 家，未达目标按比例扣分（满扣 {p} 分）"
            )
        if self.kind == self.Kind.SHORTFALL:
            return f"分解数量未完成按比例扣分（每项满扣 {p} 分）"
        return f"{self.get_kind_display()}扣 {p} 分"


class Veto(models.Model):
    """一票否决: met, the unit's grade is 不合格 whatever its score."""

    class Kind(models.TextChoices):
        LARGE_ACCIDENT = "large_accident", "发生较大及以上生产安全事故"
        DEATHS_OVER = "deaths_over", "死亡人数超过控制指标"
        ACCIDENTS_OVER = "accidents_over", "事故起数超过控制指标"

    scheme = models.ForeignKey(
        Scheme, on_delete=models.CASCADE, related_name="vetoes", verbose_name="考核方案"
    )
    kind = models.CharField("否决条件", max_length=16, choices=Kind.choices)

    class Meta:
        verbose_name = "一票否决"
        verbose_name_plural = "一票否决"
        constraints = [
            models.UniqueConstraint(fields=["scheme", "kind"], name="veto_unique_kind"),
            models.CheckConstraint(
                condition=Q(kind__in=["large_accident", "deaths_over", "accidents_over"]),
                name="veto_kind_valid",
            ),
        ]

    def __str__(self):
        return self.get_kind_display()


def evidence_upload_to(instance, filename):
    suffix = PurePath(filename).suffix.lower()[:10]
    now = timezone.localtime()
    return f"assessment/{now:%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Adjustment(AppendOnlyModel):
    """加分/扣分 the office enters on an item (经验被推广 +1/+3/+5, 被上级通报批评 −N)."""

    class Level(models.TextChoices):
        COUNTY = "county", "县级"
        CITY = "city", "市级"
        PROVINCE = "province", "省级"

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name="单位")
    item = models.ForeignKey(
        SchemeItem, on_delete=models.PROTECT, related_name="adjustments", verbose_name="考核项目"
    )
    points = models.DecimalField("加减分", **POINTS)
    level = models.CharField("推广层级", max_length=10, choices=Level.choices, blank=True)
    reason = models.TextField("理由")
    file = models.FileField("佐证材料", upload_to=evidence_upload_to, max_length=200, blank=True)
    original_name = models.CharField("原文件名", max_length=255, blank=True)
    size = models.PositiveBigIntegerField("大小（字节）", null=True, blank=True)
    content_type = models.CharField("类型", max_length=100, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="录入人"
    )
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "加减分"
        verbose_name_plural = "加减分"
        ordering = ["created_at", "id"]
        indexes = [
            # A scheme's adjustments for every unit (the league) or one (the 明细).
            models.Index(fields=["item", "unit"], name="adjustment_item_unit"),
        ]

    def __str__(self):
        return f"{self.unit} {num(self.points)}"


class LineOverride(AppendOnlyModel):
    """The office sets a computed line's deduction by hand; the newest row per line counts,
    and every row keeps both the value it replaced and the new one."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name="单位")
    rule = models.ForeignKey(
        Rule, on_delete=models.PROTECT, related_name="overrides", verbose_name="扣分规则"
    )
    old_value = models.DecimalField("原扣分", **POINTS)
    new_value = models.DecimalField("调整后扣分", **POINTS)
    reason = models.TextField("理由")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="调整人"
    )
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "扣分调整"
        verbose_name_plural = "扣分调整"
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(new_value__gte=0), name="override_nonneg"),
        ]
        indexes = [
            # A line's overrides, newest last.
            models.Index(fields=["rule", "unit", "created_at"], name="override_rule_unit"),
        ]

    def __str__(self):
        return f"{self.unit} {self.rule}: {num(self.old_value)} → {num(self.new_value)}"


class Appeal(models.Model):
    """申诉: a unit disputes a line; the office accepts or rejects it with a note."""

    class State(models.TextChoices):
        PENDING = "pending", "待处理"
        ACCEPTED = "accepted", "已采纳"
        REJECTED = "rejected", "未采纳"

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name="单位")
    rule = models.ForeignKey(
        Rule, on_delete=models.PROTECT, related_name="appeals", verbose_name="扣分规则"
    )
    reason = models.TextField("申诉理由")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="申诉人"
    )
    filed_at = models.DateTimeField("申诉时间", default=timezone.now)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="处理人",
    )
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    note = models.TextField("处理意见", blank=True)

    class Meta:
        verbose_name = "申诉"
        verbose_name_plural = "申诉"
        ordering = ["filed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["pending", "accepted", "rejected"]),
                name="appeal_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(state="pending")
                | Q(decided_by__isnull=False, decided_at__isnull=False),
                name="appeal_decided_has_who_and_when",
            ),
            models.UniqueConstraint(
                fields=["unit", "rule"],
                condition=Q(state="pending"),
                name="appeal_one_pending_per_line",
                violation_error_message="该项已有待处理的申诉。",
            ),
        ]

    def __str__(self):
        return f"{self.unit} · {self.rule}"


class FrozenResult(models.Model):
    """A unit's assessment as it stood when the office closed the year: read from then on."""

    scheme = models.ForeignKey(
        Scheme, on_delete=models.PROTECT, related_name="results", verbose_name="考核方案"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name="单位")
    score = models.DecimalField("得分", **POINTS)
    grade = models.CharField("等次", max_length=8)
    vetoes = models.JSONField("一票否决", default=list)
    lines = models.JSONField("明细")
    as_of = models.DateField("计算日期")
    frozen_at = models.DateTimeField("归档时间", default=timezone.now)

    class Meta:
        verbose_name = "考核结果（归档）"
        verbose_name_plural = "考核结果（归档）"
        ordering = ["scheme", "-score"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "unit"], name="frozen_one_per_unit"),
        ]

    def __str__(self):
        return f"{self.unit} {num(self.score)} {self.grade}"
