"""The register as a workbook: the rows of the list page as filtered, written through the core's
streaming xlsx writer (text cells quote-prefixed where they could read as formulas)."""

from datetime import date

from django.db.models import QuerySet

from tracker.accidents.models import Accident
from tracker.excel import xlsx_stream as xs

COLUMNS = [
    ("事故编号", 14), ("发生日期", 12), ("属地乡镇", 12), ("发生地点", 24), ("行业", 12),
    ("事故单位", 28), ("行业监管部门", 14), ("事故等级", 10), ("死亡人数", 9), ("受伤人数", 9),
    ("直接经济损失（万元）", 14), ("事故简要经过", 40), ("调查处理", 12), ("结案日期", 12),
    ("备注", 20),
]  # fmt: skip
FIELDS = [
    "pk", "occurred_on", "township__name", "place", "industry__name", "enterprise__name",
    "supervisor__name", "level", "deaths", "injuries", "direct_loss", "description", "state",
    "closed_on", "voided", "void_reason",
]  # fmt: skip


def write_register(target, accidents: QuerySet[Accident]) -> int:
    levels, states = dict(Accident.Level.choices), dict(Accident.State.choices)
    with xs.Workbook(target) as book:
        header = book.styles.add(bold=True, bg_color="#DDEBF7", border=True, wrap=True)
        text = book.styles.add(border=True)
        quoted = book.styles.add(border=True, quote_prefix=True)
        day = book.styles.add(border=True, num_format="yyyy-mm-dd")
        num = book.styles.add(border=True, num_format="#,##0.00")
        whole = book.styles.add(border=True, num_format="0")
        sheet = book.add_sheet("事故台账", [w for _, w in COLUMNS], freeze_rows=1)
        cell, head_cell = xs.text_cells(text, quoted), xs.text_cells(header, header)
        refs = [xs.column_letter(i) for i in range(len(COLUMNS))]
        sheet.write_row(0, "".join(f'<c r="{refs[i]}1"{head_cell(n)}</c>'
                                   for i, (n, _) in enumerate(COLUMNS)))  # fmt: skip
        count = 0
        rows = accidents.order_by("occurred_on", "pk").values_list(*FIELDS)
        for count, r in enumerate(rows.iterator(chunk_size=2000), start=1):
            (pk, occurred_on, township, place, industry, enterprise, supervisor, level, deaths,
             injuries, loss, description, state, closed_on, voided, void_reason) = r  # fmt: skip
            values = [
                f"SG{occurred_on:%Y}{pk:05d}", occurred_on, township, place, industry or "",
                enterprise or "", supervisor or "", levels[level], deaths, injuries, loss,
                description, states[state], closed_on,
                f"已作废：{void_reason}" if voided else "",
            ]  # fmt: skip
            n = count + 1
            parts = []
            for i, v in enumerate(values):
                ref = f"{refs[i]}{n}"
                if isinstance(v, date):
                    parts.append(f'<c r="{ref}" s="{day}"><v>{xs.date_serial(v)}</v></c>')
                elif v is None:
                    parts.append(f'<c r="{ref}" s="{text}"/>')
                elif isinstance(v, int):
                    parts.append(f'<c r="{ref}" s="{whole}"><v>{v}</v></c>')
                elif not isinstance(v, str):
                    parts.append(f'<c r="{ref}" s="{num}"><v>{xs.number(v)}</v></c>')
                else:
                    parts.append(f'<c r="{ref}"{cell(v)}</c>')
            sheet.write_row(count, "".join(parts))
        sheet.autofilter = (0, 0, max(count, 1), len(COLUMNS) - 1)
    return count
