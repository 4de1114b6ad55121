"""What an Excel import found: parsed rows, row errors, warnings and counts. No ORM queries."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from checklist.models import Theme
from tracker.excel import cells
from tracker.models import Unit


def a1(row_index: int, col_index: int) -> str:
    return f"{cells.column_letter(col_index)}{row_index + 1}"


@dataclass
class RowError:
    row: int  # 1-based, as Excel shows it
    column: int | None  # 0-based
    message: str

    def __str__(self):
        if not self.row:  # about the whole file
            return self.message
        if self.column is None:
            return f"第{self.row}行：{self.message}"
        return f"第{self.row}行 第{cells.column_letter(self.column)}列：{self.message}"


@dataclass
class TaskRow:
    row: int
    code: str
    title: str
    detail: str
    theme: Theme
    deadline: date | None
    cadence: str
    cadence_day: int | None
    target: Decimal | None
    target_unit: str
    units: list[tuple[Unit, str]]  # (unit, role) in sheet order, lead first
    deadline_text: str = ""  # the 完成时限 cell as written, for the preview
    # 分解数量: unit pk → its share of the target, for the units the 分解数量 cell names.
    shares: dict[int, Decimal] = field(default_factory=dict)
    year: int | None = None  # the 年度 a new item goes into, set when the import is planned


# The preview lists this many rows; the counts, errors and past deadlines cover every row.
PREVIEW_ROWS = 300
PREVIEW_WARNINGS = 200


def past_deadline_message(row: int, deadline: date) -> str:
    return (
        f"第{row}行：完成时限 {deadline:%Y-%m-%d} 已过（早于导入日期），确认导入后将立即显示为逾期"
    )


@dataclass
class ImportReport:
    rows: list[TaskRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            [
                "rows",
                "items_create",
                "items_update",
                "items_skip",
                "assignments_create",
                "assignments_skip",
            ],
            0,
        )
    )
    committed: bool = False
    today: date | None = None  # the import date: a deadline before it is already past
    reference: date | None = None  # what deadlines without a year count forward from
    year: int | None = None  # the 年度 chosen for new items (None: each code's year)
    # Rows that would write a deadline already past on the import date: (row, deadline).
    past_deadlines: list[tuple[int, date]] = field(default_factory=list)
    refused: str = ""  # why a confirmation wrote nothing although every row is valid

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def preview_rows(self) -> list[tuple[TaskRow, bool]]:
        """The first rows of the sheet, each with whether it writes a deadline already past."""
        past = {row for row, _ in self.past_deadlines}
        return [(row, row.row in past) for row in self.rows[:PREVIEW_ROWS]]

    @property
    def rows_not_listed(self) -> int:
        return max(len(self.rows) - PREVIEW_ROWS, 0)

    @property
    def past_deadline_warnings(self) -> list[str]:
        return [past_deadline_message(*p) for p in self.past_deadlines[:PREVIEW_WARNINGS]]

    @property
    def past_deadlines_not_listed(self) -> int:
        return max(len(self.past_deadlines) - PREVIEW_WARNINGS, 0)

    @property
    def warnings_not_listed(self) -> int:
        return max(len(self.warnings) - PREVIEW_WARNINGS, 0)

    @property
    def labelled_counts(self) -> list[tuple[str, int]]:
        return [(COUNT_LABELS[key], value) for key, value in self.counts.items()]


COUNT_LABELS = {
    "rows": "任务行",
    "items_create": "新增任务",
    "items_update": "更新任务",
    "items_skip": "跳过任务",
    "assignments_create": "新增责任分解",
    "assignments_skip": "已有责任分解",
    "shares_update": "更新分解数量",
    "report": "报送进度",
    "submit": "提交审核",
    "unchanged": "未改动",
}
