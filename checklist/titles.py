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
_CLAUSE_END = re.compile(r"[，,；;。！？!?：:\n]")
_SHORTEST = 4  # a clause shorter than this after the modal word says too little on its own


def derive_title(text: str, limit: int = TITLE_MAX) -> str:
    """A first clause that opens with its action, as it is; otherwise the words after the modal
    word of the first clause that has one ("对此，我们必须下定决心" → "下定决心"), or that
    whole clause when too little follows the word; otherwise the first clause that opens with
    an action; otherwise the first clause."""
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
    if len(title) > limit:
        title = title[: limit - 1] + "…"
    return title


def _strip(clause: str) -> str:
    return clause.strip(' \u3000\t“”"')
