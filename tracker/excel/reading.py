"""Reading an uploaded workbook: safety first, then the fast reader, then plain rows.

No ORM here. `open_sheet` returns the rows of one sheet as lists of raw values at their
absolute positions, with the facts the importers need (formula cells, merged ranges).
"""

from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineWorkbook

from tracker.excel.safety import Inspection, UnsafeWorkbook, inspect_xlsx

DEFAULT_MAX_ROWS = 200_000


@dataclass
class Sheet:
    name: str
    rows: list[list]
    formula_cells: set[str] = field(default_factory=set)
    # (first_row, first_col, last_row, last_col), 0-based and inclusive.
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)

    def merged_anchor(self) -> dict[tuple[int, int], tuple[int, int]]:
        """Every covered cell of a merged range → the range's top-left cell."""
        anchors = {}
        for r1, c1, r2, c2 in self.merged:
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    if (r, c) != (r1, c1):
                        anchors[(r, c)] = (r1, c1)
        return anchors


def open_sheet(source, *, max_rows: int = DEFAULT_MAX_ROWS, sheet_index: int = 0) -> Sheet:
    """The first sheet (or the given one) of an .xlsx, after `inspect_xlsx` has cleared it.

    Raises UnsafeWorkbook with a message for the user when the file is refused.
    """
    inspection: Inspection = inspect_xlsx(source, max_rows=max_rows)
    if sheet_index >= len(inspection.sheets):
        raise UnsafeWorkbook("工作簿中没有工作表。")
    facts = inspection.sheets[sheet_index]
    try:
        if isinstance(source, (str, Path)):
            workbook = CalamineWorkbook.from_path(str(source))
        else:
            source.seek(0)
            workbook = CalamineWorkbook.from_filelike(source)
        sheet = workbook.get_sheet_by_index(sheet_index)
        rows = sheet.to_python(skip_empty_area=False)
        merged = [(r1, c1, r2, c2) for (r1, c1), (r2, c2) in (sheet.merged_cell_ranges or [])]
    except UnsafeWorkbook:
        raise
    except Exception as exc:  # noqa: BLE001 - any reader failure is a broken file for the user
        raise UnsafeWorkbook(
            "文件不完整或已损坏，无法读取。请在 Excel 中重新保存后再上传。"
        ) from exc
    finally:
        if not isinstance(source, (str, Path)):
            source.seek(0)
    return Sheet(name=facts.name, rows=rows, formula_cells=facts.formula_cells, merged=merged)
