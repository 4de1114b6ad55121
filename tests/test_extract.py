"""The speech → directive rules, as plain functions (no database)."""

from datetime import date
from decimal import Decimal

import pytest

from checklist.deadlines import SPRING_FESTIVAL, find_deadline
from checklist.extract import UnitRef, extract_directives
from checklist.themes_table import OTHER, THEME_KEYWORDS

UNITS = (
    UnitRef(
        "县应急管理局",
        ("县应急管理局", "应急局", "安监局", "县安监局", "安监", "应急管理局"),
        "department",
    ),
    UnitRef(
        "县市场监督管理局",
        ("县市场监督管理局", "市场监管局", "工商", "质监", "市场监管"),
        "department",
    ),
    UnitRef("县消防救援大队", ("县消防救援大队", "消防大队", "公安消防", "消防"), "department"),
    UnitRef("县公安局", ("县公安局", "公安局", "公安"), "department"),
    UnitRef("县交通运输局", ("县交通运输局", "交通局", "交通"), "department"),
    UnitRef("县住房和城乡建设局", ("县住房和城乡建设局", "住建局", "建设局", "建设"), "department"),
    UnitRef("县商务局", ("县商务局", "商务局"), "department"),
    UnitRef("县安委办", ("县安委办", "安委办"), "other"),
    UnitRef("县人民政府办公室", ("县人民政府办公室", "政府办", "政府督查室"), "other"),
    UnitRef("城管局", ("县城市管理局", "城管局", "市政"), "department"),
    UnitRef("大岭镇", ("大岭镇",), "township"),
    UnitRef("平山街道", ("平山街道",), "township"),
    UnitRef("白花镇", ("白花镇",), "township"),
    UnitRef("古城街道", ("古城街道",), "township"),
    UnitRef("经济开发区管委会", ("经济开发区管委会", "开发区"), "township"),
)
D = date(2024, 3, 16)


def one(text, speech_date=D, units=UNITS):
    found = extract_directives(text, speech_date=speech_date, units=units)
    assert len(found) == 1, [d.text for d in found]
    return found[0]


def texts(text, **kwargs):
    return [d.text for d in extract_directives(text, units=UNITS, **kwargs)]


# --- Spans and sentences ---------------------------------------------------------------------


def test_it_returns_the_ordering_sentence_with_exact_offsets():
    text = (
        "同志们：\n去年全县安全生产形势平稳。各镇要对辖区生产经营场所开展拉网式排查，本月底前完成。"
    )
    d = one(text)
    assert d.text == "各镇要对辖区生产经营场所开展拉网式排查，本月底前完成。"
    assert text[d.start : d.end] == d.text


def test_a_line_break_ends_a_sentence_and_leading_spaces_are_not_part_of_it():
    text = "  各镇要开展隐患排查\n  各部门要加强执法检查。"
    found = extract_directives(text)
    assert [d.text for d in found] == ["各镇要开展隐患排查", "各部门要加强执法检查。"]
    assert all(text[d.start : d.end] == d.text for d in found)


def test_ascii_sentence_ends_count_as_sentence_ends():
    assert texts("各镇要开展隐患排查!各部门要加强执法检查?没有。") == [
        "各镇要开展隐患排查!",
    ]


def test_an_enumeration_separated_by_semicolons_gives_one_directive_per_clause():
    text = "一要全面排查隐患；二要建立整改台账；三要落实专人督办。"
    assert texts(text) == ["一要全面排查隐患；", "二要建立整改台账；", "三要落实专人督办。"]


def test_a_semicolon_inside_one_order_does_not_split_it():
    text = "对排查出的隐患，要建立台账限期整改；这是底线。"
    assert texts(text) == [text]


def test_an_introduction_ending_in_a_colon_is_not_a_directive():
    text = "就强化企业主体责任，提三个要求：（1）加大对事故企业负责人的追究力度，追究企业主要负责人的责任。"
    assert texts(text) == ["（1）加大对事故企业负责人的追究力度，追究企业主要负责人的责任。"]


def test_an_empty_or_blank_text_gives_an_empty_list():
    assert extract_directives("") == []
    assert extract_directives(" \n\t\n") == []


def test_a_speech_without_orders_gives_an_empty_list():
    text = "同志们：\n过去的一年，全县安全生产形势总体平稳。\n在此，我代表县政府表示衷心的感谢！"
    assert extract_directives(text, speech_date=D, units=UNITS) == []


# --- Headings and parts --------------------------------------------------------------------


def test_heading_lines_are_never_directives_and_form_the_heading_path():
    text = (
        "一、全面开展隐患排查整治\n"
        "（一）强化排查。\n"
        "各镇要对辖区生产经营场所开展拉网式排查。\n"
        "（二）狠抓整改。\n"
        "各部门要建立隐患整改台账。\n"
        "二、加强领导\n"
        "各镇要成立领导小组。"
    )
    found = extract_directives(text)
    assert [d.text for d in found] == [
        "各镇要对辖区生产经营场所开展拉网式排查。",
        "各部门要建立隐患整改台账。",
        "各镇要成立领导小组。",
    ]
    assert found[0].heading_path == ("一、全面开展隐患排查整治", "（一）强化排查")
    assert found[1].heading_path == ("一、全面开展隐患排查整治", "（二）狠抓整改")
    assert found[2].heading_path == ("二、加强领导",)


def test_a_long_heading_is_cut_in_the_path():
    text = "一、肯定成绩，正视问题，进一步增强安全发展极端重要性的认识以及其他更长的话\n各镇要开展隐患排查。"
    path = one(text).heading_path
    assert len(path[0]) <= 30 and path[0].endswith("…")


def test_a_leading_topic_phrase_names_the_paragraph_and_opens_the_directive_after_it():
    text = "第一，着力抓好宣传发动，形成浓厚氛围。全县各级各部门要进一步加大安全宣传教育力度。"
    d = one(text)
    assert d.text == text
    assert d.heading_path == ("第一，着力抓好宣传发动，形成浓厚氛围",)


def test_a_leading_topic_phrase_followed_by_no_order_is_no_directive():
    assert texts("第一，认真落实安全生产监管责任。安全生产人命关天，监管责任重大。") == []


def test_an_awareness_topic_phrase_opens_the_order_after_it():
    text = "一要强化主体责任意识。企业负责人要每月组织一次安全检查。"
    assert texts(text) == [text]


def test_a_numbered_lead_and_the_directive_it_introduces_are_one_directive_with_its_theme():
    text = "一要抓好隐患排查。今天会议后，各镇要将辖区内的生产经营场所进行拉网式排查。"
    assert texts(text) == [text]
    d = one("二要紧盯危化品领域。严格落实企业主体责任，深入开展专项检查。")
    assert d.text.startswith("二要紧盯危化品领域。") and d.themes[0] == "危化品"


def test_parenthesised_and_circled_numbers_are_headings_when_alone_on_a_line():
    text = "(1)隐患排查\n⑵整改落实\n1、安全培训\n各企业要组织全员安全培训。"
    d = one(text)
    assert (
        d.heading_path == ("（1）隐患排查", "⑵整改落实", "1、安全培训") or len(d.heading_path) >= 1
    )
    assert d.text == "各企业要组织全员安全培训。"


def test_a_heading_after_a_sentence_end_on_the_same_line_is_still_a_heading():
    text = "各镇要开展隐患排查。（二）突出整治重点。\n各部门要开展专项整治。"
    found = extract_directives(text)
    assert [d.text for d in found] == ["各镇要开展隐患排查。", "各部门要开展专项整治。"]
    assert found[1].heading_path == ("（二）突出整治重点",)


def test_parts_follow_the_speech_markers_of_a_collection():
    text = (
        "第一篇：县长在全县安全生产会议上的讲话\n一、抓排查\n各镇要开展隐患排查。\n"
        "第二篇：副县长在消防工作会议上的讲话\n一、抓消防\n各镇要开展消防安全检查。"
    )
    found = extract_directives(text)
    assert [d.part for d in found] == [1, 2]
    assert found[1].heading_path == ("一、抓消防",)


def test_a_single_speech_has_no_part_number():
    assert one("各镇要开展隐患排查。").part is None


def test_numbering_that_starts_again_begins_a_new_speech():
    text = "一、抓排查\n各镇要开展隐患排查。\n二、抓整改\n各镇要落实整改措施。\n一、抓消防\n各镇要开展消防检查。"
    assert [d.part for d in extract_directives(text)] == [1, 1, 2]


# --- Exclusions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "在此，我代表县政府向全县安全生产战线的同志们表示衷心的感谢！",
        "全县共发生各类安全事故88宗，死亡27人，比上年同期分别下降了6.4%和25%。",
        "去年，我们对涉氨制冷、铸造等行业进行了专家隐患排查。",
        "要充分认识安全生产工作的极端重要性。",
        "我们必须清醒地看到安全生产面临的困难和压力。",
        "各级各部门要牢固树立安全发展理念，增强做好安全生产工作的信心。",
        "部分镇街隐患排查不深入，整改落实不到位，查处力度不够大。",
        "安全生产责任重于泰山。",
        "安全生产怎么抓？",
        "今天，县政府召开全县安全生产工作会议，主要任务是部署隐患排查工作。",
        "让我们以更加强烈的责任感抓好安全生产各项工作，为全县发展作出贡献！",
        "严格的责任追究，是确保责任制落实的有力手段。",
    ],
)
def test_it_excludes_praise_statistics_the_past_attitude_and_principles(sentence):
    assert extract_directives(sentence, speech_date=D, units=UNITS) == []


def test_quoted_slogans_do_not_give_the_order():
    assert extract_directives("“管行业必须管安全”已经成为共识。") == []


def test_an_imperative_sentence_without_a_modal_word_is_a_directive():
    text = "推行安全生产网格化管理，进一步完善四级监管网格。"
    assert texts(text) == [text]


def test_a_prohibition_is_a_directive():
    assert texts("严禁在居民区内设置烟花爆竹零售点。") == ["严禁在居民区内设置烟花爆竹零售点。"]


def test_an_order_under_a_results_heading_needs_an_explicit_modal():
    text = (
        "二、安全生产专项整治工作成效显著\n对可以立即整改的隐患企业，一律发出整改通知。\n"
        "各镇要借鉴这些做法开展隐患排查。"
    )
    assert texts(text) == ["各镇要借鉴这些做法开展隐患排查。"]


# --- Themes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "theme"),
    [
        ("各镇要对辖区生产经营场所开展拉网式隐患排查，建立整改台账。", "隐患排查治理"),
        (
            "要推进安全生产标准化建设，引导企业开展岗位达标、专业达标和企业达标创建工作。",
            "安全生产标准化创建",
        ),
        ("要迅速成立领导机构，将安全生产网格化管理落实到每一个网格、每一个责任人。", "网格化监管"),
        ("要严厉打击非法违法生产经营建设行为，该取缔的坚决取缔。", "打非治违"),
        ("要全力抓好人员密集场所的消防安全检查，挂牌督办重大火灾隐患。", "消防安全"),
        ("要严厉查处超速、超员、超载、疲劳驾驶等交通违法行为，确保春运安全。", "道路交通"),
        ("要加强危险化学品“两重点一重大”管理，抓好化学品罐区安全专项整治。", "危化品"),
        ("要严厉打击非法生产、经营、运输烟花爆竹行为。", "烟花爆竹"),
        ("要加大高处坠落、施工坍塌为重点的整治力度，加强脚手架、塔吊监控。", "建筑施工"),
        ("要加强对企业主要负责人、安全管理人员的培训和考核，做到持证上岗。", "宣传教育培训"),
        ("要进一步完善事故应急预案，加强应急装备配置，健全应急救援队伍。", "应急救援"),
        ("要采取“四不两直”的方式，经常性开展重点企业暗查暗访。", "执法监察"),
        ("各级党政主要负责人要严格落实“党政同责、一岗双责”要求。", "责任落实"),
        ("要严格落实“一票否决”制度，发生重大事故的严肃问责。", "考核问责"),
        ("要开展工贸企业特种设备专项治理行动。", "专项整治"),
    ],
)
def test_the_main_theme_comes_from_the_keyword_table(sentence, theme):
    assert one(sentence).themes[0] == theme


def test_a_sentence_with_no_theme_words_is_other():
    assert one("要在年底前完成麻纺车间的改造。").themes == [OTHER]


def test_the_heading_lends_its_theme_to_a_generic_sentence():
    text = "（六）狠抓消防安全工作。\n各级各部门要细化措施，全力消除隐患。"
    assert "消防安全" in one(text).themes


@pytest.mark.parametrize(
    ("sentence", "theme"),
    [
        # 化 + 工作 is not 化工.
        ("要强化工作督查，开展消防检查。", "消防安全"),
        # A field named as a failing (执法不严) is the case, not the work ordered.
        ("对执法不严、监管不力的，要严肃事故查处和责任追究。", "考核问责"),
        # 责任人 is a person, a weaker hint than 责任.
        ("要通过教育培训，使班组长成为落实责任人。", "宣传教育培训"),
        ("要加强对重点企业的监督检查。", "执法监察"),
        ("要把监管网络延伸到每个村组。", "网格化监管"),
        ("要开展煤矿和非煤行业安全整治。", "专项整治"),
        # Industries without a theme of their own, schools and technology, with no campaign.
        ("要加强煤矿安全监管。", OTHER),
        ("要抓好学校安全工作，开展安全检查。", OTHER),
    ],
)
def test_theme_rules_for_compounds_conditions_and_persons(sentence, theme):
    assert one(sentence).themes[0] == theme


def test_every_theme_of_the_table_is_a_known_theme_name():
    known = {
        "隐患排查治理", "安全生产标准化创建", "网格化监管", "专项整治", "打非治违", "消防安全",
        "道路交通", "危化品", "烟花爆竹", "建筑施工", "宣传教育培训", "应急救援", "执法监察",
        "责任落实", "考核问责",
    }  # fmt: skip
    assert set(THEME_KEYWORDS) == known


# --- Units and groups ----------------------------------------------------------------------


def test_units_are_found_by_name_short_name_and_alias_ignoring_the_level_word():
    d = one("市安监局、县市场监管局和消防大队要加强联合执法检查。")
    assert d.units == ["县应急管理局", "县市场监督管理局", "县消防救援大队"]


def test_bare_short_aliases_count_only_in_a_list_of_agencies():
    d = one("特别是县安监、公安、工商、建设等部门要加大执法监察力度。")
    assert d.units == ["县应急管理局", "县公安局", "县市场监督管理局", "县住房和城乡建设局"]
    assert one("要推进安全生产标准化建设，开展消防安全检查。").units == []


def test_a_longer_word_does_not_hide_a_unit_and_is_not_matched_inside():
    # 市政府 is not 市政 (城管局); 政府督查室 is the office's alias.
    d = one("市政府督查室要会同安监局定期督查工作推进情况。")
    assert d.units == ["县人民政府办公室", "县应急管理局"]


def test_a_provinces_office_is_not_the_countys():
    assert one("省安委办要求各地开展隐患排查，我们要立即整改。").units == []


def test_township_stems_count_when_they_stand_as_names():
    d = one("今天会议后，各镇尤其是平山、大岭、白花等重点镇要进行拉网式排查。")
    assert d.units == ["平山街道", "大岭镇", "白花镇"]
    assert d.unit_groups == ["township"]
    assert one("临海古城区要开展隐患排查整治。").units == []


def test_the_stem_of_a_unit_name_counts_in_an_agency_list():
    assert one("市场监管、商务等部门要依法查处违法行为。").units == ["县市场监督管理局", "县商务局"]


@pytest.mark.parametrize(
    ("sentence", "groups"),
    [
        ("各乡镇要开展隐患排查。", ["township"]),
        ("各镇（街道）要开展隐患排查。", ["township"]),
        ("各镇街要开展隐患排查。", ["township"]),
        ("各有关部门要开展执法检查。", ["department"]),
        ("各级各部门要开展执法检查。", ["department"]),
        ("各行业主管部门要开展专项整治。", ["department"]),
        ("各乡镇、各部门要开展消防安全检查。", ["township", "department"]),
        ("生产经营单位要建立安全生产责任制。", ["enterprise"]),
        # Enterprises that are only the object of someone else's act are not the group.
        ("要督促企业落实隐患整改方案。", []),
        ("监管人员要深入一线，指导企业完善安全制度。", []),
        ("要责令企业对照标准开展隐患自查。", ["enterprise"]),
        # 各县区 are counties, not townships; a 各 before a list distributes over it.
        ("各县区要开展隐患排查。", []),
        ("各县区、乡镇、部门要开展隐患排查。", ["township", "department"]),
        ("各县区和市直部门要开展执法检查。", ["department"]),
        ("各镇要对企业开展安全检查。", ["township"]),
        ("各地要开展隐患排查。", ["township"]),
    ],
)
def test_groups_name_who_is_ordered(sentence, groups):
    assert one(sentence).unit_groups == groups


def test_units_of_a_township_kind_are_units_not_groups():
    d = one("各乡镇、街道以及开发区要开展隐患排查。")
    assert d.units == ["经济开发区管委会"] and d.unit_groups == ["township"]


# --- Generic orders, outcomes and commitments ------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "我们要扎实做好今年汛期的各项工作。",  # generic follow-through
        "要坚决完成今年确定的各项任务。",
        "各镇要围绕“平安创建”活动，抓好安全生产工作。",
        "要确保全县安全生产形势持续稳定好转。",  # an outcome only
        "要强化举措，巩固完善。",  # weak acts with no object in their clause
        "工作要推进，短板要补齐。",
        "各项工作要有部署、有检查、有考核。",  # a list of qualities
        "要把各项创建工作与日常管理有机结合。",  # 创建 names a field of work
        "要在创建中提升，在检查中完善。",  # a verb inside 在…中 is the setting
        "要全面加强和改进对园区工作的领导。",
        "要加强社会监督，形成全民参与的氛围。",  # oversight by the public
    ],
)
def test_generic_orders_outcomes_and_slogans_are_not_directives(sentence):
    assert texts(sentence) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "各镇要抓好安全生产工作，本月开展一次消防检查。",  # a concrete step next to the generic
        "明年，县政府将对各乡镇实行安全生产目标考核。",  # a commitment of the government
        "这次活动既是要求我们深入开展隐患排查，也要求我们落实各级安全责任。",
        "县安委办要定期到各乡镇督查工作推进情况。",  # 督查 after a comma is a verb
        "突出抓好矿山和学校等重点场所的安全工作，解决存在的突出问题。",  # problems to solve
        "要强化隐患治理，巩固整治成果。",
        "要严格落实“五个到位”工作要求。",  # a named rule in quotes is an object
        "要切实履行属地监管职责。",  # 履行 a named duty
        "各企业要采用先进适用的安全设备。",
        "要把监管网络延伸到每个村组。",
        "要做好春运期间的道路交通安全生产工作。",  # a field of the safety work
        "各镇要落实工作责任制，明确专人负责。",  # 落实工作责任制 is not the bare work
    ],
)
def test_concrete_orders_stay_directives(sentence):
    assert len(texts(sentence)) == 1


def test_a_stray_ascii_semicolon_joins_while_the_chinese_one_enumerates():
    assert len(texts("各镇要开展隐患排查;各部门要开展执法检查。")) == 1
    assert len(texts("各镇要开展隐患排查；各部门要开展执法检查。")) == 2
    # A speech typed with ASCII punctuation enumerates with ";".
    assert len(texts("各镇要开展隐患排查,加强巡查;各部门要开展执法检查,严厉查处。")) == 2


@pytest.mark.parametrize(
    ("topic", "orders"),
    [
        ("一要落实属地管理责任", True),
        ("二要加强日常监督检查", True),
        ("三要推进小微企业标准化建设", True),
        ("⑵完善专项预案编制", True),
        ("⑶组织应急疏散演练", True),
        ("一要增强主体责任意识", False),  # attitude
        ("二要加大安全投入力度", False),  # degree
        ("三要加强监管队伍建设", False),
        ("⑴消防安全", False),  # a bare field
    ],
)
def test_a_short_topic_phrase_counts_only_with_a_checkable_act(topic, orders):
    found = texts(f"各镇要开展隐患排查。{topic}。大家要警钟长鸣。")
    assert (f"{topic}。" in found) is orders
    # Followed by an order, it opens that order whatever it says.
    found = texts(f"各镇要开展隐患排查。{topic}。各企业要开展隐患自查。")
    assert f"{topic}。各企业要开展隐患自查。" in found


def test_a_shi_topic_phrase_orders_nothing_alone_but_opens_the_order_after_it():
    assert texts("二是要建立隐患排查制度。各镇要每月上报排查台账。") == [
        "二是要建立隐患排查制度。各镇要每月上报排查台账。"
    ]
    assert texts("二是要建立隐患排查制度。大家要警钟长鸣。") == []


def test_a_topic_phrase_that_carries_out_a_named_responsibility_is_a_directive():
    found = texts("一要落实属地责任。大家要警钟长鸣。二要强化责任意识。大家要警钟长鸣。")
    assert found == ["一要落实属地责任。"]


# --- Deadlines -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("本月底前", date(2024, 3, 31)),
        ("本月内", date(2024, 3, 31)),
        ("下月底前", date(2024, 4, 30)),
        ("年内", date(2024, 12, 31)),
        ("年底前", date(2024, 12, 31)),
        ("今年底前", date(2024, 12, 31)),
        ("年终前", date(2024, 12, 31)),  # 年终 is read as 年底
        ("上半年", date(2024, 6, 30)),
        ("一季度", date(2024, 3, 31)),
        ("第二季度", date(2024, 6, 30)),
        ("三季度", date(2024, 9, 30)),
        ("5月底前", date(2024, 5, 31)),
        ("五月底前", date(2024, 5, 31)),
        ("2月底前", date(2025, 2, 28)),
        ("4月上旬", date(2024, 4, 10)),
        ("4月中旬", date(2024, 4, 20)),
        ("4月下旬", date(2024, 4, 30)),
        ("6月15日前", date(2024, 6, 15)),
        ("3月1日前", date(2025, 3, 1)),
        ("春节前", date(2025, 1, 28)),
        ("元旦前", date(2024, 12, 31)),
        ("“五一”前", date(2024, 4, 30)),
        ("五一节前", date(2024, 4, 30)),
        ("国庆前", date(2024, 9, 30)),
        ("“十一”前", date(2024, 9, 30)),
        ("汛期前", date(2024, 5, 31)),
        ("主汛期前", date(2024, 5, 31)),
        ("30天内", date(2024, 4, 15)),
        ("15日内", date(2024, 3, 31)),
        ("三个月内", date(2024, 6, 16)),
    ],
)
def test_deadline_phrases_resolve_against_the_speech_date(phrase, expected):
    d = one(f"各镇要在{phrase}完成隐患排查整改。")
    assert d.deadline == expected
    assert d.deadline_phrase.startswith(phrase.strip("“”")[:2]) or phrase in d.deadline_phrase
    assert d.immediate is False


def test_last_years_months_are_not_deadlines():
    assert find_deadline("去年12月底告一段落", D).deadline is None
    assert find_deadline("2025年1月底前完成", D).deadline == date(2025, 1, 31)


def test_a_bare_this_year_is_a_deadline_only_with_a_completion_verb():
    assert find_deadline("今年必须完成全部监控联网", D).deadline == date(2024, 12, 31)
    assert find_deadline("今年，县政府将对各镇实行考核", D).deadline is None
    assert find_deadline("今年要开展两次检查", D).deadline is None


def test_spring_festival_before_this_years_festival_is_this_years():
    assert find_deadline("春节前完成", date(2024, 1, 5)).deadline == date(2024, 2, 9)


def test_the_spring_festival_table_covers_2000_to_2040_in_january_or_february():
    assert set(SPRING_FESTIVAL) == set(range(2000, 2041))
    assert all(d.month in (1, 2) and d.year == y for y, d in SPRING_FESTIVAL.items())


@pytest.mark.parametrize("word", ["立即", "马上", "会后", "今天会议后", "会议结束后", "即日起"])
def test_immediate_words_make_the_order_due_on_the_speech_date(word):
    d = one(f"{word}，各镇要组织开展隐患排查。")
    assert d.immediate is True and d.deadline == D


def test_without_a_speech_date_the_phrase_is_kept_but_no_date_is_guessed():
    d = one("各镇要在本月底前完成隐患排查。", speech_date=None)
    assert d.deadline is None and d.deadline_phrase == "本月底前"


def test_a_sentence_without_a_deadline_has_none():
    d = one("各镇要开展隐患排查。")
    assert (d.deadline, d.deadline_phrase, d.immediate) == (None, "", False)


# --- Targets -------------------------------------------------------------------------------


def test_a_counted_target_is_read_with_its_measure_word():
    d = one("同时，年内再完成40家小微企业的标准化创建工作。")
    assert (d.target_quantity, d.target_unit) == (Decimal(40), "家")
    assert d.deadline == date(2024, 12, 31)


@pytest.mark.parametrize(
    ("sentence", "target"),
    [
        ("要组织培训500人次，提高从业人员技能。", (Decimal(500), "人次")),
        ("年内要新建三所应急避难场所。", (Decimal(3), "所")),
        ("要完成12处重大隐患的整改销号。", (Decimal(12), "处")),
    ],
)
def test_targets_take_every_measure_word_of_the_spec(sentence, target):
    d = one(sentence)
    assert (d.target_quantity, d.target_unit) == target


@pytest.mark.parametrize(
    "sentence",
    [
        "要加强培训考核，力争持证上岗率达到100%。",
        "要安排373万元投入专项整治。",
        "要实行24小时值班制度。",
        "对一次死亡3人以上事故要挂牌督办。",
    ],
)
def test_percentages_money_durations_and_thresholds_are_not_targets(sentence):
    assert one(sentence).target_quantity is None


# --- Traditional characters ----------------------------------------------------------------


def test_traditional_input_is_matched_as_simplified_and_offsets_stay_in_the_original():
    text = "同志們：\n各鎮要對轄區生產經營場所開展拉網式隱患排查，本月底前完成。"
    d = one(text)
    assert d.text == "各鎮要對轄區生產經營場所開展拉網式隱患排查，本月底前完成。"
    assert text[d.start : d.end] == d.text
    assert d.unit_groups == ["township"]
    assert d.themes[0] == "隐患排查治理"
    assert d.deadline == date(2024, 3, 31)


def test_full_width_digits_are_read_as_numbers():
    d = one("年內要再完成４０家企業標準化創建。")
    assert (d.target_quantity, d.target_unit) == (Decimal(40), "家")


# --- Scale ---------------------------------------------------------------------------------


def test_five_megabytes_of_speech_are_processed_in_one_pass():
    block = (
        "一、全面开展隐患排查\n"
        "各镇要对辖区生产经营场所开展拉网式排查，本月底前完成。安全生产责任重于泰山。\n"
        "（一）强化执法。县安监局、公安、消防等部门要加大执法检查力度；各企业要建立隐患台账。\n"
    )
    repeat = 5 * 1024 * 1024 // len(block.encode("utf-8")) + 1
    text = block * repeat
    found = extract_directives(text, speech_date=D, units=UNITS)
    assert len(found) == 3 * repeat
    assert found[-1].text == "各企业要建立隐患台账。"
    assert text[found[-1].start : found[-1].end] == found[-1].text
