"""The register and the monthly summary as workbooks. The register is streamed (rows read in
chunks, written through the core's streaming writer), so 200,000 rows take flat memory; its
columns are the import's, so an exported sheet imports again unchanged (by 隐患编号)."""

from datetime import date

from django.db.models import QuerySet
from django.db.models.sql.constants import MULTI

from tracker.enterprises.models import Enterprise, Industry
from tracker.excel import xlsx_stream as xs
from tracker.hazards.models import Hazard
from tracker.models import Unit

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
# Ids, not names: townships, industries and enterprises are looked up in small dictionaries
# instead of three joins per row.
FIELDS = [
    "pk", "code", "found_on", "enterprise_id", "township_id", "industry_id",
    "location", "description", "category", "level", "basis", "source", "measures",
    "responsible", "funds", "deadline", "contingency", "submitted_on", "accepted_by",
    "accepted_on", "state", "listing", "delisted_on", "deferred_reason", "voided",
]  # fmt: skip
CHUNK = 5000


def _styles(book):
    header = book.styles.add(bold=True, bg_color="#DDEBF7", border=True, wrap=True)
    text = book.styles.add(border=True)
    quoted = book.styles.add(border=True, quote_prefix=True)
    day = book.styles.add(border=True, num_format="yyyy-mm-dd")
    num = book.styles.add(border=True, num_format="#,##0.00")
    return header, text, quoted, day, num


def _raw_rows(hazards: QuerySet[Hazard]):
    """The rows as the database returns them, a chunk at a time (a server-side cursor where
    the database has one): no per-value conversion, the writer below reads dates and numbers
    in either form. Memory stays flat whatever the number of rows."""
    query = hazards.order_by("found_on", "pk").values_list(*FIELDS)
    compiler = query.query.get_compiler(using=query.db)
    for chunk in compiler.execute_sql(MULTI, chunked_fetch=True, chunk_size=CHUNK):
        yield from chunk


class _DayCells(dict):
    """A date (or the database's text for one) → its cell body, made once per distinct day."""

    def __init__(self, style: int, empty: str):
        super().__init__({None: empty})
        self.style = style

    def __missing__(self, value) -> str:
        day = value if isinstance(value, date) else date.fromisoformat(value)
        body = self[value] = f' s="{self.style}"><v>{xs.date_serial(day)}</v>'
        return body


def write_register(target, hazards: QuerySet[Hazard]) -> int:
    labels = {
        "category": dict(Hazard.Category.choices), "level": dict(Hazard.Level.choices),
        "source": dict(Hazard.Source.choices), "listing": dict(Hazard.Listing.choices),
    }  # fmt: skip
    townships = dict(Unit.objects.values_list("pk", "name"))
    industries = dict(Industry.objects.values_list("pk", "name"))
    enterprises = dict(Enterprise.objects.values_list("pk", "name"))
    with xs.Workbook(target, compresslevel=1) as book:
        header, text, quoted, day, num = _styles(book)
        sheet = book.add_sheet("隐患台账", [w for _, w in COLUMNS], freeze_rows=1)
        # Text that repeats (names, measures, people) is cached; numbers and descriptions,
        # different on every row, are not.
        cell = xs.text_cells(text, quoted, cache=65536)
        fresh = xs.text_cells(text, quoted, cache=0)
        head_cell = xs.text_cells(header, header)
        refs = [xs.column_letter(i) for i in range(len(COLUMNS))]
        sheet.write_row(0, "".join(f'<c r="{refs[i]}1"{head_cell(n)}</c>'
                                   for i, (n, _) in enumerate(COLUMNS)))  # fmt: skip
        # One row is one str.format: each cell's ref, its body (attributes and value) and </c>.
        row_xml = "".join(f'<c r="{ref}{{0}}"{{{i + 1}}}</c>' for i, ref in enumerate(refs))
        empty = cell("")
        days = _DayCells(day, empty)

        def amount(value) -> str:
            return empty if value is None else f' s="{num}"><v>{xs.number(value)}</v>'

        category = {k: cell(v) for k, v in labels["category"].items()}
        level = {k: cell(v) for k, v in labels["level"].items()}
        source = {k: cell(v) for k, v in labels["source"].items()}
        states = {k: cell(v) for k, v in STATE_WORDS.items()}
        listed = {k: (cell("是" if k else "否"), cell(labels["listing"].get(k, "")))
                  for k in ["", *labels["listing"]]}  # fmt: skip
        count = 0
        for count, r in enumerate(_raw_rows(hazards), start=1):
            (pk, code, found_on, enterprise, township, industry, location, description,
             category_, level_, basis, source_, measures, responsible, funds, deadline,
             contingency, submitted_on, accepted_by, accepted_on, state, listing, delisted_on,
             deferred_reason, voided) = r  # fmt: skip
            if code:
                number = code
            else:
                year = found_on.year if isinstance(found_on, date) else found_on[:4]
                number = f"YH{year}{pk:06d}"
            note = "已作废" if voided else (deferred_reason if state == "deferred" else "")
            is_listed, listing_level = listed[listing]
            sheet.write_row(count, row_xml.format(
                count + 1, fresh(number), days[found_on], cell(enterprises.get(enterprise)),
                cell(townships.get(township)), cell(industries.get(industry)), cell(location),
                fresh(description), category[category_], level[level_], cell(basis),
                source[source_], cell(measures), cell(responsible), amount(funds),
                days[deadline], cell(contingency), days[submitted_on], cell(accepted_by),
                days[accepted_on], states[state], is_listed, listing_level, cell(note),
            ))  # fmt: skip
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
