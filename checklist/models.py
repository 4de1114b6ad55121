"""The catalog: where work comes from (sources, directives) and what must be done (items)."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ThemeManager(models.Manager):
    def get_by_natural_key(self, name):
        return self.get(name=name)


# PostgreSQL's smallint holds at most 32767; SQLite would store more, so the form says so first.
SORT_ORDER_MAX = MaxValueValidator(32767, "排序不能大于 32767。")


class Theme(models.Model):
    name = models.CharField("名称", max_length=40, unique=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=100, validators=[SORT_ORDER_MAX])
    active = models.BooleanField("启用", default=True)

    objects = ThemeManager()

    class Meta:
        verbose_name = "工作领域"
        verbose_name_plural = "工作领域"
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.name,)


class SourceManager(models.Manager):
    def get_by_natural_key(self, key):
        return self.get(key=key)


class Source(models.Model):
    class Kind(models.TextChoices):
        SPEECH = "speech", "讲话"
        DOCUMENT = "document", "文件"
        MEETING = "meeting", "会议纪要"

    key = models.SlugField("标识", max_length=60, unique=True)
    title = models.CharField("标题", max_length=200)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.SPEECH)
    speaker = models.CharField("讲话人/发文单位", max_length=100, blank=True)
    date = models.DateField("日期", null=True, blank=True)
    text = models.TextField("全文", blank=True)
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    # Set when the text went through extraction (讲话录入): such sources have a review page.
    extracted_at = models.DateTimeField("提取时间", null=True, blank=True)

    objects = SourceManager()

    class Meta:
        verbose_name = "来源"
        verbose_name_plural = "来源（讲话/文件）"
        ordering = ["-date", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["speech", "document", "meeting"]), name="source_kind_valid"
            ),
        ]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.key,)


class DirectiveManager(models.Manager):
    def get_by_natural_key(self, source_key, start):
        return self.get(source__key=source_key, start=start)


class Directive(models.Model):
    """An excerpt of a source that orders work, located by character offsets in its text."""

    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="directives", verbose_name="来源"
    )
    part = models.PositiveSmallIntegerField("第几篇", null=True, blank=True)
    heading_path = models.CharField("所在章节", max_length=300, blank=True)
    start = models.PositiveIntegerField("起始位置")
    end = models.PositiveIntegerField("结束位置")
    text = models.TextField("原文")
    themes = models.ManyToManyField(
        Theme, blank=True, related_name="directives", verbose_name="领域"
    )

    objects = DirectiveManager()

    class Meta:
        verbose_name = "部署要求"
        verbose_name_plural = "部署要求"
        ordering = ["source", "start"]
        constraints = [
            models.UniqueConstraint(fields=["source", "start"], name="directive_unique_position"),
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="directive_span_nonempty"
            ),
        ]

    def __str__(self):
        return f"{self.source.title} · {self.position_label}"

    @property
    def position_label(self) -> str:
        part = f"第{self.part}篇 " if self.part else ""
        return f"{part}{self.heading_path}".strip()

    def natural_key(self):
        return (*self.source.natural_key(), self.start)

    natural_key.dependencies = ["checklist.source"]


def this_year() -> int:
    return timezone.localdate().year


def year_of_code(code: str) -> int | None:
    """2026-015 → 2026; None for codes without a plausible year in front."""
    head = code[:4]
    if head.isascii() and head.isdigit() and 2000 <= int(head) <= 2099:
        return int(head)
    return None


class WorkYear(models.Model):
    """年度: a year's plan of work. Closing it (年度归档) freezes its items and its figures.

    A year without a row is open; the row is written when the year is closed.
    """

    class State(models.TextChoices):
        OPEN = "open", "进行中"
        CLOSED = "closed", "已归档"

    year = models.PositiveSmallIntegerField("年度", unique=True)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.OPEN)
    # The day the figures stand at: pages of a closed year count as on that day.
    closed_on = models.DateField("归档日期", null=True, blank=True)
    closed_at = models.DateTimeField("归档时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="归档人",
    )
    note = models.TextField("归档说明", blank=True)
    # The year's figures as they stood when it was closed (totals, league, lights).
    frozen = models.JSONField("归档时的统计", default=dict, blank=True)

    class Meta:
        verbose_name = "年度"
        verbose_name_plural = "年度"
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["open", "closed"]), name="work_year_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(state="open") | Q(closed_on__isnull=False, closed_at__isnull=False),
                name="work_year_closed_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.year}年度"

    @property
    def is_closed(self) -> bool:
        return self.state == self.State.CLOSED


WEEKDAYS = "一二三四五六日"


class ChecklistItemQuerySet(models.QuerySet):
    def published(self):
        return self.filter(state=ChecklistItem.State.PUBLISHED)


class ChecklistItemManager(models.Manager.from_queryset(ChecklistItemQuerySet)):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class ChecklistItem(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"
        # 作废: imported or published by mistake. Kept with its history, shown in no list.
        VOID = "void", "已作废"

    class Cadence(models.TextChoices):
        NONE = "none", "不定期"
        WEEKLY = "weekly", "每周"
        MONTHLY = "monthly", "每月"
        QUARTERLY = "quarterly", "每季度"
        SEMIANNUAL = "semiannual", "每半年"

    code = models.CharField("编号", max_length=30, unique=True)
    # 年度: the year's plan the item belongs to; by default the year its code starts with.
    year = models.PositiveSmallIntegerField("年度", default=this_year)
    title = models.CharField("任务", max_length=300)
    detail = models.TextField("具体要求", blank=True)
    theme = models.ForeignKey(
        Theme, on_delete=models.PROTECT, related_name="items", verbose_name="领域"
    )
    directive = models.ForeignKey(
        Directive,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items",
        verbose_name="来源部署要求",
    )
    start_date = models.DateField("开始日期")
    # No deadline means 长期/持续: the item then needs a reporting cadence instead.
    deadline = models.DateField("完成时限", null=True, blank=True)
    cadence = models.CharField(
        "报送频次", max_length=10, choices=Cadence.choices, default=Cadence.NONE
    )
    cadence_day = models.PositiveSmallIntegerField(
        "报送日",
        null=True,
        blank=True,
        help_text="每月第几日前报送，如 28；每季度、每半年为末月的第几日；每周为星期几（1–7）",
    )
    target_quantity = models.DecimalField(
        "目标数量", max_digits=12, decimal_places=2, null=True, blank=True
    )
    target_unit = models.CharField("计量单位", max_length=10, blank=True)
    # 台账计量: the key of a figure a register offers (tracker.extensions); each unit's quantity
    # is then read from its own register rows instead of typed. Empty: typed by the units.
    measure = models.CharField(
        "计量来源",
        max_length=40,
        blank=True,
        help_text="由台账自动计量时，各单位的完成数量从其台账记录中统计，不能手工填报",
    )
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.DRAFT)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    # 结转: a long-term item taken over from the previous year's plan when that year was closed.
    carried_from = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="carried_to",
        verbose_name="结转自",
    )
    void_reason = models.TextField("作废原因", blank=True)
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="作废人",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ChecklistItemManager()

    class Meta:
        verbose_name = "任务"
        verbose_name_plural = "任务清单"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__isnull=False) | ~Q(cadence="none"),
                name="item_long_term_needs_cadence",
            ),
            models.CheckConstraint(
                condition=Q(deadline__isnull=True) | Q(deadline__gte=models.F("start_date")),
                name="item_deadline_after_start",
            ),
            models.CheckConstraint(
                condition=Q(target_quantity__isnull=True) | Q(target_quantity__gt=0),
                name="item_target_positive",
            ),
            models.CheckConstraint(
                condition=Q(target_quantity__isnull=True, target_unit="")
                | (Q(target_quantity__isnull=False) & ~Q(target_unit="")),
                name="item_target_has_unit",
            ),
            models.CheckConstraint(
                condition=Q(cadence_day__isnull=True) | Q(cadence_day__gte=1, cadence_day__lte=31),
                name="item_cadence_day_in_month",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "published", "void"]), name="item_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state="published") | Q(published_at__isnull=False),
                name="item_published_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state="void") | (Q(voided_at__isnull=False) & ~Q(void_reason="")),
                name="item_void_has_time_and_reason",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2099), name="item_year_plausible"
            ),
        ]
        indexes = [
            # Task list filtered by theme among published items.
            models.Index(fields=["state", "theme"], name="item_state_theme"),
            # The current 年度 (newest open year with published items) and each year's items.
            models.Index(fields=["year", "state"], name="item_year_state"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    def natural_key(self):
        return (self.code,)

    @property
    def is_long_term(self) -> bool:
        return self.deadline is None

    @property
    def cadence_label(self) -> str:
        if self.cadence == self.Cadence.NONE:
            return ""
        label = self.get_cadence_display()
        if not self.cadence_day:
            return label
        if self.cadence == self.Cadence.WEEKLY:
            return f"每周{WEEKDAYS[min(self.cadence_day, 7) - 1]}前"
        if self.cadence in (self.Cadence.QUARTERLY, self.Cadence.SEMIANNUAL):
            label += "末月"
        return f"{label}{self.cadence_day}日前"


class DirectiveCandidate(models.Model):
    """A sentence the extractor proposed as a directive, waiting for a person to accept it.

    Nothing here is visible to units: accepting creates a draft item, and only publishing
    that item makes it reach them. Units are kept as names (checklist does not know the unit
    table); the tracker side resolves them when the candidate is accepted.
    """

    class State(models.TextChoices):
        PENDING = "pending", "待审"
        ACCEPTED = "accepted", "已接受"
        REJECTED = "rejected", "已驳回"

    source = models.ForeignKey(
        Source, on_delete=models.CASCADE, related_name="candidates", verbose_name="来源"
    )
    start = models.PositiveIntegerField("起始位置")
    end = models.PositiveIntegerField("结束位置")
    text = models.TextField("原文")
    part = models.PositiveSmallIntegerField("第几篇", null=True, blank=True)
    heading_path = models.CharField("所在章节", max_length=300, blank=True)
    # Theme names, the main one first.
    themes = models.JSONField("领域", default=list, blank=True)
    # [{"unit": Unit.name, "role": "lead" | "responsible" | "cooperate"}]
    units = models.JSONField("单位", default=list, blank=True)
    # "township" | "department" | "enterprise": 各乡镇 / 各部门 / 各企业 in the sentence.
    groups = models.JSONField("泛指对象", default=list, blank=True)
    # Every party the sentence names as responsible, as written:
    # [{"name": "县纪委监委", "unit": Unit.name | None, "group": "village" | … | None,
    #   "role": "lead" | "responsible" | "cooperate"}]. Unmatched ones (no unit, no group) are
    # what the office maps to a unit on the review page. Empty for candidates made before.
    actors = models.JSONField("责任主体", default=list, blank=True)
    deadline = models.DateField("完成时限", null=True, blank=True)
    deadline_phrase = models.CharField("时限原文", max_length=40, blank=True)
    immediate = models.BooleanField("立即办理", default=False)
    target_quantity = models.DecimalField(
        "目标数量", max_digits=12, decimal_places=2, null=True, blank=True
    )
    target_unit = models.CharField("计量单位", max_length=10, blank=True)
    # Empty until a person edits it: the page derives a short title from the text.
    title = models.CharField("任务名称", max_length=300, blank=True)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PENDING)
    item = models.OneToOneField(
        ChecklistItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="candidate",
        verbose_name="生成的任务",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="审核人",
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    created_at = models.DateTimeField("提取时间", auto_now_add=True)

    class Meta:
        verbose_name = "待审部署要求"
        verbose_name_plural = "待审部署要求"
        ordering = ["source", "start"]
        constraints = [
            models.UniqueConstraint(fields=["source", "start"], name="candidate_unique_position"),
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="candidate_span_nonempty"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "accepted", "rejected"]),
                name="candidate_state_valid",
            ),
            # Accepted means a draft item exists; pending and rejected never have one.
            models.CheckConstraint(
                condition=(Q(state="accepted") & Q(item__isnull=False))
                | (~Q(state="accepted") & Q(item__isnull=True)),
                name="candidate_item_iff_accepted",
            ),
            models.CheckConstraint(
                condition=Q(target_quantity__isnull=True) | Q(target_quantity__gt=0),
                name="candidate_target_positive",
            ),
        ]

    def __str__(self):
        return f"{self.source.title} · {self.start}–{self.end}"
