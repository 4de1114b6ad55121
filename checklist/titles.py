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
    """The first clause after the first modal word, or the first clause when there is none."""
    sentence = _LEADING.sub("", text.strip(), count=1).strip()
    first_clause = _clause(sentence)
    title = first_clause
    best = None
    for word in _ORDER_WORDS:
        at = first_clause.find(word)
        if at >= 0 and (best is None or at < best[0]):
            best = (at, word)
    if best is not None:
        after = _clause(first_clause[best[0] + len(best[1]) :])
        if len(after) >= _SHORTEST:
            title = after
    if not title:
        title = sentence.rstrip("。！？!?；;，, ")
    if len(title) > limit:
        title = title[: limit - 1] + "…"
    return title


def _clause(text: str) -> str:
    match = _CLAUSE_END.search(text)
    return (text[: match.start()] if match else text).strip(' \u3000\t“”"')
