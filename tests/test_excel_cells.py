"""Cell values of a 任务分解表: pure functions, no database; deadlines are read against an
explicit year, so the dates are fixed."""

from datetime import date
from decimal import Decimal

import pytest

from tracker.excel import cells
from tracker.excel.cells import CellError, Deadline


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-06-30", date(2024, 6, 30)),
        ("2024/6/30", date(2024, 6, 30)),
        ("2024.6.30", date(2024, 6, 30)),
        ("2024年6月30日", date(2024, 6, 30)),
        ("2024年6月30日前", date(2024, 6, 30)),
        ("6月30日之前", date(2026, 6, 30)),
        ("6月底前", date(2026, 6, 30)),
        ("2月底", date(2026, 2, 28)),
        ("2024年2月底", date(2024, 2, 29)),
        ("年底前", date(2026, 12, 31)),
        ("年内", date(2026, 12, 31)),
        ("上半年", date(2026, 6, 30)),
        ("下半年", date(2026, 12, 31)),
        ("三季度末", date(2026, 9, 30)),
        ("9月中旬", date(2026, 9, 20)),
        ("9月下旬", date(2026, 9, 30)),
        ("６月底前", date(2026, 6, 30)),  # full-width digit
        (45473, date(2024, 6, 30)),  # Excel serial date
        (45473.0, date(2024, 6, 30)),
        (date(2024, 6, 30), date(2024, 6, 30)),
    ],
)
def test_it_reads_the_deadlines_offices_write(value, expected):
    assert cells.parse_deadline(value, year=2026) == Deadline(expected, False)


@pytest.mark.parametrize("value", ["长期坚持", "持续推进", "常态化开展", " 长期 "])
def test_it_reads_long_term_work_as_no_deadline(value):
    assert cells.parse_deadline(value, year=2026) == Deadline(None, True)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2024-02-30", "日期不存在：2024-02-30"),
        ("2026年13月1日", "日期不存在"),
        ("13月底", "日期不存在"),
        ("尽快", "无法识别的完成时限：尽快"),
        ("", "完成时限不能为空"),
        (-5, "无法识别的完成时限"),
    ],
)
def test_it_names_what_is_wrong_with_a_bad_deadline(value, message):
    with pytest.raises(CellError, match=message):
        cells.parse_deadline(value, year=2026)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("每月28日前", ("monthly", 28)),
        ("每月", ("monthly", None)),
        ("每周五", ("weekly", 5)),
        ("每周五下班前报送", ("weekly", 5)),
        ("每周", ("weekly", None)),
        ("一周一报", ("weekly", None)),
        ("每季度末", ("quarterly", None)),
        ("每季度末月20日前", ("quarterly", 20)),
        ("每半年", ("semiannual", None)),
        ("每半年末月15日前", ("semiannual", 15)),
        ("", ("none", None)),
        (None, ("none", None)),
    ],
)
def test_it_reads_reporting_cadences(value, expected):
    assert cells.parse_cadence(value) == expected


def test_a_quarterly_report_day_in_the_first_month_is_refused_with_the_form_it_takes():
    with pytest.raises(CellError, match="末月"):
        cells.parse_cadence("每季度首月10日前")


def test_it_refuses_an_impossible_reporting_day_and_unknown_cadence():
    with pytest.raises(CellError, match="1 到 31"):
        cells.parse_cadence("每月35日")
    with pytest.raises(CellError, match="无法识别的报送频次"):
        cells.parse_cadence("随时")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("40家", (Decimal(40), "家")),
        ("不少于 200 人次", (Decimal(200), "人次")),
        ("完成12.5公里", (Decimal("12.5"), "公里")),
        (40, (Decimal(40), "")),
        (40.0, (Decimal(40), "")),
        ("", (None, "")),
        (None, (None, "")),
    ],
)
def test_it_reads_counted_targets(value, expected):
    assert cells.parse_target(value) == expected


@pytest.mark.parametrize("value", ["若干", "0家", "-3家", "40家以上的小微企业"])
def test_it_refuses_targets_that_are_not_a_positive_count(value):
    with pytest.raises(CellError):
        cells.parse_target(value)


def test_it_splits_unit_lists_on_every_separator_offices_use():
    value = "应急局、住建局，公安局,消防救援大队；市场监管局;交通局\n自然资源局／水利局等"
    assert cells.split_units(value) == [
        "应急局",
        "住建局",
        "公安局",
        "消防救援大队",
        "市场监管局",
        "交通局",
        "自然资源局",
        "水利局",
    ]


def test_it_keeps_a_unit_typed_with_a_stray_space_as_one_and_drops_repeats():
    assert cells.split_units("县 应急管理局、县应急管理局\u200b") == ["县应急管理局"]


@pytest.mark.parametrize(
    ("name", "group"),
    [
        ("各乡镇", "township"),
        ("各镇（街道）", "township"),
        ("各 镇街", "township"),
        ("各有关部门", "department"),
        ("县安委会各成员单位", "department"),
        ("应急局", None),
    ],
)
def test_it_recognises_groups_of_units(name, group):
    assert cells.unit_group(name) == group


def test_unit_keys_drop_the_county_prefix_and_government_suffix():
    assert cells.unit_keys("县应急管理局") == ["县应急管理局", "应急管理局"]
    assert "平山" in cells.unit_keys("平山街道办事处") or "平山街道" in cells.unit_keys(
        "平山街道办事处"
    )


def test_it_suggests_the_closest_names_for_an_unknown_unit():
    names = ["应急管理局", "住房和城乡建设局", "市场监督管理局", "平山街道"]
    assert cells.suggest("应急管里局", names)[0] == "应急管理局"
    assert cells.suggest("完全不相干的名称", names) == []


def test_it_finds_a_two_row_header_below_a_merged_title():
    rows = [
        ["2026年安全生产重点工作任务分解表", None, None, None, None, None],
        ["（县安委办 2026年3月）", None, None, None, None, None],
        ["序号", "工作任务", "责任分工", None, "完成时限", "备注"],
        [None, None, "牵头单位", "责任单位", None, None],
        [1, "开展拉网式排查", "应急局", "各乡镇", "6月底前", ""],
    ]
    header = cells.find_header(rows)
    assert header.row == 3
    assert header.rows == 2
    assert header.columns["title"] == 1
    assert header.columns["lead"] == 2
    assert header.columns["responsible"] == 3
    assert header.columns["deadline"] == 4


def test_it_reads_header_names_with_spaces_and_full_width_characters():
    rows = [["序 号", "工 作 任 务", "牵头单位：", "完成时限（日期）"]]
    header = cells.find_header(rows)
    assert header.row == 0 and header.rows == 1
    assert header.columns == {"seq": 0, "title": 1, "lead": 2, "deadline": 3}


def test_it_says_so_when_no_header_is_found():
    with pytest.raises(CellError, match="没有找到表头"):
        cells.find_header([["随便写的表"], ["a", "b"]])


def test_clean_text_removes_invisible_characters_and_stray_spaces_but_keeps_lines():
    assert cells.clean_text("  开展\u200b排查  ") == "开展排查"
    assert cells.clean_text("第一行\r\n  第二行\u3000\u3000") == "第一行\n第二行"
    assert cells.clean_text(12.0) == "12"
    assert cells.clean_text(None) == ""


def test_parse_text_refuses_over_long_text_with_its_length():
    with pytest.raises(CellError, match="超过 5 字（现有 6 字）"):
        cells.parse_text("六个字的内容", max_length=5)


@pytest.mark.parametrize(("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ")])
def test_column_letters_follow_excel(index, letters):
    assert cells.column_letter(index) == letters


def test_cell_ref_counts_rows_from_one():
    assert cells.cell_ref(4, 2) == "第5行 第C列"
