"""import_tasks and export_report from the command line."""

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from checklist.models import ChecklistItem


def sheet(path, *rows):
    wb = Workbook()
    wb.active.append(["工作任务", "类别", "牵头单位", "完成时限"])
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    return str(path)


def test_a_dry_run_writes_nothing_and_a_real_run_imports(world, tmp_path, capsys):
    path = sheet(
        tmp_path / "t.xlsx",
        ["命令行任务", "隐患排查治理", "县应急管理局", world.item.deadline.isoformat()],
    )
    call_command("import_tasks", path, "--dry-run")
    assert "检查通过（未写入）" in capsys.readouterr().out
    assert not ChecklistItem.objects.filter(title="命令行任务").exists()
    call_command("import_tasks", path)
    assert ChecklistItem.objects.filter(title="命令行任务", state="draft").exists()


def test_row_errors_fail_the_command_with_their_positions(world, tmp_path, capsys):
    path = sheet(
        tmp_path / "t.xlsx", ["任务", "隐患排查治理", "火星局", world.item.deadline.isoformat()]
    )
    with pytest.raises(CommandError, match="没有写入任何数据"):
        call_command("import_tasks", path)
    assert "第2行 第C列" in capsys.readouterr().err


def test_a_missing_file_is_a_clear_error(world):
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("import_tasks", "/nonexistent/x.xlsx")


def test_export_report_writes_the_filtered_bulletin(world, tmp_path):
    out = tmp_path / "通报.xlsx"
    call_command("export_report", str(out), "--unit", "河西镇")
    ws = load_workbook(out)["任务明细"]
    assert {row[3] for row in ws.iter_rows(min_row=4, values_only=True)} == {"河西镇"}
    with pytest.raises(CommandError, match="没有这个单位"):
        call_command("export_report", str(out), "--unit", "火星镇")
