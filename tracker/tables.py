import django_tables2 as tables
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from checklist.models import ChecklistItem
from tracker.models import Assignment
from tracker.progress import format_quantity, progress


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
        parts = []
        for index, row in enumerate(self.paginated_rows):
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
        return format_html(
            '<span class="status status-{}">{}</span>', record.status, record.get_status_display()
        )

    def render_done(self, record):
        target = record.item.target_quantity
        if target:
            done = format_quantity(record.quantity_done)
            return f"{done}/{format_quantity(target)} {record.item.target_unit}"
        return f"{record.percent}%"

    def render_light(self, record):
        result = progress(
            status=record.status,
            percent=record.percent,
            start=record.item.start_date,
            due=record.due_date,
            today=self.today,
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
            return format_html(
                '{} <span class="tag-red">逾期{}天</span>',
                value.strftime("%Y-%m-%d"),
                (self.today - value).days,
            )
        return value.strftime("%Y-%m-%d")

    def order_due_date(self, queryset, is_descending):
        key = (
            F("due_date").desc(nulls_last=True)
            if is_descending
            else F("due_date").asc(nulls_last=True)
        )
        return queryset.order_by(key, "item__code", "unit__sort_order"), True
