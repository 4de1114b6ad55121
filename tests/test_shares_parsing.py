"""分解数量 as offices write it: pure functions, no database."""

from decimal import Decimal

import pytest

from checklist.extract import UnitRef
from checklist.shares import (
    SharesError,
    even_split,
    is_rate_unit,
    parse_shares,
    plain_quantity,
    split_state,
    unit_finder,
)

UNITS = [
    UnitRef("河西镇", ("河西镇",), "township"),
    UnitRef("平山街道", ("平山街道", "平山"), "township"),
    UnitRef("城关镇", ("城关镇",), "township"),
    UnitRef("县应急管理局", ("县应急管理局", "应急局", "安监局"), "department"),
    UnitRef("县市场监督管理局", ("县市场监督管理局", "市场监管局", "工商局"), "department"),
]
find = unit_finder(UNITS)


def shares(text, **kwargs):
    return {s.key: s.quantity for s in parse_shares(text, find=find, **kwargs)}


def test_a_shares_cell_gives_each_named_unit_its_quantity_in_the_order_written():
    parsed = parse_shares("河西镇8、平山街道5家", find=find)
    assert [(s.key, s.quantity) for s in parsed] == [
        ("河西镇", Decimal(8)),
        ("平山街道", Decimal(5)),
    ]


def test_units_are_found_by_short_name_old_name_and_without_the_county_prefix():
    assert shares("应急局2、工商局3，平山4") == {
        "县应急管理局": 2,
        "县市场监督管理局": 3,
        "平山街道": 4,
    }
    assert shares("应急管理局 2；市场监督管理局：3") == {"县应急管理局": 2, "县市场监督管理局": 3}


def test_a_townships_stem_and_its_official_name_find_it():
    assert shares("河西8家、城关镇人民政府 5 家") == {"河西镇": 8, "城关镇": 5}


@pytest.mark.parametrize(
    "text",
    [
        "河西镇：8家\n城关镇：5家",
        "河西镇（8家）、城关镇（5家）",
        "河西镇8，城关镇5",
        "河西镇 8 ; 城关镇 5",
    ],
)
def test_the_usual_ways_of_writing_a_list_are_read(text):
    assert shares(text) == {"河西镇": 8, "城关镇": 5}


def test_decimals_up_to_the_cent_are_kept():
    assert shares("河西镇2.5、城关镇0.25") == {"河西镇": Decimal("2.5"), "城关镇": Decimal("0.25")}


def test_an_unknown_name_comes_back_without_a_unit_for_the_caller_to_name():
    parsed = parse_shares("河西镇8、大岭镇5", find=find)
    assert [(s.name, s.key) for s in parsed] == [("河西镇", "河西镇"), ("大岭镇", None)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("河西镇、城关镇5", "「河西镇」应写成 单位名称和数量"),
        ("河西镇0", "「河西镇0」的分解数量应大于 0"),
        ("河西镇1.234", "最多两位小数"),
        ("8家", "「8家」应写成 单位名称和数量"),
        ("", "没有填写分解数量"),
    ],
)
def test_a_part_that_is_not_a_unit_and_a_positive_quantity_is_refused_by_name(text, message):
    with pytest.raises(SharesError, match=message):
        parse_shares(text, find=find)


def test_a_unit_named_twice_is_refused_even_under_two_names():
    with pytest.raises(SharesError, match="「县应急管理局」填写了两次（应急局2、安监局3）"):
        parse_shares("应急局2、安监局3", find=find)


def test_a_measure_word_other_than_the_targets_is_refused():
    with pytest.raises(SharesError, match="“个”与目标数量的单位“家”不同"):
        parse_shares("河西镇8个", find=find, target_unit="家")
    assert shares("河西镇8家", target_unit="家") == {"河西镇": 8}


@pytest.mark.parametrize(
    ("value", "expected"), [(8, 8), (8.0, 8), ("8", 8), ("8家", 8), (2.5, 2.5)]
)
def test_a_cell_with_only_a_number_is_a_plain_quantity(value, expected):
    assert plain_quantity(value) == Decimal(str(expected))


def test_a_cell_naming_units_is_not_a_plain_quantity():
    assert plain_quantity("河西镇8") is None


def test_an_even_split_is_whole_when_the_target_is_and_leaves_the_remainder():
    assert even_split(Decimal(40), 13) == (Decimal(3), Decimal(1))
    assert even_split(Decimal("10.1"), 3) == (Decimal("3.36"), Decimal("0.02"))


def test_an_even_split_refuses_a_target_smaller_than_the_units():
    with pytest.raises(SharesError, match="目标 2 少于 3 个单位"):
        even_split(Decimal(2), 3)


def test_the_split_state_warns_when_shares_do_not_make_up_the_target():
    state = split_state(
        Decimal(40), [("河西镇", Decimal(8)), ("平山街道", Decimal(30)), ("城关镇", None)]
    )
    assert state.warning and not state.balanced
    assert state.text("家") == "已分解 38 / 40 家（未分解：城关镇）"


def test_the_split_state_of_an_unsplit_item_says_nothing_and_of_a_full_split_is_balanced():
    assert split_state(Decimal(40), [("河西镇", None)]).text("家") == ""
    assert not split_state(Decimal(40), [("河西镇", None)]).warning
    full = split_state(Decimal(40), [("河西镇", Decimal(35)), ("平山街道", Decimal(5))])
    assert full.balanced and not full.warning


@pytest.mark.parametrize(
    ("unit", "rate"), [("%", True), ("％", True), (" % ", True), ("家", False), ("", False)]
)
def test_a_target_in_percent_is_a_rate(unit, rate):
    assert is_rate_unit(unit) is rate
