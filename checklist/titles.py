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
# The modal word after which the ordered action starts. Longest first, so 务必 wins over 必.
# 严格, 落实, 严禁 … stay in the title: they are part of the action, not the order.
_ORDER_WORDS = ("务必", "必须", "一定要", "切实", "坚决", "确保", "一律", "立即", "马上", "要")
_CLAUSE_END = re.compile(r"[，,；;。！？!?：:\n]")
_SHORTEST = 4  # a clause shorter than this after the modal word says too little on its own


def derive_title(text: str, limit: int = TITLE_MAX) -> str:
    """The clause after the first modal word ("对此，我们必须下定决心" → "下定决心"); the
    whole clause when too little follows the word; the first clause when there is no modal word."""
    sentence = _LEADING.sub("", text.strip(), count=1).strip()
    clauses = [c for c in (_strip(c) for c in _CLAUSE_END.split(sentence)) if c]
    title = clauses[0] if clauses else ""
    for clause in clauses:
        found = [(clause.find(word), word) for word in _ORDER_WORDS if word in clause]
        if found:
            at, word = min(found)
            after = clause[at + len(word) :].strip()
            title = after if len(after) >= _SHORTEST else clause
            break
    if len(title) > limit:
        title = title[: limit - 1] + "…"
    return title


def _strip(clause: str) -> str:
    return clause.strip(' \u3000\t“”"')
