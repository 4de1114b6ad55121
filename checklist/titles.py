"""A short task title from a directive's sentence, for the office to accept or edit.

Pure code: no ORM. "各镇要对辖区生产经营场所开展拉网式排查，本月底前完成。" → "对辖区生产经营场所开展拉网式排查".
"""

import re

TITLE_MAX = 60

# Enumerators and topic openers that never belong in a title: 一要 / 二是 / 第三， / （一） / 1、
_LEADING = re.compile(
    r"^\s*(?:[（(]?[一二三四五六七八九十]+[）)、.．]|\d+[、.．)]|[⑴-⒇①-⑳]|第[一二三四五六七八九十]+[，,、]|"
    r"[一二三四五六七八九十]是|[一二三四五六七八九十](?=要))\s*"
)
# The modal word after which the ordered action starts: the earliest one in the clause wins.
# 严格, 落实, 严禁 … stay in the title: they are part of the action, not the order.
# 要 only as a modal: not in 要求, 重要, 主要, 需要, 只要, 必要, 要点, 要素.
_ORDER = re.compile(r"务必|必须|一定要|坚决|确保|一律|立即|马上|(?<![重主需只必])要(?![求点素])")
# A clause that opens with the action itself is already a title: "严格生产经营单位的市场准入".
_IMPERATIVE = re.compile(
    r"^(?:严格|严禁|严厉|加强|加快|加大|落实|全面|认真|切实|进一步|建立|健全|完善|开展|抓好|"
    r"强化|深化|推进|推动|狠抓|深入|大力|积极|扎实|坚持|组织|督促|整合|集中|确保|做好|"
    r"实行|实施|依法|彻底|及时)"
)
# Time words that open a clause but are not the act: the deadline has its own field and
# 立即 its own flag. "在6月底前完成整改" → "完成整改", "会后马上传达" → "传达".
_TIME_LEAD = re.compile(
    r"^(?:[在于][^，,；;。！？]{1,12}?(?:之前|以前|前)(?![提期沿端列身置往景])|立即|马上|会后|随即|即刻|迅速|尽快)[，,\s]*"
)
_CLAUSE_END = re.compile(r"[，,；;。！？!?：:\n]")
_SHORTEST = 4  # a clause shorter than this after the modal word says too little on its own


def derive_title(text: str, limit: int = TITLE_MAX, *, deadline_phrase: str = "") -> str:
    """A first clause that opens with its action, as it is; otherwise the words after the modal
    word of the first clause that has one ("对此，我们必须下定决心" → "下定决心"), or that
    whole clause when too little follows the word; otherwise the first clause that opens with
    an action; otherwise the first clause. The title is the act: the deadline phrase (wherever
    it stands) and opening time words (在…前, 于…前, 立即, 马上, 会后) are left out."""
    sentence = _LEADING.sub("", text.strip(), count=1).strip()
    clauses = [c for c in (_strip(c) for c in _CLAUSE_END.split(sentence)) if c]
    title = clauses[0] if clauses else ""
    if not _IMPERATIVE.match(title):
        for clause in clauses:
            order = _ORDER.search(clause)
            if order:
                after = clause[order.end() :].strip()
                title = after if len(after) >= _SHORTEST else clause
                break
        else:
            title = next((c for c in clauses if _IMPERATIVE.match(c)), title)
    title = _without_time_words(title, deadline_phrase)
    if len(title) > limit:
        title = title[: limit - 1] + "…"
    return title


def _strip(clause: str) -> str:
    return clause.strip(' \u3000\t“”"')


def _without_time_words(title: str, deadline_phrase: str) -> str:
    """The title without its deadline phrase and opening time words, unless nothing would
    be left of it."""
    bare = title
    if deadline_phrase.strip():
        phrase = re.escape(deadline_phrase.strip())
        bare = re.sub(rf"[在于]?{phrase}(?:之前|以前)?[，,]?", "", bare)
    while True:
        shorter = _TIME_LEAD.sub("", bare, count=1)
        if shorter == bare:
            break
        bare = shorter
    bare = _strip(bare)
    return bare if len(bare) >= 2 else title
