"""The 事故台账: one row per 生产安全事故 with its 调查处理 state and an append-only history of
every change, and each unit's 控制指标 for a year (死亡人数 ≤ N, 事故起数 ≤ N). Nothing is
deleted: a wrong row is voided with a reason and stays in the history."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tracker.enterprises.models import Enterprise, Industry
from tracker.models import AppendOnlyModel, Unit


class Accident(models.Model):
    class Level(models.TextChoices):
        GENERAL = "general", "一般"
        LARGE = "large", "较大"
        MAJOR = "major", "重大"
        EXTRAORDINARY = "extraordinary", "特别重大"

    class State(models.TextChoices):
        INVESTIGATING = "investigating", "调查中"
        REPORTED = "reported", "调查报告已批复"
        CLOSED = "closed", "已结案"

    # 较大 and worse: the levels the assessment schemes usually 一票否决 on.
    SERIOUS_LEVELS = (Level.LARGE, Level.MAJOR, Level.EXTRAORDINARY)

    occurred_on = models.DateField("发生日期")
    place = models.CharField("发生地点", max_length=200)
    township = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="accidents",
        verbose_name="属地乡镇（街道）",
        limit_choices_to={"kind": Unit.Kind.TOWNSHIP},
    )
    industry = models.ForeignKey(
        Industry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accidents",
        verbose_name="行业",
    )
    # The 行业监管部门 answering for it: the enterprise's, else the industry's default (kept on
    # the row, so a later change of the industry table does not move old accidents).
    supervisor = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervised_accidents",
        verbose_name="行业监管部门",
        limit_choices_to={"kind": Unit.Kind.DEPARTMENT},
    )
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accidents",
        verbose_name="事故单位",
    )
    level = models.CharField("事故等级", max_length=16, choices=Level.choices)
    deaths = models.PositiveIntegerField("死亡人数", default=0)
    injuries = models.PositiveIntegerField("受伤人数", default=0)
    direct_loss = models.DecimalField(
        "直接经济损失（万元）", max_digits=12, decimal_places=2, default=0
    )
    description = models.TextField("事故简要经过")
    state = models.CharField(
        "调查处理", max_length=16, choices=State.choices, default=State.INVESTIGATING
    )
    closed_on = models.DateField("结案日期", null=True, blank=True)
    voided = models.BooleanField("已作废", default=False)
    void_reason = models.TextField("作废原因", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name="录入人",
    )  # fmt: skip
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("录入时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", default=timezone.now)

    class Meta:
        verbose_name = "事故"
        verbose_name_plural = "事故台账"
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=["general", "large", "major", "extraordinary"]),
                name="accident_level_valid",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["investigating", "reported", "closed"]),
                name="accident_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(direct_loss__gte=0), name="accident_loss_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(voided=False) | ~Q(void_reason=""), name="accident_void_has_reason"
            ),
        ]
        indexes = [
            # The year's accidents of a township (its list, its assessment line).
            models.Index(fields=["township", "occurred_on"], name="accident_township_day"),
            # A department's: the accidents of the industries it supervises.
            models.Index(fields=["supervisor", "occurred_on"], name="accident_supervisor_day"),
            # The county's list, newest first.
            models.Index(fields=["-occurred_on", "-id"], name="accident_day"),
        ]

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        return f"SG{self.occurred_on:%Y}{self.pk or 0:05d}"

    @property
    def is_serious(self) -> bool:
        """较大 or worse."""
        return self.level in self.SERIOUS_LEVELS


class AccidentHistory(AppendOnlyModel):
    """One change to an accident: who, when, what, and the fields' old and new values."""

    class Kind(models.TextChoices):
        RECORD = "record", "登记"
        EDIT = "edit", "修改"
        STATE = "state", "调查处理"
        VOID = "void", "作废"

    accident = models.ForeignKey(
        Accident,
        on_delete=models.PROTECT,
        related_name="history",
        verbose_name="事故",
        db_index=False,
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name="操作人",
    )  # fmt: skip
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    # "字段：旧值 → 新值" lines, one per field changed.
    changes = models.TextField("变更内容", blank=True)
    note = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "事故办理记录"
        verbose_name_plural = "事故办理记录（只读）"
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["accident", "created_at"], name="accident_history_time"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.accident}"


class ControlIndicator(models.Model):
    """A unit's 控制指标 for a year: at most so many deaths and so many accidents."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="control_indicators", verbose_name="单位"
    )
    year = models.PositiveSmallIntegerField("年度")
    max_deaths = models.PositiveIntegerField("死亡人数控制指标")
    max_accidents = models.PositiveIntegerField("事故起数控制指标")
    note = models.CharField("备注", max_length=200, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name="下达人",
    )  # fmt: skip
    updated_at = models.DateTimeField("更新时间", default=timezone.now)

    class Meta:
        verbose_name = "控制指标"
        verbose_name_plural = "控制指标"
        ordering = ["year", "unit__kind", "unit__sort_order", "unit__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year"],
                name="control_indicator_unit_year",
                violation_error_message="该单位本年度的控制指标已经下达。",
            ),
        ]

    def __str__(self):
        return f"{self.year} {self.unit} 死亡≤{self.max_deaths} 起数≤{self.max_accidents}"


class ControlIndicatorHistory(AppendOnlyModel):
    """Each setting or change of a 控制指标, old and new values."""

    indicator = models.ForeignKey(
        ControlIndicator,
        on_delete=models.PROTECT,
        related_name="history",
        verbose_name="控制指标",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name="操作人",
    )  # fmt: skip
    changes = models.TextField("变更内容")
    note = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "控制指标变更记录"
        verbose_name_plural = "控制指标变更记录（只读）"
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.indicator} · {self.created_at:%Y-%m-%d}"
