"""Deadlines without a year resolve forward from their reference date: in a speech (the speech
date) and in a 任务分解表 cell (the import date). Pure functions, no database, no clock.

The reference dates here are fixed on purpose: each test is about one calendar situation
(a December meeting, New Year's Eve, the day after the first quarter), not about today.
"""

from datetime import date

import pytest

from checklist.deadlines import find_deadline, place
from tracker.excel.cells import CellError, Deadline, parse_deadline

DECEMBER = date(2026, 12, 6)
MARCH = date(2026, 3, 16)
NEW_YEARS_EVE = date(2026, 12, 31)


def spoken(phrase: str, on: date) -> date | None:
    return find_deadline(f"各镇要在{phrase}完成隐患排查整改。", on).deadline


def written(cell, on: date) -> date | None:
    return parse_deadline(cell, reference=on).date


# Every kind of phrase without a year: (phrase, said on 16 March, said on 6 December).
YEARLESS = [
    ("3月底前", date(2026, 3, 31), date(2027, 3, 31)),
    ("6月底前", date(2026, 6, 30), date(2027, 6, 30)),
    ("上半年", date(2026, 6, 30), date(2027, 6, 30)),
    ("下半年", date(2026, 12, 31), date(2026, 12, 31)),
    ("一季度", date(2026, 3, 31), date(2027, 3, 31)),
    ("第三季度", date(2026, 9, 30), date(2027, 9, 30)),
    ("年底前", date(2026, 12, 31), date(2026, 12, 31)),
    ("年内", date(2026, 12, 31), date(2026, 12, 31)),
    ("3月15日前", date(2027, 3, 15), date(2027, 3, 15)),
    ("12月10日前", date(2026, 12, 10), date(2026, 12, 10)),
    ("4月上旬", date(2026, 4, 10), date(2027, 4, 10)),
    ("3月中旬", date(2026, 3, 20), date(2027, 3, 20)),
    ("11月下旬", date(2026, 11, 30), date(2027, 11, 30)),
    ("春节前", date(2027, 2, 5), date(2027, 2, 5)),
    ("元旦前", date(2026, 12, 31), date(2026, 12, 31)),
    ("五一前", date(2026, 4, 30), date(2027, 4, 30)),
    ("国庆前", date(2026, 9, 30), date(2027, 9, 30)),
    ("汛期前", date(2026, 5, 31), date(2027, 5, 31)),
]


@pytest.mark.parametrize(("phrase", "in_march", "in_december"), YEARLESS)
def test_a_phrase_without_a_year_in_a_speech_is_the_next_such_date(phrase, in_march, in_december):
    assert spoken(phrase, MARCH) == in_march
    assert spoken(phrase, DECEMBER) == in_december


@pytest.mark.parametrize(("phrase", "in_march", "in_december"), YEARLESS)
def test_a_cell_without_a_year_is_the_next_such_date_after_the_import_date(
    phrase, in_march, in_december
):
    assert written(phrase, MARCH) == in_march
    assert written(phrase, DECEMBER) == in_december


def test_a_month_end_without_a_year_imported_in_december_lands_next_year():
    assert parse_deadline("3月底前", reference=DECEMBER) == Deadline(date(2027, 3, 31), False)


def test_a_phrase_never_resolves_before_its_reference_date():
    for phrase, _, _ in YEARLESS:
        for day in (MARCH, DECEMBER, NEW_YEARS_EVE, date(2027, 1, 1), date(2028, 2, 29)):
            assert spoken(phrase, day) >= day, (phrase, day)
            assert written(phrase, day) >= day, (phrase, day)


def test_the_years_end_said_on_new_years_eve_is_that_same_day():
    for phrase in ("年底前", "年内", "年终前", "元旦前", "本月底前"):
        assert spoken(phrase, NEW_YEARS_EVE) == NEW_YEARS_EVE, phrase
    for cell in ("年底前", "年内", "元旦前", "12月底"):
        assert written(cell, NEW_YEARS_EVE) == NEW_YEARS_EVE, cell


def test_the_first_quarter_named_after_march_is_next_years():
    april = date(2026, 4, 1)
    assert spoken("一季度", april) == date(2027, 3, 31)
    assert written("一季度", april) == date(2027, 3, 31)
    assert spoken("一季度", date(2026, 3, 31)) == date(2026, 3, 31)  # still the same day


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("明年上半年", date(2027, 6, 30)),
        ("明年3月底前", date(2027, 3, 31)),
        ("明年底前", date(2027, 12, 31)),
        ("明年年底前", date(2027, 12, 31)),
        ("明年一季度", date(2027, 3, 31)),
        ("明年6月15日前", date(2027, 6, 15)),
        ("下一年3月底前", date(2027, 3, 31)),
        ("次年一季度", date(2027, 3, 31)),
        ("明年春节前", date(2027, 2, 5)),
    ],
)
def test_next_year_prefixes_count_from_the_reference_dates_year(phrase, expected):
    # In March 明年上半年 is not this June: the prefix names the year, not "the next one".
    assert spoken(phrase, MARCH) == expected
    assert spoken(phrase, DECEMBER) == expected
    assert written(phrase, MARCH) == expected
    assert written(phrase, DECEMBER) == expected


def test_a_next_year_phrase_keeps_its_prefix_in_the_words_shown():
    found = find_deadline("明年上半年，各镇要完成标准化创建。", DECEMBER)
    assert (found.phrase, found.deadline) == ("明年上半年", date(2027, 6, 30))


def test_this_year_prefixes_stay_in_the_reference_year_even_when_already_past():
    assert spoken("今年3月底前", DECEMBER) == date(2026, 3, 31)
    assert spoken("今年上半年", DECEMBER) == date(2026, 6, 30)
    assert spoken("今年底前", DECEMBER) == date(2026, 12, 31)
    assert written("今年3月底前", DECEMBER) == date(2026, 3, 31)
    assert written("今年底", DECEMBER) == date(2026, 12, 31)


def test_a_written_year_is_taken_as_written_even_when_past():
    assert spoken("2026年3月底前", DECEMBER) == date(2026, 3, 31)
    assert written("2026年3月31日", DECEMBER) == date(2026, 3, 31)
    assert written("2026-03-31", DECEMBER) == date(2026, 3, 31)


def test_last_years_words_are_still_not_deadlines():
    assert find_deadline("去年12月底告一段落", DECEMBER).deadline is None
    assert find_deadline("上年3月底已完成", DECEMBER).deadline is None


def test_a_cell_year_stands_for_the_first_of_january_of_that_year():
    assert parse_deadline("2月底", year=2026) == parse_deadline("2月底", reference=date(2026, 1, 1))
    with pytest.raises(TypeError):
        parse_deadline("2月底")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("“五一”前", date(2027, 4, 30)),
        ("入汛前", date(2027, 5, 31)),
        ("国庆节前", date(2027, 9, 30)),
        ("三月底前", date(2027, 3, 31)),
        ("十二月底", date(2026, 12, 31)),
        ("本年度", date(2026, 12, 31)),
        ("今年", date(2026, 12, 31)),
    ],
)
def test_cells_read_holidays_chinese_numerals_and_bare_years(cell, expected):
    assert written(cell, DECEMBER) == expected


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("2月30日", "日期不存在：2月30日"),
        ("13月底", "日期不存在"),
        ("2026年2月29日", "日期不存在"),
        ("明年前", "无法识别的完成时限"),  # before next year, or within it? Not a day.
        ("2027年", "无法识别的完成时限"),
        ("尽快", "无法识别的完成时限：尽快"),
    ],
)
def test_a_cell_that_is_no_date_is_still_a_clear_error(cell, message):
    with pytest.raises(CellError, match=message):
        parse_deadline(cell, reference=DECEMBER)


def test_the_29th_of_february_without_a_year_waits_for_the_next_leap_year():
    assert place(lambda y: date(y, 2, 29) if y % 4 == 0 else None, DECEMBER) == date(2028, 2, 29)
    assert place(lambda y: date(y, 2, 29) if y % 4 == 0 else None, DECEMBER, year=2027) is None
