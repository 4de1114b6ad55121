import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from tracker.enterprises.models import Enterprise


def cell(label: str) -> dict:
    # On a phone the table becomes cards; each cell shows its column name before the value.
    return {"td": {"data-label": label}}


class EnterpriseTable(tables.Table):
    name = tables.Column("企业名称", attrs=cell("企业"), order_by=("name", "id"))
    township = tables.Column("属地", accessor="township__name", attrs=cell("属地"), orderable=False)
    place = tables.Column("村（社区）/网格", empty_values=(), attrs=cell("网格"), orderable=False)
    industry = tables.Column("行业", accessor="industry__name", attrs=cell("行业"), orderable=False)
    risk = tables.Column("风险", attrs=cell("风险"), orderable=False)
    standard_level = tables.Column("标准化", attrs=cell("标准化"), orderable=False)
    state = tables.Column("状态", attrs=cell("状态"), orderable=False)
    last_inspected = tables.Column(
        "最近巡查", empty_values=(), attrs=cell("最近巡查"), orderable=False
    )

    class Meta:
        model = Enterprise
        fields = []
        sequence = (
            "name", "township", "place", "industry", "risk", "standard_level", "state",
            "last_inspected",
        )  # fmt: skip
        attrs = {"class": "table registers"}
        empty_text = "没有符合条件的企业。"
        orderable = False

    def __init__(self, *args, show_township: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.detail_url = reverse("enterprises:enterprise_detail", args=[0])[: -len("0/")]
        if not show_township:
            self.columns.hide("township")

    def render_name(self, record, value):
        return format_html('<a href="{}{}/">{}</a>', self.detail_url, record.pk, value)

    def render_place(self, record):
        village = record.village.name if record.village_id else ""
        if record.grid_id:
            return f"{village} › {record.grid.name}" if village else record.grid.name
        return format_html('{} <span class="tag-warn">未划网格</span>', village)

    def render_risk(self, record, value):
        return format_html(
            '<span class="risk risk-{}">{}</span>', record.risk_colour, record.get_risk_display()
        )

    def render_standard_level(self, record):
        return record.get_standard_level_display()

    def render_state(self, record):
        return record.get_state_display()

    def render_last_inspected(self, record):
        day = getattr(record, "last_inspected", None)
        return f"{day:%Y-%m-%d}" if day else "—"
