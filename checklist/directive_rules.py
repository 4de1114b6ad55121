"""The rules that decide whether a sentence is a directive (部署要求). The tables ARE the rules.

A sentence (or a "；"-clause of an enumeration) is a directive when it has
  - an ORDER: a modal or imperative word (要, 必须, 务必, 确保, 严禁 …), or it opens with an
    imperative verb (加强…, 推行…, 开展…) once enumeration markers and connectives are set aside;
  - an ACTION that can later be checked (排查, 整改, 建立, 制定, 开展, 培训, 配备, 打击 …);
and is none of the excluded kinds: praise and thanks, past results and statistics, questions,
and exhortations about attitude or awareness whose only "action" is the attitude itself
(充分认识…, 牢固树立…理念, 增强信心). Words inside quotation marks are slogans and names
("管行业必须管安全"), so they never supply the order. Before looking for the act, the
generic follow-through (扎实做好…各项工作, 抓好安全生产工作), outcomes (确保…取得实效), lists of
qualities (有部署、有检查), act words used as the name of a field (各项创建工作) and settings
(在创建中) are set aside. A general act (加强, 推进, 落实 …) needs a concrete object after it in
its own clause. What the government or the speaker says it will do (县政府将…考核) is an order.

A topic phrase at the start of a paragraph (第一，…。 / 一是…。 / （一）…。) only names the topic
and is never a directive; "一要…。" / "⑴…。" is one only with a STRONG action (a concrete,
checkable act: 排查, 整治, 打击, 落实…责任 …, not 加强, 推进 alone).

All matching is on the matching text (simplified, Chinese punctuation; see speech_text).
"""

import re
from dataclasses import dataclass

from checklist.themes_table import OTHER, theme_scores

# 要 as a modal: not inside 重要/主要/需要/只要/必要/首要/纪要/提要 …, nor 要求/要素/要点/要害 ….
# 只要 is a condition ("只要…就…"), 需要 a need, not an order; "X就是要Y" defines X.
_YAO = r"(?<!就是)(?<![重主需只紧必首摘纪提概简扼纲想])要(?![求素点害件闻务领员道])"

ORDER_WORDS = (
    _YAO, "必须", "务必", "坚决", "严格(?!的)", "(?<![是的为])确保", "一律", "立即", "马上", "抓好", "抓紧",
    "切实", "尽快", "迅速", "全面开展", "认真开展", "深入开展", "进一步", "严禁", "不得",
    "禁止", "着力", "狠抓", "应当", "限期", "责令", "严防", "杜绝", "由[^，。；]{1,40}牵头",
    # What the government or the speaker announces it will do is a commitment the office checks
    # ("县政府将对…实行考核", "我将亲自督办").
    "(?:政府|党委|安委会|安委办|我们|我)将", "我(?:省|市|县|区|镇|乡)将", "下一步，[^，。；]{0,10}将",
    # A plan's sentence that opens with its deadline orders by it ("年内，…培育一级企业3家").
    "^(?:今年底前|年底前|年内|本月底前|\\d{1,2}月(?:底|\\d{1,2}日)?前)，",
    # "既是要求我们…, 也要求我们…": a requirement laid on the audience.
    "要求(?:我们|大家|各级)",
)  # fmt: skip
ORDER_RE = re.compile("|".join(ORDER_WORDS))
# 落实 is not among them: "整改落实不到位" describes a problem far more often than it orders.
# The words that still make an order in a sentence that also reports the past or a problem.
EXPLICIT_ORDER_RE = re.compile(_YAO + r"|必须|务必|一定|请|严禁|不得")

# Concrete acts: doing one of these can be checked later.
STRONG_ACTIONS = (
    "排查", "整治", "整改", "检查", "建立", "制定", "制订", "开展", "完成", "培训", "配备", "配足",
    "配强", "创建", "打击", "关闭", "取缔", "上报", "报送", "督查", "督办", "查处", "处罚", "惩处",
    "追究", "问责", "签订", "成立", "设立", "组建", "拆除", "清理", "停产", "停业", "整顿", "验收",
    "巡查", "暗访", "曝光", "演练", "储备", "调换", "聘请", "登记", "备案", "建档", "台账", "台帐",
    "值班", "编制", "挂牌", "撤离", "撤人", "淘汰", "普查", "摸排", "摸清", "分解", "纳入", "列入",
    "查封", "扣押", "吊销", "移送", "公示", "追责", "处分", "处理(?!好)", "安装", "更换", "维修", "保养", "签字", "牵头", "通报",
    "考核", "执法", "监控", "审批", "停电", "停止", "实施", "实行", "推行", "报告",
    "新建", "建成", "改造", "培育", "修订", "备足", "备齐", "储备", "启动[^，。；]{0,8}响应",
    # Carrying out a named responsibility is checkable (切实履行监管责任, 落实…安全责任).
    "(?:履行|落实|承担|扛起|压实|压紧|夯实|抓实)[^，。；]{0,10}(?:责任|职责)(?!意识|链条|心|感)",
)  # fmt: skip
# Acts that are real but general; enough for an ordinary sentence, not for a topic phrase.
WEAK_ACTIONS = (
    "加强", "加大", "强化", "推进", "推动", "完善", "健全", "规范", "整合", "督促", "宣传", "教育",
    "治理", "管控", "防范", "监管", "细化", "落实", "责任到人", "做好", "搞好", "抓好",
    "召集", "研究部署", "推出", "执行",
    "跟踪", "引导", "评估", "普及", "划分", "建设", "提升", "提高",
    # Real acts whose weight lies in their object: 消除隐患 yes, 消除薄弱环节 no; 解决…问题.
    "消除", "解决", "采用", "打造",
    # 抓 X: taking charge of a named field (突出抓煤矿…等重点行业的安全工作); 抓住 is grasping.
    "抓(?![住])",
)  # fmt: skip
STRONG_RE = re.compile("|".join(STRONG_ACTIONS))
# What a topic phrase must order to count as a directive: the most concrete acts only
# ("一要抓好隐患排查" yes; "一是要严格认真执法", "二是要严肃责任追究" name topics).
TOPIC_ACTIONS_RE = re.compile(
    r"排查|整治|整改|检查|建立|制定|制订|开展|完成|培训|配备|创建|打击|关闭|取缔|上报|督查|成立|"
    r"设立|签订|验收|演练|编制|修订|"
    # Carrying out a named responsibility (一要落实领导责任) and standardisation (推进…标准化建设)
    # are checkable; an attitude towards responsibility (强化主体责任意识) is not.
    r"(?:落实|履行)[^，。；]{0,8}(?:责任|职责)(?!意识)|标准化"
)
# A prohibition is its own checkable act: 严禁在居民区内设置烟花爆竹零售点.
PROHIBITION_RE = re.compile(r"严禁|禁止|不得")
ACTION_RE = re.compile("|".join(STRONG_ACTIONS + WEAK_ACTIONS))

# Verbs an imperative sentence opens with when it has no modal word (推行网格化管理，…).
IMPERATIVE_START_RE = re.compile(
    r"(?:加强|加大|强化|推进|推行|推动|完善|建立|健全|落实|开展|深化|组织|督促|抓好|抓紧|抓|突出|"
    r"坚持|实行|实施|整合|引导|制定|制订|规范|严查|严肃|严厉|加快|做好|搞好|提高|提升|聘请|配备|配足|"
    r"设立|成立|排查|整治|整改|检查|查处|打击|取缔|关闭|创建|开设|设置|普查|摸清|分解|确保|严禁|禁止|完成|"
    # The openings of the orders of a meeting report or a task list (做到…, 聚焦…, 紧盯…).
    r"做到|聚焦|紧盯|盯紧|重点关注|统筹协调|发挥|严格执行|严格落实|压实|压紧|夯实|抓实|备足|备齐|修订|"
    r"充分(?:运用|利用|发挥)|集中(?:开展|进行|整治)|广泛(?:宣传|开展)|"
    r"把|将)"
)
# Set aside before looking for that opening verb.
_LEADING = re.compile(
    r"^(?:[一二三四五六七八九十]+(?:是|要)|（[一二三四五六七八九十\d]+）|[⑴-⒇①-⑳]|\d{1,2}[、.]|"
    r"第[一二三四五六七八九十]+[，、]|首先[，]?|其次[，]?|再次[，]?|最后[，]?|"
    r"同时[，]?|此外[，]?|另外[，]?|特别是|尤其是|当前[，]?|今年[，]?|下一步[，]?|下来[，]?|"
    r"为此[，]?|对此[，]?|因此[，]?|所以[，]?|(?:今)?年内|年底前|本月(?:底前|内)|近期|再|重点|"
    r"从今天(?:开始|起)[^，。；]{0,8}[，]?|在全(?:市|县|区|镇|乡)|彻底|进一步|切实|全面|认真|继续|大力|积极|着力|坚决|"
    r"严格|深入|扎实|及时|依法|全力|努力|逐步|尽快|要|还要|也要|都要|必须|务必)+"
)

# Attitude and awareness: these phrases are blanked out before looking for an action, so
# "要牢固树立安全发展理念" has none left while "必须高度重视，全力消除隐患" still has 消除.
AWARENESS_RE = re.compile(
    r"(?:一定要|必须|务必|都要|也要|要)?(?:"
    r"充分(?:领会|认识)[^，。；]{0,30}|清醒(?:地)?(?:看到|认识)[^，。；]{0,30}|认识到[^，。；]{0,30}|"
    r"牢固树立[^，。；]{0,30}|树立[^，。；]{0,16}(?:理念|意识|观念|思想|政绩观)|"
    r"(?:增强|强化|提高)[^，。；]{0,12}(?:信心|意识|紧迫感|责任感|观念|认识|自觉性|警觉)"
    r"(?:和[^，。；]{0,4}(?:感|意识|心))?|"
    r"提高认识|统一思想[^，。；]{0,8}|认清形势|高度重视|引起[^，。；]{0,4}重视|绷紧[^，。；]{0,12}|"
    r"警钟长鸣|保持清醒[^，。；]{0,8}|克服[^，。；]{0,10}(?:思想|情绪|心理|倾向)|坚定[^，。；]{0,6}信心|"
    r"(?:深刻)?(?:吸取|汲取)[^，。；]{0,20}教训|居安思危|如履薄冰|如临深渊|思想准备|振奋精神|"
    r"贯彻落实[^，。；]{0,20}精神|学习[^，。；]{0,10}精神|举一反三|"
    # Statements of principle and generic follow-through, no act of their own.
    r"建立在[^。；]{0,60}基础上|落实到实处|落到实处|落实到[^，。；]{0,4}(?:工作|行动)中|抓好落实|狠抓落实|抓落实|贯彻落实|认真落实|"
    r"真抓实干|抓出成效|取得实效|见到实效|强化责任(?:落实|担当)|扛稳[^，。；]{0,4}责任|掀起[^，。；]{0,20}高潮)"
)

# Generic follow-through: doing "all the work" or "the safety work" well names no checkable
# step ("扎实做好…各项工作", "抓好安全生产工作", "推进各项工作"). Blanked before looking for an
# act, so such a sentence needs a concrete step elsewhere. 各项工作任务 is a list of tasks to
# split up ("把各项工作任务逐项分解"), not the general work.
GENERIC_WORK_RE = re.compile(
    r"(?:做好|抓好|搞好|推进|落实|完成|抓)[^，。；]{0,30}?"
    r"(?:各项工作(?!任务)|各项[^，。；]{0,4}工作|各项任务|工作的落实)"
    # The bare safety work, not one of its fields ("做好春运道路交通安全生产工作" is one).
    r"|(?:做好|抓好|搞好|推进|推动|落实|抓)好?(?:今年|全年|当前)?的?(?:安全生产)?工作"
    r"(?!责任|机制|制度|方案|措施)"
    r"|各项工作(?!任务)[^，。；]{0,20}"
    r"|(?:狠抓|抓好|抓实|抓紧|抓细)[^，。；]{0,20}各项(?:安全)?(?:措施|举措)(?:的)?落实"
    r"|(?:抓实|抓牢|抓细)[^，。；]{0,12}(?:安全生产|安全)工作"
)
# Outcomes: "确保…取得实效/形势稳定", "创建有成果" state the result wanted, not the work.
OUTCOME_RE = re.compile(
    r"确保[^，。；]{0,40}?(?:效果|成效|实效|成果|平稳|稳定|好转)|[^，。；]{0,12}高质量发展"
    r"|[^，。；]{0,6}有(?:效果|成效|实效|成果)"
)
# A list of qualities the work must have ("要有布置、有检查、有落实") is a slogan: its 检查 is
# a noun, not an act.
QUALITIES_RE = re.compile(
    r"(?:有[^，。；、]{1,3}、){2,}有[^，。；、]{1,4}|(?:同[^，。；、]{1,3}、){2,}同[^，。；、]{1,4}"
)
# An act word that is a modifier of 工作/活动 names a field of work ("各项创建工作", "“…”创建
# 等工作", "把创建工作当成…"), not an act; such a sentence needs its own verb. After a comma
# it is still a verb ("，督查工作推进情况").
_NOUN_ACT_RE = re.compile(
    r"(?:(?<=各项)|(?<=[”的和及把]))(?:" + "|".join(STRONG_ACTIONS) + r")(?=等?(?:工作|活动))"
    r"|(?:" + "|".join(STRONG_ACTIONS) + r")(?=等(?:各项)?(?:工作|活动))"
)
# A verb inside "在…中" names the setting, not an act ("在创建中优化").
SETTING_RE = re.compile(r"在[^，。；]{1,6}(?:中|过程中)")
# Problems that are the object of solving them are not a description of problems.
SOLVED_PROBLEM_RE = re.compile(
    r"(?:解决|整改|消除|克服|纠正|整治)[^，。；]{0,20}(?:问题|隐患|不足)"
)

# Praise, thanks, rallying calls: never a directive.
PRAISE_RE = re.compile(
    r"感谢|敬意|祝贺|值得肯定|值得[^，。；]{0,12}(?:借鉴|推广|学习)|来之不易|表示衷心|^让我们|^同志们"
)

# Reports of the past, results and statistics. A sentence with one of these is a directive
# only if it still has an explicit order word (要, 必须 …) after setting it aside.
PAST_RE = re.compile(
    r"[取获]得了|实现了|开展了|建立了|完成了|作了|做了|出台了|下发了|签订了|提出了|发生了|通过了|"
    r"形成了|部署了|明确了|细化了|印发了|进行了|了(?:明显|显著|一定|较大|良好)|去年|过去的一年|"
    r"近年来|以来|近两年|已经|已有|已制定|已印发|成效显著|同比|比上年|下降了|"
    r"(?<![为除])了(?![解结])|"
    # What an inspection found and did on the spot, and figures up to a date.
    r"现场(?:下达|提出|督促|反馈)|截至|截止|累计|此次行动|未发现|(?:检查|督查|督导)组(?:重点|一行|先后|采取|通过)"
)
# A sentence of figures (检查企业8家，发现隐患32条，整改30条) reports results, whatever verbs it has.
STATS_RE = re.compile(r"\d+(?:\.\d+)?(?:家|个|条|处|项|份|起|人|次|万元)")

# A results report: a text that tells what a campaign did ("连日来，…开展…专项检查，共排查企业
# 31家，整改隐患14处") and gives no order anywhere. Its paragraphs open with phrases shaped like
# orders ("加强宣传。", "一是强化领导，明确责任。") and its sentences use the verbs of orders
# (开展, 严格落实, 建立 …) for work already done; like a section under a 成效 heading, only an
# explicit order counts in it. What follows its "下一步" is the plan, and is read as usual.
REPORT_SIGNAL_RE = re.compile(
    PAST_RE.pattern + r"|连日来|近日|日前|目前已|活动期间|行动期间|此次|本次|"
    r"共(?:计|检查|排查|出动|发放|发现|走访|培训|组织|开展|下达|下发)|"
    # A press report (本报讯, 通讯员) tells what happened.
    r"本报讯|通讯员"
)
# What makes a text more than a report: an explicit order word, a speaker's or meeting's
# requirement (会议强调，…), or a plan's task list.
ORDER_CUE_RE = re.compile(
    EXPLICIT_ORDER_RE.pattern
    # 要求 of a speaker, not a standard the work followed ("按照“全覆盖”的总体要求，").
    # A meeting's arrangements introduced by a colon (作出部署：狠抓…) order too.
    + r"|(?:强调|指出|(?<![的总体作])要求|提出)[，：]|(?:部署|安排|如下)：|责任单位|牵头单位|配合单位|工作要求"
    # A speaker's or office's demand quoted without a comma (他要求各企业…, 县应急局要求…).
    + r"|(?:会议|会上|他|她|长|记|任|志|局|办|委|府|，)要求"
)
NEXT_STEP_RE = re.compile(r"下一步|下阶段|接下来|今后(?:一个时期|一段时间)?[，]")


def report_end(text: str) -> int:
    """Where the results-report part of the text ends (its 下一步 or its end); 0 when the text
    is not a results report: two signs of reported work at least, and no sign of an order."""
    plain = _blank(text, _QUOTED)
    following = NEXT_STEP_RE.search(plain)
    end = following.start() if following else len(plain)
    part = plain[:end]
    # A 下一步 is itself a sign that what comes before it is done.
    signs = len(REPORT_SIGNAL_RE.findall(part)) + bool(following)
    if ORDER_CUE_RE.search(part) or signs < 2:
        return 0
    return end


# Descriptions of problems (…不到位, …薄弱, 尚未…): like the past, they need an explicit order.
PROBLEM_RE = re.compile(
    r"不到位|不够|不足|不深入|不落实|不重视|薄弱|缺乏|尚未|滞后|疏于|时有发生|较为普遍|屡有|"
    r"仍然|依然|严峻|突出问题|存在[^，。；]{0,12}(?:问题|现象|隐患|差距)"
)
# Statements of principle: what something is or means, even when they contain 要.
PRINCIPLE_RE = re.compile(
    # "既是要求我们…" lays a requirement on the audience: not a statement of what something is.
    r"既是(?!要求)|是一项|是一个|事关[^，。；]{0,16}(?:福祉|大局|全局|安全|幸福|稳定|千家万户|切身利益)|"
    r"容不得|来不得|马虎不得|(?:要害|根本|核心|重点)(?:就)?在于|"
    r"是[^，。；]{0,12}(?:生命线|第一道防线|头等大事|民生大事)|重于泰山|义不容辞|责无旁贷|关键在于|核心(?:就)?是|更需要|不可能一劳永逸|也是[^，。；]{0,20}(?:要求|方面|保障|关键|课题)|具有[^，。；]{0,8}意义|意义重大|"
    r"是[^，。；]{0,16}(?:有力手段|重要保障|重要前提|重要体现|重要标志|有效途径|根本途径|必然要求|"
    r"内在要求|新课题)"
)
# Introductions: a speaker announcing his points ("下面，我强调三点意见", "县长就汛期工作提出四点
# 要求，…") orders nothing by itself; the points that follow do.
INTRO_RE = re.compile(
    r"(?:提出|强调|讲|谈|提|说)(?:了|以下)?(?:[一二三四五六七八九十几两]|\d{1,2})(?:点|条|个方面)"
    r"(?:具体|工作)?(?:意见|要求|建议|看法|想法)?(?=[，：。；]|$)"
)
# Context: the time a speaker places the work in ("今年是…收官之年，我们也要…"). Orders laid on
# everyone in the same breath restate the context; an order to a named party still counts.
CONTEXT_RE = re.compile(
    r"^(?:[^，。；]{0,12})是[^，。；]{0,30}(?:之年|之际|关键期|攻坚期|关键时期|决胜期|关键节点|重要节点)，"
    r"(?:我们|大家|咱们|全(?:县|镇|乡|区|市)上下)?(?:也|更|还|都|就)?(?:要|必须|应当)"
)
# Work outside safety: a government speech or meeting report also orders economic and social
# work (稳定经济运行, 招商引资, 脱贫攻坚). A sentence about such work that names no safety matter
# at all (no theme keyword, no 安全/事故/隐患/应急 …) is not the 安委办's to track.
OFF_TOPIC_RE = re.compile(
    r"经济|城镇化|民生|脱贫|扶贫|招商|引资|产业|工业强|项目落户|乡村振兴|税收|财政|GDP|营商环境|"
    r"文明城市|卫生城市|疫情防控"
)
SAFETY_WORD_RE = re.compile(
    r"安全|事故|隐患|应急|危险|安监|安委|防范|监管|执法|防汛|汛|抢险|灾|预警|救援|消防|火"
)
# Meeting business: why the meeting is held, what was done at it.
MEETING_RE = re.compile(r"召开|主要目的|主要任务是|这次会议|本次会议|会议精神|会议要求")

# Oversight by the public or the press is a call to involve society: neither an object nor,
# through the word 舆论, a theme of its own.
PUBLIC_OVERSIGHT_RE = re.compile(r"(?:群众|舆论|社会)监督")

# A weak act needs a concrete object somewhere in the sentence ("加强检查" yes,
# "加强和改进对工业工作的领导" no); any keyword of the theme table counts as one too
# ("做好春运安全工作").
OBJECT_RE = re.compile(
    # Oversight by the public or the press (群众监督, 舆论监督) is a call to involve society, not
    # a supervision anyone can be checked on.
    r"隐患|制度|机制|体系|台账|台帐|方案|预案|队伍|人员|设施|设备|装备|投入|力度|执法|监管|"
    r"(?<!群众|舆论|社会)监督|"
    r"检查|培训|宣传|教育|整治|治理|标准化|网格|责任|措施|企业|场所|行业|领域|项目|车辆|工地|"
    r"预报|预警|监测|调度|值守|值班|物资|报道|"
    r"消防|安全管理|许可|审批|考核|督查|巡查|专项|行动|活动|"
    # A named rule in quotes: 落实“五个一”工作要求, 执行“三同时”制度.
    r"”[^，。；]{0,4}(?:要求|制度|规定|原则)"
)

# A 一、 heading of a section that reports results: only explicit orders count under it.
RESULTS_HEADING_RE = re.compile(r"成效|成绩|总体形势|形势稳定|总体平稳|回顾")

# Quoted words (slogans, names of campaigns) do not give orders.
_QUOTED = re.compile(r"“[^”]{0,40}”|‘[^’]{0,40}’|\"[^\"]{0,40}\"|《[^》]{0,40}》")


def _blank(text: str, pattern: re.Pattern) -> str:
    return pattern.sub(lambda m: " " * len(m.group()), text)


@dataclass(frozen=True)
class Verdict:
    is_directive: bool
    order_at: int  # where the order word stands (for telling subject from object); -1 if none
    reason: str  # why not, for --show-errors style debugging


def has_order(clause: str) -> int:
    """Position of the first order word, 0 for an imperative opening, -1 for none.

    Quoted words do not count. An order whose only object is an attitude (要充分认识…) still
    counts here: the action check decides, as the order often goes on to a real act
    ("要高度重视，认真组织，推进标准化创建")."""
    # Blanking only removes order words: no order in the raw text, none after.
    if not ORDER_RE.search(clause) and not IMPERATIVE_START_RE.search(clause):
        return -1
    unquoted = _blank(_blank(clause, _QUOTED), OUTCOME_RE)
    # An imperative opening governs the whole sentence, whatever order words come later.
    lead = _LEADING.match(unquoted)
    rest = unquoted[lead.end() :] if lead else unquoted
    if IMPERATIVE_START_RE.match(rest):
        return 0
    m = ORDER_RE.search(unquoted)
    return m.start() if m else -1


def judge(
    clause: str, *, topic: bool = False, results_section: bool = False, item: bool = False
) -> Verdict:
    """Is this sentence or clause (matching text) a directive?

    ``topic``: the sentence names the topic of its paragraph (一要抓好隐患排查。); it is a
    directive only with a strong action after its order word. ``item``: the sentence is a
    numbered item of a task list (（五）6月1日前，…), which orders by being listed."""
    body = clause.strip()
    if len(body) < 6:
        return Verdict(False, -1, "too short")
    if body.endswith("？"):
        return Verdict(False, -1, "question")
    if body.endswith("："):
        return Verdict(False, -1, "introduces an enumeration")
    if PRAISE_RE.search(body):
        return Verdict(False, -1, "praise")
    if PRINCIPLE_RE.search(body):
        return Verdict(False, -1, "principle")
    intro = INTRO_RE.search(body)
    if intro and not body[intro.end() :].strip("，：。； "):
        return Verdict(False, -1, "introduction")
    if CONTEXT_RE.search(body):
        return Verdict(False, -1, "context")
    if OFF_TOPIC_RE.search(body) and not SAFETY_WORD_RE.search(body):
        themed = theme_scores(body)
        themed.pop(OTHER, None)
        if not themed:
            return Verdict(False, -1, "not about safety")
    order_at = has_order(body)
    if order_at < 0 and item:
        order_at = 0
    if order_at < 0:
        return Verdict(False, -1, "no order")
    if len(STATS_RE.findall(body)) >= 3 and not EXPLICIT_ORDER_RE.search(body):
        return Verdict(False, order_at, "figures")
    unquoted = _blank(body, _QUOTED)
    acting = unquoted
    for pattern in (
        AWARENESS_RE,
        GENERIC_WORK_RE,
        OUTCOME_RE,
        QUALITIES_RE,
        _NOUN_ACT_RE,
        SETTING_RE,
    ):
        acting = _blank(acting, pattern)
    unsolved = _blank(body, SOLVED_PROBLEM_RE)
    reported = PAST_RE.search(body) or PROBLEM_RE.search(unsolved) or MEETING_RE.search(body)
    if (reported or results_section) and not EXPLICIT_ORDER_RE.search(
        _blank(_blank(_blank(acting, PAST_RE), PROBLEM_RE), MEETING_RE)
    ):
        return Verdict(False, order_at, "past, problem or results")
    if topic:
        if not TOPIC_ACTIONS_RE.search(acting, order_at):
            return Verdict(False, order_at, "topic phrase")
        return Verdict(True, order_at, "")
    # The act must follow the order word: "以上案例说明追责问责越来越严，请大家吸取教训" orders
    # nothing checkable, however many acts its first half names.
    if PROHIBITION_RE.search(acting, order_at):
        return Verdict(True, order_at, "")
    if STRONG_RE.search(acting, order_at):
        return Verdict(True, order_at, "")
    # Quoted names of campaigns and rules ("党政同责", "打非治违") are objects all the same.
    # A weak act needs a concrete object after it in its own clause: "加强隐患排查" yes,
    # "强化举措，巩固完善", "工作要推进" no.
    for m in ACTION_RE.finditer(acting, order_at):
        end = len(acting)
        for stop in "，。；：":
            at = acting.find(stop, m.end())
            if at >= 0:
                end = min(end, at)
        # The act may itself be part of the theme's word (监管网络, 宣传教育).
        # 其他 words (学校, 科技) name a field, not a safety object.
        themed = theme_scores(_blank(body[m.start() : end], PUBLIC_OVERSIGHT_RE))
        themed.pop(OTHER, None)
        if OBJECT_RE.search(body, m.end(), end) or (themed and max(themed.values()) >= 2):
            return Verdict(True, order_at, "")
    return Verdict(False, order_at, "no checkable action")
