"""The register as a workbook: the import's columns in its order, so an exported sheet can be
edited and imported again, then 标准化等级 and 最近巡查 (which an import ignores).

Text goes in as text cells (XlsxWriter's write_string): a name starting with = stays a name.
"""

from datetime import date

import xlsxwriter
from django.db.models import Max, QuerySet

from tracker.enterprises import credit_code
from tracker.enterprises.excel_import import COLUMNS, LABELS
from tracker.enterprises.models import Enterprise, Inspection

EXTRA = ["标准化等级", "最近巡查"]
WIDTHS = {"name": 32, "credit_code": 22, "address": 30, "township": 12, "village": 12, "grid": 14}

EXAMPLES = [
    {
        "name": "河西镇示例皮革制品有限公司",
        "credit_code": credit_code.make("91441322MA51A8B2X"),
        "address": "河西镇工业园区2号",
        "township": "河西镇",
        "village": "河西村",
        "grid": "",
        "industry": "工贸",
        "supervisor": "县应急管理局",
        "scale": "小微",
        "risk": "一般",
        "principal": "张三",
        "principal_phone": "13800000000",
        "safety_officer": "李四",
        "safety_phone": "13900000000",
        "state": "在产",
    },
    {
        "name": "便民小吃店",
        "credit_code": "",
        "address": "河西镇新街8号",
        "township": "河西镇",
        "village": "河西村",
        "grid": "",
        "industry": "九小场所",
        "supervisor": "",
        "scale": "个体",
        "risk": "低",
        "principal": "王五",
        "principal_phone": "13700000000",
        "safety_officer": "",
        "safety_phone": "",
        "state": "在产",
    },
]


def _book(target):
    book = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_formulas": False})
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    sheet = book.add_worksheet("企业台账")
    for col, name in enumerate(COLUMNS):
        sheet.set_column(col, col, WIDTHS.get(name, 14))
    return book, sheet, header


def _rows(enterprises: QuerySet[Enterprise]):
    last = dict(
        Inspection.objects.filter(enterprise__in=enterprises.order_by().values("pk"))
        .values("enterprise_id")
        .annotate(last=Max("inspected_on"))
        .values_list("enterprise_id", "last")
    )
    labels = {
        "scale": dict(Enterprise.Scale.choices),
        "risk": dict(Enterprise.Risk.choices),
        "state": dict(Enterprise.State.choices),
        "level": dict(Enterprise.Level.choices),
    }
    fields = [
        "pk", "name", "credit_code", "address", "township__name", "village__name",
        "grid__name", "industry__name", "supervisor__name", "scale", "risk", "principal",
        "principal_phone", "safety_officer", "safety_phone", "state", "standard_level",
    ]  # fmt: skip
    for row in enterprises.order_by("township__sort_order", "name", "pk").values_list(*fields):
        (pk, name, code, address, township, village, grid, industry, supervisor, scale, risk,
         principal, p_phone, officer, o_phone, state, level) = row  # fmt: skip
        day: date | None = last.get(pk)
        yield [
            name, code, address, township, village or "", grid or "", industry,
            supervisor or "", labels["scale"][scale], labels["risk"][risk], principal, p_phone,
            officer, o_phone, labels["state"][state], labels["level"][level],
            f"{day:%Y-%m-%d}" if day else "",
        ]  # fmt: skip


def write_register(target, enterprises: QuerySet[Enterprise]) -> int:
    book, sheet, header = _book(target)
    for col, label in enumerate([LABELS[c] for c in COLUMNS] + EXTRA):
        sheet.write_string(0, col, label, header)
    sheet.freeze_panes(1, 1)
    count = 0
    for count, values in enumerate(_rows(enterprises), start=1):
        for col, value in enumerate(values):
            if value:
                sheet.write_string(count, col, str(value))
    sheet.autofilter(0, 0, max(count, 1), len(COLUMNS) + len(EXTRA) - 1)
    book.close()
    return count


def write_template(target) -> None:
    book, sheet, header = _book(target)
    for col, name in enumerate(COLUMNS):
        sheet.write_string(0, col, LABELS[name], header)
    for row, example in enumerate(EXAMPLES, start=1):
        for col, name in enumerate(COLUMNS):
            if example[name]:
                sheet.write_string(row, col, example[name])
    book.close()
