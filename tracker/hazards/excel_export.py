"""The register and the monthly summary as workbooks. The register is streamed (rows read in
chunks, written through the core's streaming writer), so 200,000 rows take flat memory; its
columns are the import's, so an exported sheet imports again unchanged (by 隐患编号)."""

from datetime import date

from django.db.models import QuerySet

from tracker.excel import xlsx_stream as xs
from tracker.hazards.models import Hazard

COLUMNS = [
    ("隐患编号", 16), ("排查日期", 12), ("企业名称", 30), ("所属乡镇", 10), ("行业", 12),
    ("隐患部位", 16), ("隐患部位及描述", 40), ("隐患类别", 10), ("隐患等级", 8),
    ("判定依据", 20), ("排查方式", 10), ("整改措施", 30), ("整改责任人", 10),
    ("整改资金（元）", 12), ("整改时限", 12), ("防范措施", 24), ("整改完成日期", 12),
    ("验收人", 10), ("验收日期", 12), ("整改情况", 10), ("是否挂牌督办", 8), ("督办层级", 8),
    ("备注", 20),
]  # fmt: skip
STATE_WORDS = {"pending": "未整改", "fixing": "整改中", "review": "待验收", "closed": "已整改",
               "deferred": "挂账"}  # fmt: skip
FIELDS = [
    "pk", "code", "found_on", "enterprise__name", "township__name", "industry__name",
    "location", "description", "category", "level", "basis", "source", "measures",
    "responsible", "funds", "deadline", "contingency", "submitted_on", "accepted_by",
    "accepted_on", "state", "listing", "delisted_on", "deferred_reason", "voided",
]  # fmt: skip


def _styles(book):
    header = book.styles.add(bold=True, bg_color="#DDEBF7", border=True, wrap=True)
    text = book.styles.add(border=True)
    quoted = book.styles.add(border=True, quote_prefix=True)
    day = book.styles.add(border=True, num_format="yyyy-mm-dd")
    num = book.styles.add(border=True, num_format="#,##0.00")
    return header, text, quoted, day, num


def write_register(target, hazards: QuerySet[Hazard]) -> int:
    labels = {
        "category": dict(Hazard.Category.choices), "level": dict(Hazard.Level.choices),
        "source": dict(Hazard.Source.choices), "listing": dict(Hazard.Listing.choices),
    }  # fmt: skip
    with xs.Workbook(target, compresslevel=1) as book:
        header, text, quoted, day, num = _styles(book)
        sheet = book.add_sheet("隐患台账", [w for _, w in COLUMNS], freeze_rows=1)
        cell = xs.text_cells(text, quoted)
        head_cell = xs.text_cells(header, header)
        refs = [xs.column_letter(i) for i in range(len(COLUMNS))]
        sheet.write_row(0, "".join(f'<c r="{refs[i]}1"{head_cell(n)}</c>'
                                   for i, (n, _) in enumerate(COLUMNS)))  # fmt: skip
        count = 0
        rows = hazards.order_by("found_on", "pk").values_list(*FIELDS)
        for count, r in enumerate(rows.iterator(chunk_size=5000), start=1):
            (pk, code, found_on, enterprise, township, industry, location, description,
             category, level, basis, source, measures, responsible, funds, deadline,
             contingency, submitted_on, accepted_by, accepted_on, state, listing, delisted_on,
             deferred_reason, voided) = r  # fmt: skip
            number = code or f"YH{found_on:%Y}{pk:06d}"
            note = "已作废" if voided else (deferred_reason if state == "deferred" else "")
            values = [
                number, found_on, enterprise or "", township, industry or "", location,
                description, labels["category"][category], labels["level"][level], basis,
                labels["source"][source], measures, responsible, funds, deadline, contingency,
                submitted_on, accepted_by, accepted_on, STATE_WORDS[state],
                "是" if listing else "否", labels["listing"].get(listing, ""), note,
            ]  # fmt: skip
            n = count + 1
            parts = []
            for i, v in enumerate(values):
                ref = f"{refs[i]}{n}"
                if isinstance(v, date):
                    parts.append(f'<c r="{ref}" s="{day}"><v>{xs.date_serial(v)}</v></c>')
                elif v is None:
                    parts.append(f'<c r="{ref}" s="{text}"/>')
                elif not isinstance(v, str):
                    parts.append(f'<c r="{ref}" s="{num}"><v>{xs.number(v)}</v></c>')
                else:
                    parts.append(f'<c r="{ref}"{cell(v)}</c>')
            sheet.write_row(count, "".join(parts))
        sheet.autofilter = (0, 0, max(count, 1), len(COLUMNS) - 1)
    return count


SUMMARY_COLUMNS = [
    ("{group}", 16), ("排查企业数", 10), ("发现隐患数", 10), ("其中一般", 10), ("其中重大", 10),
    ("已整改", 10), ("整改率", 10), ("逾期未整改", 10), ("重大隐患挂牌", 12), ("挂牌已销号", 12),
]  # fmt: skip


def write_summary(target, sections: list[tuple[str, list, object]], *, title: str) -> None:
    """One sheet per grouping (乡镇, 行业): the lines of `summary.summary` and their total."""
    with xs.Workbook(target) as book:
        header, text, quoted, day, num = _styles(book)
        title_style = book.styles.add(bold=True, font_size=14, align="center")
        pct = book.styles.add(border=True, num_format="0.0")
        for group, lines, total in sections:
            columns = [(n.format(group=group), w) for n, w in SUMMARY_COLUMNS]
            sheet = book.add_sheet(f"按{group}", [w for _, w in columns], freeze_rows=2)
            refs = [xs.column_letter(i) for i in range(len(columns))]
            sheet.write_row(0, f'<c r="A1"{xs.text_cells(title_style, title_style)(title)}</c>')
            sheet.merge(0, 0, 0, len(columns) - 1)
            hc = xs.text_cells(header, header)
            sheet.write_row(1, "".join(f'<c r="{refs[i]}2"{hc(n)}</c>'
                                       for i, (n, _) in enumerate(columns)))  # fmt: skip
            tc = xs.text_cells(text, quoted)
            for index, line in enumerate([*lines, total], start=2):
                n = index + 1
                figures = [line.enterprises, line.found, line.general, line.major, line.closed]
                cells = [f'<c r="A{n}"{tc(line.name)}</c>']
                cells += [f'<c r="{refs[i + 1]}{n}" s="{text}"><v>{v}</v></c>'
                          for i, v in enumerate(figures)]  # fmt: skip
                cells.append(
                    f'<c r="G{n}" s="{pct}"><v>{line.rate}</v></c>'
                    if line.rate is not None else f'<c r="G{n}" s="{text}"/>'
                )  # fmt: skip
                cells += [f'<c r="{refs[i + 7]}{n}" s="{text}"><v>{v}</v></c>'
                          for i, v in enumerate([line.overdue, line.listed, line.listed_closed])]  # fmt: skip
                sheet.write_row(index, "".join(cells))
