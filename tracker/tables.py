import django_tables2 as tables
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from checklist.models import ChecklistItem
from tracker.models import Assignment
from tracker.progress import format_quantity, progress, waiting_on_office
from tracker.selectors import returns_of

VERIFIED = Assignment.Status.VERIFIED


def cell(label: str) -> dict:
    # On a phone the table becomes cards; each cell shows its column name before the value.
    return {"td": {"data-label": label}}


class SelectColumn(tables.CheckBoxColumn):
    """The office's selection column; its header ticks every row of the page.

    Ticking all only works with static/js/task_list.js, so the header box stays hidden until
    that script shows it: without JavaScript the rows are ticked one by one.
    """

    @property
    def header(self):
        return mark_safe(
            '<label class="check select-all" hidden>'
            '<input type="checkbox" data-select-all="1" /> 全选</label>'
        )


class OpenFirst:
    """The list's first order: open work soonest due first (长期 after the dated), then 已办结
    in the same order; ties by id.

    One ORDER BY on "verified or not" would sort every matching row before the first page
    could be sent: no index holds that expression. As two parts, open and verified, each is
    read from an index in due-date order (assignment_due_item_role, or assignment_status_due
    for the verified part) and stops after the page. A page inside the open part costs one
    query, as before; the page where the open part ends learns its length from the rows it
    got; only pages past it count the verified part to know where they start.
    Quacks like the queryset django-tables2 pages: count(), slices, order_by().
    """

    def __init__(self, queryset):
        self.queryset = queryset.order_by()
        self.model = queryset.model
        key = (F("due_date").asc(nulls_last=True), "pk")
        self.open = self.queryset.exclude(status=VERIFIED).order_by(*key)
        self.done = self.queryset.filter(status=VERIFIED).order_by(*key)
        self._count = None

    def count(self) -> int:
        if self._count is None:
            self._count = self.queryset.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def order_by(self, *fields):
        # Another column's order asked for: the plain queryset sorts by it.
        return self.queryset.order_by(*fields)

    def __iter__(self):
        yield from self.open
        yield from self.done

    def __getitem__(self, key):
        if isinstance(key, int):
            rows = self[key : key + 1]
            if not rows:
                raise IndexError(key)
            return rows[0]
        start, stop = key.start or 0, key.stop
        if stop is None:
            stop = self.count()
        rows = list(self.open[start:stop])
        if len(rows) == stop - start:
            return rows
        # The open part ends on this page, or before it.
        n_open = start + len(rows) if rows or start == 0 else self.count() - self.done.count()
        return rows + list(self.done[max(start - n_open, 0) : stop - n_open])


class AssignmentTable(tables.Table):
    select = SelectColumn(accessor="pk", attrs={"th": {"class": "select"}})
    code = tables.Column(
        "编号", accessor="item__code", order_by=("item__code",), attrs=cell("编号")
    )
    title = tables.Column("任务", accessor="item__title", attrs=cell("任务"))
    unit = tables.Column(
        "单位", accessor="unit__name", order_by=("unit__sort_order",), attrs=cell("单位")
    )
    role = tables.Column("角色", attrs=cell("角色"))
    status = tables.Column("状态", attrs=cell("状态"))
    done = tables.Column("进度", accessor="percent", attrs=cell("进度"))
    light = tables.Column("灯", empty_values=(), orderable=False, attrs=cell("红黄绿灯"))
    due_date = tables.Column("完成时限", empty_values=(), attrs=cell("完成时限"))

    class Meta:
        model = Assignment
        fields = ["select", "code", "title", "unit", "role", "status", "done", "light", "due_date"]
        template_name = "tracker/_task_table.html"
        attrs = {"class": "table tasks"}
        row_attrs = {"data-id": lambda record: record.pk}
        order_by = ("due_date",)
        empty_text = "没有符合条件的任务。"
        per_page = 25

    def __init__(self, *args, show_unit: bool, selectable: bool, **kwargs):
        exclude = [] if show_unit else ["unit"]
        if not selectable:
            exclude.append("select")
        super().__init__(*args, exclude=exclude, **kwargs)
        self.today = timezone.localdate()

    @property
    def tbody_html(self) -> SafeString:
        """The rows of this page as django-tables2 would write them, in one pass."""
        names = [column.name for column in self.columns]
        labels = {
            column.name: conditional_escape(column.column.attrs.get("td", {}).get("data-label", ""))
            for column in self.columns
        }
        rows = list(self.paginated_rows)
        self.returns = returns_of(row.record.pk for row in rows)
        parts = []
        for index, row in enumerate(rows):
            record = row.record
            parity = "even" if index % 2 == 0 else "odd"
            draft = " draft" if record.item.state == ChecklistItem.State.DRAFT else ""
            parts.append(f'<tr data-id="{record.pk}" class="{parity}{draft}">')
            for name in names:
                if name == "select":
                    parts.append(
                        f'<td><input type="checkbox" name="ids" value="{record.pk}" '
                        'aria-label="选择" /></td>'
                    )
                    continue
                parts.append(f'<td data-label="{labels[name]}">{self._cell(name, record)}</td>')
            parts.append("</tr>")
        if not parts and self.empty_text:
            parts.append(
                format_html('<tr><td colspan="{}">{}</td></tr>', len(names), self.empty_text)
            )
        return mark_safe("".join(parts))

    def _cell(self, name: str, record) -> str:
        if name == "code":
            return conditional_escape(record.item.code)
        if name == "title":
            return self.render_title(record)
        if name == "unit":
            return conditional_escape(record.unit.name)
        if name == "role":
            return conditional_escape(record.get_role_display())
        if name == "status":
            return self.render_status(record)
        if name == "done":
            return conditional_escape(self.render_done(record))
        if name == "light":
            return self.render_light(record)
        if name == "due_date":
            return conditional_escape(self.render_due_date(record, record.due_date))
        raise KeyError(name)

    def render_title(self, record):
        url = reverse("assignment_detail", args=[record.pk])
        # Only the office and leaders see drafts; units see nothing of them until published.
        badge = (
            mark_safe('<span class="tag-draft" title="未发布，各单位看不到">草稿</span> ')
            if record.item.state == ChecklistItem.State.DRAFT
            else ""
        )
        return format_html(
            '{}<a href="{}">{}</a><div class="muted small">{}</div>',
            badge,
            url,
            record.item.title,
            record.item.theme.name,
        )

    def render_status(self, record):
        status = format_html(
            '<span class="status status-{}">{}</span>', record.status, record.get_status_display()
        )
        returned = getattr(self, "returns", {}).get(record.pk)
        if returned is None:
            return status
        return status + returned_tag(returned)

    def render_done(self, record):
        if record.item.target_quantity:
            done = format_quantity(record.quantity_done)
            return f"{done}/{format_quantity(record.target)} {record.item.target_unit}"
        if record.due_date is None:
            # 长期: no share of an end to show, only whether the unit keeps reporting.
            if record.last_reported_at is None:
                return "尚未报送"
            return f"最近报送 {timezone.localtime(record.last_reported_at):%Y-%m-%d}"
        return f"{record.percent}%"

    def render_light(self, record):
        result = progress(
            status=record.status,
            percent=record.percent,
            start=record.item.start_date,
            due=record.due_date,
            today=self.today,
            submitted_on=record.submitted_on,
        )
        return format_html(
            '<span class="light light-{}" title="{}">{}</span>',
            result.light,
            result.light_label,
            result.light_label,
        )

    def render_due_date(self, record, value):
        if value is None:
            return f"长期（{record.item.cadence_label}）"
        if record.status != "verified" and value < self.today:
            if waiting_on_office(status=record.status, due=value, submitted_on=record.submitted_on):
                # Submitted in time: the office's to review, not the unit's lateness.
                return format_html(
                    '{} <span class="muted small">按期提交</span>', value.strftime("%Y-%m-%d")
                )
            return format_html(
                '{} <span class="tag-red">逾期{}天</span>',
                value.strftime("%Y-%m-%d"),
                (self.today - value).days,
            )
        return value.strftime("%Y-%m-%d")

    def order_due_date(self, queryset, is_descending):
        if isinstance(queryset, OpenFirst):
            queryset = queryset.queryset
        if not is_descending:
            # The default order: open work first, soonest due first.
            return OpenFirst(queryset), True
        key = F("due_date").desc(nulls_last=True)
        return queryset.order_by(key, "item__code", "unit__sort_order"), True


def returned_tag(update) -> SafeString:
    """The 退回 mark of a task sent back and not yet submitted again; the reason on hover
    (and in full on the task's own page)."""
    when = timezone.localtime(update.created_at).strftime("%Y-%m-%d")
    return format_html(
        ' <span class="tag-returned" title="{} 退回：{}">退回</span>', when, update.note
    )
