"""Pure text arithmetic of the speech review: short titles, span trimming, split points, and
the speech cut into highlighted pieces. No database."""

import pytest

from checklist.spans import pieces, split_points, trim
from checklist.titles import TITLE_MAX, derive_title


@pytest.mark.parametrize(
    ("text", "title"),
    [
        (
            "各镇要对辖区生产经营场所开展拉网式排查，本月底前完成。",
            "对辖区生产经营场所开展拉网式排查",
        ),
        ("一要强化主体责任意识。", "强化主体责任意识"),
        ("第一，必须严格落实企业主体责任，确保安全投入。", "严格落实企业主体责任"),
        ("（三）要全面开展隐患排查治理", "全面开展隐患排查治理"),
        ("二是严禁无证生产。", "严禁无证生产"),
        ("年内再完成40家小微企业标准化创建。", "年内再完成40家小微企业标准化创建"),
        ("要抓好。", "要抓好"),  # too little after 要: the whole clause
        ("县安监局务必在3月底前完成检查；", "完成检查"),
    ],
)
def test_a_title_is_the_clause_after_the_ordering_word(text, title):
    assert derive_title(text) == title


def test_a_long_title_is_cut_to_the_limit_with_an_ellipsis():
    title = derive_title("各镇要" + "开展排查" * 30 + "。")
    assert len(title) == TITLE_MAX and title.endswith("…")


def test_trimming_drops_surrounding_white_space_only():
    text = "  \n各镇要排查。\u3000 "
    assert text[slice(*trim(text, 0, len(text)))] == "各镇要排查。"
    assert trim(text, 0, 3) == (3, 3)


def test_split_points_follow_sentence_clause_and_comma_ends_but_never_the_span_end():
    text = "各镇要排查，本月底前完成。各部门要配合；企业要整改。"
    points = split_points(text, 0, len(text))
    assert [(p.offset, p.strong) for p in points] == [(6, False), (13, True), (20, True)]
    assert points[1].before.endswith("本月底前完成。")


def test_pieces_cover_the_text_once_even_with_overlapping_or_stray_spans():
    text = "甲乙丙丁戊己庚辛"
    cut = pieces(text, [(2, 4, "b"), (0, 1, "a"), (3, 6, "c"), (7, 99, "d"), (5, 5, "e")])
    assert "".join(p.text for p in cut) == text
    assert [(p.text, p.key) for p in cut] == [
        ("甲", "a"),
        ("乙", None),
        ("丙丁", "b"),
        ("戊己", "c"),
        ("庚", None),
        ("辛", "d"),
    ]


def test_the_title_comes_from_the_first_clause_that_orders_something():
    assert derive_title("对此，我们必须下定决心，增强信心。") == "下定决心"
    assert derive_title("同时，要大力培育企业安全文化。") == "大力培育企业安全文化"
    assert derive_title("这说明，安全事故是可防可控的。") == "这说明"


def test_a_clause_that_opens_with_its_action_is_the_title_as_it_is():
    text = "严格生产经营单位的市场准入，对获准生产经营单位要公开公示。"
    assert derive_title(text) == "严格生产经营单位的市场准入"


def test_words_like_yaoqiu_are_not_taken_for_the_modal_yao():
    text = "针对排查发现的隐患，对症下药，依法严格要求责任主体限期整改。"
    assert derive_title(text) == "依法严格要求责任主体限期整改"
    assert derive_title("各镇要求企业主要负责人要签订承诺书。") == "签订承诺书"


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("各镇要在6月底前完成隐患整改。", "完成隐患整改"),
        ("各部门要立即开展“打非治违”专项行动。", "开展“打非治违”专项行动"),
        ("立即组织对辖区企业开展拉网式排查。", "组织对辖区企业开展拉网式排查"),
        ("会后马上传达会议精神，层层落实责任。", "传达会议精神"),
        ("各镇务必于9月30日前报送排查台账。", "报送排查台账"),
        ("要在年底之前全面完成整改销号。", "全面完成整改销号"),
        ("要在确保安全前提下有序推进复工复产。", "在确保安全前提下有序推进复工复产"),
    ],
)
def test_a_title_is_the_act_without_the_time_words_that_open_it(text, title):
    assert derive_title(text) == title


def test_the_deadline_phrase_is_left_out_of_the_title_wherever_it_stands():
    text = "各镇要对辖区企业开展拉网式排查，本月底前完成。"
    assert derive_title("各镇要本月底前完成40家企业标准化创建。", deadline_phrase="本月底前") == (
        "完成40家企业标准化创建"
    )
    assert derive_title("各镇要完成40家企业标准化创建6月底前。", deadline_phrase="6月底前") == (
        "完成40家企业标准化创建"
    )
    assert derive_title(text, deadline_phrase="本月底前") == "对辖区企业开展拉网式排查"
