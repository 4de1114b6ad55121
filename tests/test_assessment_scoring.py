"""The arithmetic of 年度考核, on plain values: no database."""

from decimal import Decimal as D

from tracker.assessment.scoring import (
    Bands,
    Fact,
    ItemSpec,
    RuleSpec,
    grade_of,
    points_warning,
    rank,
    rule_deduction,
    score_unit,
    veto_reasons,
)

OVERDUE = RuleSpec(1, "overdue", D(2))
MISSED = RuleSpec(2, "missed", D("0.5"))
SHORTFALL = RuleSpec(3, "shortfall", D(4))
COVERAGE = RuleSpec(4, "coverage", D(5), D(90))
STANDARD = RuleSpec(5, "standard", D(10), D(4))
TASKS = ItemSpec(10, "重点任务完成", D(40), (OVERDUE, SHORTFALL))
REPORTS = ItemSpec(11, "按期报送", D(10), (MISSED,))
GRID = ItemSpec(12, "网格化监管", D(10), (COVERAGE,))
STD = ItemSpec(13, "标准化创建", D(10), (STANDARD,))


def test_a_count_rule_takes_its_points_for_each_occurrence():
    assert rule_deduction(OVERDUE, Fact(count=3)) == D(6)
    assert rule_deduction(MISSED, Fact(count=3)) == D("1.5")


def test_an_unreached_share_of_a_target_takes_that_share_of_the_points():
    # One task at half its 分解数量 and one at three quarters: 0.5 + 0.25 of 4 points.
    assert rule_deduction(SHORTFALL, Fact(count=2, shortfall=D("0.75"))) == D(3)


def test_coverage_below_the_threshold_takes_the_points_and_at_it_takes_none():
    assert rule_deduction(COVERAGE, Fact(count=8, total=10)) == D(5)
    assert rule_deduction(COVERAGE, Fact(count=9, total=10)) == D(0)


def test_coverage_with_nothing_to_inspect_takes_nothing():
    assert rule_deduction(COVERAGE, Fact(count=0, total=0)) == D(0)


def test_standardization_below_its_target_takes_the_missing_share():
    assert rule_deduction(STANDARD, Fact(count=1)) == D("7.5")
    assert rule_deduction(STANDARD, Fact(count=6)) == D(0)


def test_a_standardization_target_among_no_enterprises_takes_nothing():
    assert rule_deduction(STANDARD, Fact(count=0, total=0)) == D(0)
    assert rule_deduction(STANDARD, Fact(count=0, total=5)) == D(10)


def test_an_item_never_loses_more_than_its_points():
    result = score_unit(1, [REPORTS], Bands(), facts={MISSED.pk: Fact(count=50)})
    assert result.items[0].deduction == D(10)
    assert result.items[0].score == D(0)
    assert result.lines[0].computed == D(25)


def test_a_clean_unit_scores_the_full_points_and_is_excellent():
    result = score_unit(1, [TASKS, REPORTS, GRID, STD], Bands(), facts={STANDARD.pk: Fact(4)})
    assert result.score == D(70)
    result = score_unit(
        1,
        [ItemSpec(1, "a", D(60)), TASKS],
        Bands(),
        facts={},
    )
    assert result.score == D(100)
    assert result.grade == "优秀"


def test_the_grade_bands_are_95_90_80():
    bands = Bands()
    assert [grade_of(D(s), bands) for s in (95, "94.99", 90, 89, 80, "79.5")] == [
        "优秀", "良好", "良好", "合格", "合格", "不合格",
    ]  # fmt: skip


def test_an_override_replaces_the_computed_deduction_and_keeps_it_shown():
    result = score_unit(
        1, [TASKS], Bands(), facts={OVERDUE.pk: Fact(count=3)}, overrides={OVERDUE.pk: D(2)}
    )
    line = result.lines[0]
    assert (line.computed, line.deduction, line.overridden) == (D(6), D(2), True)
    assert result.score == D(38)


def test_an_office_bonus_is_added_to_its_item():
    result = score_unit(1, [TASKS], Bands(), facts={}, adjustments={TASKS.pk: D(1)})
    assert result.items[0].score == D(41)


def test_a_veto_makes_any_score_failing_with_its_reason():
    reasons = veto_reasons(
        {"large_accident"},
        large=["2026-03-02 城关镇 某厂爆炸 死亡3人"],
        deaths=3,
        accidents=1,
        max_deaths=None,
        max_accidents=None,
    )
    result = score_unit(1, [TASKS], Bands(), facts={}, vetoes=reasons)
    assert result.grade == "不合格"
    assert "较大及以上" in result.vetoes[0]


def test_deaths_over_the_indicator_veto_only_when_the_scheme_says_so():
    kwargs = {"large": [], "deaths": 3, "accidents": 2, "max_deaths": 2, "max_accidents": 5}
    assert veto_reasons(set(), **kwargs) == []
    assert veto_reasons({"deaths_over"}, **kwargs) == ["死亡 3 人，超过控制指标 2 人"]
    assert veto_reasons({"accidents_over"}, **kwargs) == []


def test_a_scheme_not_adding_to_100_is_warned_with_its_sum():
    assert points_warning([TASKS, REPORTS]) == "各考核项目分值合计为 50 分，不是 100 分，请核对。"
    assert points_warning([TASKS, ItemSpec(2, "b", D(60))]) == ""


def test_vetoed_units_rank_last_and_equal_scores_share_a_rank():
    a = score_unit(1, [TASKS], Bands(), facts={})
    b = score_unit(2, [TASKS], Bands(), facts={})
    c = score_unit(3, [TASKS], Bands(), facts={}, vetoes=["x"])
    d = score_unit(4, [TASKS], Bands(), facts={OVERDUE.pk: Fact(1)})
    ordered = rank([c, d, a, b])
    assert [(s.unit_id, s.rank) for s in ordered] == [(1, 1), (2, 1), (4, 3), (3, 4)]
