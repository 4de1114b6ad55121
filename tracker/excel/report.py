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

    @property
    def ok(self) -> bool:
        return not self.errors

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
    "report": "报送进度",
    "submit": "提交审核",
    "unchanged": "未改动",
}
