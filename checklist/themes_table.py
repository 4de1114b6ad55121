"""Theme keyword table: which 工作领域 a directive belongs to.

Each theme lists (keyword, weight). A sentence's score for a theme is the sum of the weights of
its keywords found in the sentence (each keyword counted once), plus a fraction of the score of
the headings it stands under, so that "要仔细、再仔细" under "（六）狠抓消防安全工作" is still 消防安全.
The main theme is the highest score; ties go to the theme listed first below, which puts the
industry themes (a sector with its own theme) before the general ones (专项整治, 执法监察,
责任落实), as the labelling spec does for 消防安全专项整治. Themes scoring at least half the main
score follow it. Nothing found: 其他. Schools, technology and industries without a theme of
their own (煤矿, 特种设备 …, unless the sentence orders a campaign) score for 其他 itself.
Words of a failing ("执法不严") do not count: they name the case, not the work ordered.

Weights: 5 for words that name the theme outright (烟花爆竹, 网格化, 标准化创建), 3 for the core
vocabulary of the theme, 2 for words that lean towards it, 1 for weak hints.
"""

import re
from functools import lru_cache

OTHER = "其他"

THEME_KEYWORDS: dict[str, tuple[tuple[str, int], ...]] = {
    "烟花爆竹": (("烟花爆竹", 5), ("焰火", 4), ("礼花", 4), ("鞭炮", 4), ("燃放", 2), ("火工品", 2)),
    "危化品": (
        ("危险化学品", 5), ("危化", 5), ("化学品", 4), ("化工", 3), ("涉氨", 3), ("罐区", 3),
        ("油气管道", 3), ("城镇燃气", 3), ("燃气", 2), ("液化气", 2), ("煤气", 2), ("两重点一重大", 4),
    ),
    "道路交通": (
        ("道路交通", 5), ("交通安全", 4), ("春运", 4), ("交通运输", 3), ("交通秩序", 3), ("客运", 3),
        ("车辆", 2), ("超速", 3), ("超员", 3), ("超载", 3), ("疲劳驾驶", 3), ("路段", 2),
        ("运输企业", 3), ("水上交通", 3), ("渔船", 2), ("交通", 2), ("交警", 1),
    ),
    "建筑施工": (
        ("建筑施工", 5), ("施工", 3), ("工地", 4), ("脚手架", 4), ("塔吊", 4), ("起重", 3),
        ("高处坠落", 4), ("坍塌", 3), ("工程项目", 2), ("棚改", 2), ("建筑", 1),
    ),
    "消防安全": (
        ("消防", 4), ("火灾", 4), ("防火", 3), ("灭火", 3), ("三合一", 3), ("多合一", 3),
        ("出租房", 2), ("群租房", 2), ("人员密集场所", 2), ("公众聚集场所", 2), ("易燃", 2),
        ("电器线路", 2), ("电气线路", 2), ("逃生", 2), ("消防通道", 2), ("疏散", 2), ("火", 1),
        ("森林防火", 5), ("防灭火", 4),
    ),
    "网格化监管": (("网格化", 5), ("网格", 4), ("网格员", 5), ("四级监管", 3), ("全覆盖", 1), ("管理网络", 2),
        ("监管网络", 3)),
    "安全生产标准化创建": (
        ("标准化创建", 6), ("标准化", 4), ("达标", 3), ("本质安全型", 2), ("标杆", 2),
        ("安全社区", 2), ("双基", 1),
    ),
    "打非治违": (
        ("打非治违", 6), ("打非", 5), ("非法违法", 4), ("非法生产", 4), ("违法违规", 3),
        ("取缔", 3), ("关闭", 2), ("违法", 2), ("非法", 2), ("违规", 1), ("黑名单", 2), ("三违", 2),
    ),
    "隐患排查治理": (
        ("隐患排查", 5), ("排查整治", 4), ("排查", 3), ("隐患", 3), ("整改", 3), ("挂牌督办", 3),
        ("销号", 3), ("拉网式", 3), ("大检查", 2), ("摸排", 2), ("回头看", 2), ("危险源", 2),
        ("台账", 1), ("台帐", 1), ("风险", 1),
    ),
    "应急救援": (
        ("应急救援", 5), ("应急", 3), ("救援", 3), ("预案", 3), ("演练", 3), ("值班", 3),
        ("应急处置", 4), ("事故信息报告", 3), ("撤离", 3), ("撤人", 3), ("物资储备", 2), ("防汛", 3),
        ("汛期", 2), ("强降雨", 3), ("降雨", 2), ("洪水", 3), ("防洪", 3), ("抢险", 3), ("地质灾害", 3),
        ("预警", 2), ("内涝", 3), ("度汛", 3), ("水库", 2),
    ),
    "宣传教育培训": (
        ("宣传教育", 5), ("教育培训", 5), ("培训", 4), ("宣传", 4), ("普法", 4), ("警示教育", 4),
        ("持证上岗", 3), ("安全文化", 3), ("安全知识", 3), ("安全生产月", 2), ("安全意识", 1),
        ("教育", 2), ("曝光", 1), ("舆论", 2),
    ),
    "执法监察": (
        ("执法监察", 5), ("联合执法", 5), ("监督检查", 3), ("执法", 4), ("监察", 3), ("查处", 3), ("处罚", 3),
        ("暗查暗访", 4), ("四不两直", 4), ("明察暗访", 4), ("打击", 2), ("监管", 1), ("检查", 1),
        ("巡查", 2), ("督查", 1), ("停产", 2), ("查封", 3), ("停电", 2), ("曝光", 2), ("惩处", 2),
    ),
    "专项整治": (
        ("专项整治", 5), ("专项治理", 5), ("专项行动", 4), ("集中整治", 4), ("综合整治", 3),
        ("整治", 2), ("治理", 1), ("煤矿", 2), ("非煤矿山", 2), ("非煤", 2), ("矿山", 2), ("特种设备", 2),
        ("职业健康", 2), ("工贸", 2), ("气瓶", 2), ("劳动密集型", 2), ("大快严", 3), ("十打十治", 4),
        ("食品药品", 2), ("食品安全", 2), ("渔业", 2),
    ),
    "考核问责": (
        ("一票否决", 6), ("考核", 4), ("问责", 4), ("追责", 4), ("责任追究", 4), ("追究", 3),
        ("倒查", 3), ("奖惩", 3), ("事故查处", 3), ("通报批评", 4), ("通报", 2), ("处分", 3), ("绩效", 2),
        ("四不放过", 3), ("严肃查处", 1),
    ),
    "责任落实": (
        ("党政同责", 6), ("一岗双责", 6), ("主体责任", 5), ("责任制", 4), ("责任书", 4),
        ("第一责任人", 4), ("属地管理", 4), ("监管责任", 4), ("三个必须", 4), ("管行业必须管安全", 4),
        # 责任人 names a person (落实责任人, 明确责任人), a weaker hint than 责任 itself.
        ("责任", 2), ("责任人", 1), ("分工", 1), ("一把手", 2), ("负总责", 3), ("领导责任", 3), ("队伍", 1),
        ("配足", 1), ("机构", 1),
    ),
}  # fmt: skip

THEME_ORDER = tuple(THEME_KEYWORDS) + (OTHER,)

# Work with no theme of its own: schools and technology get 其他 (labelling spec).
OTHER_KEYWORDS: tuple[tuple[str, int], ...] = (
    ("学校", 2), ("校园", 2), ("科技", 2), ("新技术", 1), ("新工艺", 1),
)  # fmt: skip
# Industries without a theme of their own (煤矿, 非煤矿山, 特种设备, 职业健康 …) are 专项整治 only
# when the sentence orders a campaign or rectification; otherwise they count for 其他.
INDUSTRIES_WITHOUT_THEME = frozenset(
    (
        "煤矿",
        "非煤矿山",
        "非煤",
        "矿山",
        "特种设备",
        "职业健康",
        "工贸",
        "气瓶",
        "食品药品",
        "食品安全",
        "渔业",
    )
)
_CAMPAIGN_RE = re.compile(r"整治|治理|整顿|专项|行动|攻坚|打击|排查")

# One alternation of every keyword, longest first, so one scan finds them all.
_ALL = sorted(
    {kw for table in (*THEME_KEYWORDS.values(), OTHER_KEYWORDS) for kw, _ in table},
    key=len,
    reverse=True,
)
# Keywords that are also the tail of another word: 化工 inside 强化工作/细化工作 is the verb
# suffix 化 before 工作, not the chemical industry.
_KEYWORD_GUARDS = {"化工": r"(?<![强深细优量范固转净绿美亮活])"}
_KEYWORD_RE = re.compile("|".join(_KEYWORD_GUARDS.get(kw, "") + re.escape(kw) for kw in _ALL))
_KEYWORD_THEMES: dict[str, list[tuple[str, int]]] = {}
for _theme, _table in THEME_KEYWORDS.items():
    for _kw, _weight in _table:
        _KEYWORD_THEMES.setdefault(_kw, []).append((_theme, _weight))
for _kw, _weight in OTHER_KEYWORDS:
    _KEYWORD_THEMES.setdefault(_kw, []).append((OTHER, _weight))

# Heading context weighs less than the sentence's own words.
HEADING_WEIGHT = 0.6


def theme_scores(text: str) -> dict[str, float]:
    """Score per theme; each keyword counts once. The scan takes the longest keyword at each
    place, so a compound (隐患排查) scores as itself, not also as its parts."""
    scores: dict[str, float] = {}
    campaign = None
    for kw in set(_KEYWORD_RE.findall(text)):
        for theme, weight in _KEYWORD_THEMES[kw]:
            if kw in INDUSTRIES_WITHOUT_THEME:
                if campaign is None:
                    campaign = bool(_CAMPAIGN_RE.search(text))
                theme = theme if campaign else OTHER
            scores[theme] = scores.get(theme, 0) + weight
    return scores


@lru_cache(maxsize=4096)
def _heading_scores(heading: str) -> tuple[tuple[str, float], ...]:
    return tuple(theme_scores(heading).items())


# A field named as a failing ("执法不严", "监管不力", "责任不落实") is the case the order deals
# with (usually accountability), not the work it orders; its words do not count.
_FAILING_RE = re.compile(r"[\u4e00-\u9fff]{2,4}?(?=不严|不力|不到位|不落实|不规范)")


def classify_themes(text: str, headings: tuple[str, ...] = ()) -> list[str]:
    """Main theme first, then the themes scoring at least half of it; ["其他"] when nothing fits."""
    scores = theme_scores(_FAILING_RE.sub(lambda m: " " * len(m.group()), text))
    # The nearest heading counts most; each level further up counts half as much again.
    factor = HEADING_WEIGHT
    for heading in reversed(headings):
        for theme, score in _heading_scores(heading):
            scores[theme] = scores.get(theme, 0) + score * factor
        factor /= 2
    if not scores:
        return [OTHER]
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], THEME_ORDER.index(kv[0])))
    best = ranked[0][1]
    if best < 2:
        return [OTHER]
    return [theme for theme, score in ranked[:3] if score >= best / 2]
