"""The extractor on the kinds of text an office receives besides speeches: meeting reports,
plans with 责任单位, reprints in traditional characters, and texts without orders."""

import pytest

from checklist.extract import UnitRef, extract_directives

UNITS = [
    UnitRef("县安委办", ("县安委办", "安委办"), "other"),
    UnitRef("县应急管理局", ("县应急管理局", "应急局", "安监局"), "department"),
    UnitRef("县气象局", ("县气象局", "气象局"), "department"),
    UnitRef("县水利局", ("县水利局", "水利局"), "department"),
    UnitRef("大岭镇", ("大岭镇",), "township"),
]


def found(text, **kwargs):
    return extract_directives(text, units=UNITS, **kwargs)


def actors(d):
    return [(a.name, a.unit, a.group, a.role) for a in d.actors]


def test_each_actor_with_its_own_order_in_one_sentence_is_its_own_directive():
    text = (
        "县级领导要带头督导检查，县安委办要加强调度，行业部门要严格执法检查，各乡镇要压实属地责任。"
    )
    ds = found(text)
    assert [d.text for d in ds] == [
        "县级领导要带头督导检查，",
        "县安委办要加强调度，",
        "行业部门要严格执法检查，",
        "各乡镇要压实属地责任。",
    ]
    assert [actors(d) for d in ds] == [
        [("县级领导", None, None, "responsible")],
        [("县安委办", "县安委办", None, "responsible")],
        [("行业部门", None, "department", "responsible")],
        [("各乡镇", None, "township", "responsible")],
    ]


def test_a_list_of_actors_sharing_one_order_is_one_directive_naming_each():
    (d,) = found("气象、水文、水利等部门要加强观测预报，及时发布预警。")
    assert [(a.name, a.unit) for a in d.actors] == [
        ("气象", "县气象局"),
        ("水文", None),
        ("水利", "县水利局"),
    ]


def test_clauses_without_an_actor_of_their_own_take_the_sentences_first_actors():
    ds = found("他要求，各乡镇和部门要认真排查，落实工作部署；要加大宣传，营造舆论氛围。")
    assert len(ds) == 2
    assert [a.group for a in ds[1].actors] == ["township", "department"]


def test_actors_outside_the_unit_table_are_reported_without_a_unit():
    ds = found(
        "纪委监委要严肃追责问责。各村委要组织网格员开展隐患排查。企业主要负责人要履行第一责任。"
    )
    assert [actors(d) for d in ds] == [
        [("纪委监委", None, None, "responsible")],
        [("各村委", None, "village", "responsible")],
        [("企业主要负责人", None, "enterprise", "responsible")],
    ]


def test_a_lead_and_cooperating_parties_get_their_roles():
    (d,) = found("由县安委办牵头，会同各乡镇开展消防安全检查。")
    assert actors(d) == [
        ("县安委办", "县安委办", None, "lead"),
        ("各乡镇", None, "township", "cooperate"),
    ]


def test_a_plans_duty_line_names_the_actors_of_its_item():
    text = (
        "（五）6月1日前，各乡镇要在单位所在地设置安全生产宣传栏。\n"
        "责任单位：各乡镇政府，县安监局。\n"
    )
    (d,) = found(text)
    assert [(a.name, a.unit, a.group) for a in d.actors] == [
        ("各乡镇", None, "township"),
        ("县安监局", "县应急管理局", None),
    ]


def test_a_heading_that_carries_the_topic_opens_its_directive():
    (d,) = found("三是交通安全再加力。严格落实客运车辆动态监控，深入开展超载超限治理。")
    assert d.text.startswith("三是交通安全再加力。")
    assert d.themes[0] == "道路交通"


@pytest.mark.parametrize(
    ("sentence", "quantity", "unit"),
    [
        ("确保年内2家达到二级、15家达到三级标准化。", 2, "家"),
        ("启动30家企业标准化创建，达标率达到100%。", 30, "家"),
        ("年内培育一级企业3家以上。", 3, "家"),
    ],
)
def test_a_counted_target_stated_as_an_outcome_is_a_directive_with_its_target(
    sentence, quantity, unit
):
    (d,) = found(sentence)
    assert (d.target_quantity, d.target_unit) == (quantity, unit)


def test_a_threshold_and_a_sentence_of_figures_are_no_target():
    assert found("检查企业8家，发现隐患32条，整改30条，下达整改指令书8份。") == []
    (d,) = found("要对单班入井人数30人以上的地下矿山开展专项检查。")
    assert d.target_quantity is None


def test_parallel_short_orders_without_a_subject_are_each_found():
    text = "要压实属地责任。要抓实部门监管责任。要夯实企业主体责任。"
    assert len(found(text)) == 3


def test_orders_that_open_with_their_verb_are_found_without_yao():
    assert len(found("做到突出道路隐患排查治理，紧盯重点车辆开展精准整治。")) == 1
    assert len(found("聚焦消防、燃气等重点领域，全面加强安全隐患排查整治。")) == 1


@pytest.mark.parametrize(
    "sentence",
    [
        "安全生产事关人民福祉，事关经济社会发展大局，容不得半点马虎。",
        "下面，我提出四点意见，一是要提高认识。",
        "检查组重点检查企业消防设施配备、疏散通道畅通等情况。",
        "针对企业消防通道堆放杂物等问题，现场下达整改通知书，责令7日内完成整改。",
        "把安全生产月活动作为当前重点工作，做到同谋划、同部署、同检查、同考核。",
    ],
)
def test_principles_introductions_and_reports_of_an_inspection_are_not_directives(sentence):
    assert found(sentence) == []


def test_a_unit_announcing_its_next_step_gives_a_directive():
    (d,) = found("下一步，冷集镇将建立隐患清单跟踪销号机制，并组织消防演练。")
    assert [a.name for a in d.actors] == ["冷集镇"]


def test_a_reprint_with_pinyin_annotations_is_read_and_spans_point_into_the_original():
    text = "會(huì)議強(qiáng)調(diào)，各鄉(xiāng)鎮(zhèn)要開(kāi)展隱患排查。"
    (d,) = found(text)
    assert (d.start, d.end) == (0, len(text))
    assert d.text == text
    assert d.actors[0].group == "township"
