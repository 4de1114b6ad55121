"""考核结果 as a workbook (the league of each kind, and each unit's lines) and as a .docx 通报
in the 进度通报's document style. Both take the records the page shows (results.league), so
their figures are the page's."""

import io
from datetime import date
from decimal import Decimal

from tracker.excel import xlsx_stream as xs
from tracker.excel.bulletin_docx import (
    ISSUER_FALLBACK,
    KAITI_FONT,
    TITLE_FONT,
    TITLE_SIZE,
    _run,
    _Writer,
    day_text,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

LEAGUE_COLUMNS = [("排名", 6), ("单位", 20), ("得分", 8), ("等次", 8), ("一票否决", 40)]
LINE_COLUMNS = [
    ("单位", 16), ("考核项目", 14), ("分值", 6), ("扣分规则", 36), ("计数", 8),
    ("规则扣分", 9), ("实际扣分", 9), ("项目扣分", 9), ("加减分", 8), ("项目得分", 9),
]  # fmt: skip


def _n(value) -> str:
    return format(Decimal(value).normalize(), "f")


def results_xlsx(*, year: int, as_of: date, leagues: list[tuple]) -> bytes:
    """One league sheet and one 明细 sheet per kind."""
    target = io.BytesIO()
    with xs.Workbook(target) as book:
        header = book.styles.add(bold=True, bg_color="#DDEBF7", border=True, wrap=True)
        text = book.styles.add(border=True)
        quoted = book.styles.add(border=True, quote_prefix=True)
        title_style = book.styles.add(bold=True, font_size=14, align="center")
        num = book.styles.add(border=True, num_format="0.##")
        tc = xs.text_cells(text, quoted)
        hc = xs.text_cells(header, header)

        def row_cells(n: int, values: list) -> str:
            parts = []
            for i, v in enumerate(values):
                ref = f"{xs.column_letter(i)}{n}"
                if isinstance(v, int | Decimal):
                    parts.append(f'<c r="{ref}" s="{num}"><v>{xs.number(v)}</v></c>')
                else:
                    parts.append(f'<c r="{ref}"{tc(str(v))}</c>')
            return "".join(parts)

        def heading(sheet, columns, title):
            sheet.write_row(0, f'<c r="A1"{xs.text_cells(title_style, title_style)(title)}</c>')
            sheet.merge(0, 0, 0, len(columns) - 1)
            sheet.write_row(
                1,
                "".join(
                    f'<c r="{xs.column_letter(i)}2"{hc(n)}</c>' for i, (n, _) in enumerate(columns)
                ),
            )

        for label, _scheme, records in leagues:
            title = f"{year}年度{label}安全生产考核结果（截至{day_text(as_of)}）"
            sheet = book.add_sheet(f"{label}排名", [w for _, w in LEAGUE_COLUMNS], freeze_rows=2)
            heading(sheet, LEAGUE_COLUMNS, title)
            for index, r in enumerate(records, start=2):
                values = [r["rank"], r["name"], Decimal(r["score"]), r["grade"]]
                sheet.write_row(index, row_cells(index + 1, [*values, "；".join(r["vetoes"])]))
            sheet = book.add_sheet(f"{label}明细", [w for _, w in LINE_COLUMNS], freeze_rows=2)
            heading(sheet, LINE_COLUMNS, f"{year}年度{label}考核明细（截至{day_text(as_of)}）")
            index = 2
            for r in records:
                for item in r["items"]:
                    lines = item["lines"] or [None]
                    for line in lines:
                        values = [
                            r["name"], item["name"], Decimal(item["points"]),
                            line["label"] if line else "", line["count"] if line else "",
                            Decimal(line["computed"]) if line else "",
                            Decimal(line["deduction"]) if line else "",
                            Decimal(item["deduction"]), Decimal(item["adjustment"]),
                            Decimal(item["score"]),
                        ]  # fmt: skip
                        sheet.write_row(index, row_cells(index + 1, values))
                        index += 1
    return target.getvalue()


class _ResultsWriter(_Writer):
    """The 进度通报's page, styles, fonts and tables, with the assessment's text."""

    def __init__(self, *, year: int, as_of: date, leagues, issuer: str = ISSUER_FALLBACK):
        super().__init__(None, year=year, scope="", issuer=issuer, filters="")
        self.as_of = as_of
        self.leagues = leagues
        self.doc.core_properties.title = results_title(year)

    def write(self, *, ranked: bool = True) -> None:
        day = day_text(self.as_of)
        title = self.paragraph(style="公文标题")
        _run(title, results_title(self.year), TITLE_FONT, TITLE_SIZE)
        self.paragraph(f"（截至{day}）", style="公文副标题", font=KAITI_FONT)
        self.paragraph("各乡镇（街道）、县直有关单位：", style="公文主送")
        self.paragraph(
            f"根据{self.year}年度安全生产目标管理责任考核方案，依据督办台账记录的任务办理、"
            f"按期报送、隐患排查治理、标准化创建、网格化监管和事故控制情况，现将截至{day}"
            "各单位考核得分和等次通报如下。"
        )
        for label, scheme, records in self.leagues:
            self.heading(f"{label}考核结果")
            grades: dict[str, int] = {}
            for r in records:
                grades[r["grade"]] = grades.get(r["grade"], 0) + 1
            counts = "，".join(f"{g}{n}个" for g, n in grades.items())
            self.paragraph(
                f"参加考核的{label}共{len(records)}个，{counts}。等次：{_n(scheme.excellent)}分"
                f"及以上为优秀，{_n(scheme.good)}分及以上为良好，{_n(scheme.passing)}分及以上为"
                "合格，以下为不合格；触发一票否决的为不合格。"
            )
            columns = [("排名", 14), ("单位", 46), ("得分", 22), ("等次", 22), ("说明", 52)]
            rows = [
                [str(r["rank"]), r["name"], _n(r["score"]), r["grade"], "；".join(r["vetoes"])]
                for r in records
            ]
            self.table(columns, rows, left=[1, 4])
            vetoed = [r for r in records if r["vetoes"]]
            for r in vetoed:
                self.paragraph(f"{r['name']}实行一票否决：{'；'.join(r['vetoes'])}。")
        self.paragraph("各单位可登录督办台账查看本单位考核明细，对扣分有异议的可在线提出申诉。")
        self.signature(day)


def results_title(year: int) -> str:
    return f"关于{year}年度安全生产目标管理责任考核结果的通报"


def results_docx(*, year: int, as_of: date, leagues: list[tuple]) -> bytes:
    target = io.BytesIO()
    writer = _ResultsWriter(year=year, as_of=as_of, leagues=leagues)
    writer.write()
    writer.doc.save(target)
    return target.getvalue()
