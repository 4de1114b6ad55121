"""分解数量 in a 任务分解表: a shares cell, or one number, per task row."""

import io

from django.utils import timezone
from openpyxl import Workbook, load_workbook

from tracker.excel.task_import import import_tasks
from tracker.excel.template import TEMPLATE_HEADERS, write_task_template
from tracker.models import Assignment, StatusUpdate, UnitAlias

HEADERS = [label for label, _ in TEMPLATE_HEADERS]
SHARES_COLUMN = "L"  # 分解数量 in the template's layout


def sheet(*rows):
    """The template's layout: title, issuer, header on the third row, tasks from the fourth."""
    book = Workbook()
    ws = book.active
    ws.append([f"{timezone.localdate().year}年安全生产重点工作任务分解表"])
    ws.append(["县安委办"])
    ws.append(HEADERS)
    for row in rows:
        ws.append([row.get(h, "") for h in HEADERS])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.name = "分解表.xlsx"
    buffer.seek(0)
    return buffer


def task(world, shares, *, code="201", target="40家", lead="县应急管理局", **more):
    return {
        "编号": f"{world.year}-{code}",
        "工作任务": "小微企业安全生产标准化创建",
        "类别": "安全生产标准化创建",
        "牵头单位": lead,
        "责任单位": "城关镇、河西镇",
        "完成时限": world.item.deadline.isoformat(),
        "目标数量": target,
        "分解数量": shares,
        **more,
    }


def shares_of(world, code="201"):
    return dict(
        Assignment.objects.filter(item__code=f"{world.year}-{code}").values_list(
            "unit__name", "share_quantity"
        )
    )


def test_a_shares_cell_gives_each_named_unit_its_share(world):
    UnitAlias.objects.create(unit=world.dept, alias="安监局")
    row = task(world, "安监局2、城关镇20、河西18家")
    report = import_tasks(sheet(row), user=world.office, dry_run=False)
    assert report.committed, [str(e) for e in report.errors]
    assert shares_of(world) == {"县应急管理局": 2, "城关镇": 20, "河西镇": 18}


def test_shares_that_do_not_make_up_the_target_are_a_warning_not_an_error(world):
    report = import_tasks(sheet(task(world, "城关镇20、河西镇18")), user=world.office, dry_run=True)
    assert report.errors == []
    assert report.warnings == [
        "第4行：已分解 38 / 40 家（未分解：县应急管理局）。"
        "各单位分解数量合计与目标数量不一致；未分解的单位按全县目标计。"
    ]


def test_one_number_is_the_share_of_each_counted_unit_of_the_row(world):
    row = task(world, 8, lead="", 责任单位="城关镇", 配合单位="河西镇")
    report = import_tasks(sheet(row), user=world.office, dry_run=False)
    assert report.committed, [str(e) for e in report.errors]
    assert shares_of(world) == {"城关镇": 8, "河西镇": None}
    assert "第4行：已分解 8 / 40 家。各单位分解数量合计与目标数量不一致。" in report.warnings


def test_an_unknown_unit_in_the_shares_cell_is_named_with_its_row_and_column(world):
    report = import_tasks(sheet(task(world, "城关镇8、大岭镇5")), user=world.office, dry_run=True)
    assert [str(e) for e in report.errors] == [
        f"第4行 第{SHARES_COLUMN}列：分解数量中的单位「大岭镇」不存在"
    ]


def test_a_share_for_a_cooperating_unit_or_a_unit_not_in_the_row_is_refused(world):
    rows = [
        task(world, "城关镇8、河西镇5", 责任单位="城关镇", 配合单位="河西镇"),
        task(world, "城关镇8、县安委办5", code="202"),
    ]
    report = import_tasks(sheet(*rows), user=world.office, dry_run=True)
    assert [str(e) for e in report.errors] == [
        f"第4行 第{SHARES_COLUMN}列：「河西镇」是配合单位，不计入完成率，没有分解数量。",
        f"第5行 第{SHARES_COLUMN}列：「县安委办」不是本行的牵头单位或责任单位，"
        "请先把它填入牵头或责任单位。",
    ]


def test_shares_need_a_quantity_target(world):
    rows = [
        task(world, "城关镇8", target=""),
        task(world, "城关镇80", target="100%", code="202"),
        task(world, "城关镇8个", code="203"),
        task(world, "城关镇0", code="204"),
    ]
    report = import_tasks(sheet(*rows), user=world.office, dry_run=True)
    assert [str(e) for e in report.errors] == [
        f"第4行 第{SHARES_COLUMN}列：填写分解数量需先填写目标数量（全县的目标，如 40家）。",
        f"第5行 第{SHARES_COLUMN}列：目标是比率（%），由各单位报送本单位的比率，全县取平均值，"
        "不分解数量。",
        f"第6行 第{SHARES_COLUMN}列：分解数量「城关镇8个」的单位“个”与目标数量的单位“家”不同。",
        f"第7行 第{SHARES_COLUMN}列：分解数量「城关镇0」的分解数量应大于 0。",
    ]


def test_a_re_import_with_update_changes_the_shares_it_names_through_history(world):
    first = import_tasks(sheet(task(world, "城关镇25、河西镇15")), user=world.office, dry_run=False)
    assert first.committed
    again = import_tasks(
        sheet(task(world, "城关镇20、河西镇20")),
        user=world.office,
        dry_run=False,
        on_conflict="update",
    )
    assert again.committed, [str(e) for e in again.errors]
    assert again.counts["shares_update"] == 2
    assert shares_of(world) == {"县应急管理局": None, "城关镇": 20, "河西镇": 20}
    note = StatusUpdate.objects.get(
        assignment__unit=world.town_a, kind="edit", assignment__item__code=f"{world.year}-201"
    ).note
    assert note == "分解数量：25家→20家。由任务分解表第4行导入"


def test_the_parsed_shares_survive_the_preview_cache(world):
    upload = sheet(task(world, "城关镇25、河西镇15")).getvalue()
    dry = import_tasks(io.BytesIO(upload), user=world.office, dry_run=True)
    assert dry.errors == []
    report = import_tasks(io.BytesIO(upload), user=world.office, dry_run=False)
    assert report.committed and shares_of(world)["城关镇"] == 25


def test_the_template_has_the_shares_column_and_says_how_to_fill_it(world):
    buffer = io.BytesIO()
    write_task_template(buffer, theme_names=["安全生产标准化创建"], year=world.year)
    book = load_workbook(io.BytesIO(buffer.getvalue()))
    assert "分解数量" in [c.value for c in book["任务分解表"][3]]
    guide = {row[0]: row[1] for row in book["填写说明"].iter_rows(values_only=True) if row[0]}
    assert "河西镇8、平山街道5家" in guide["分解数量"]
    assert "全县的目标" in guide["目标数量"]
