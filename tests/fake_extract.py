"""A stand-in for checklist.extract.extract_directives in the review tests: one directive per
sentence with 要/必须/落实 and no labels. The review pages are tested against this fixed
behaviour, so that better extraction rules do not change what these tests expect; the real
rules have their own tests, and one test checks the review stores exactly what they return."""

import re

from checklist.extract import ExtractedDirective

# A short speech the review tests share: two orders in one line, a statement, a "；" list.
SPEECH = (
    "一、全面开展隐患排查\n"
    "各镇要对辖区生产经营场所开展拉网式排查，本月底前完成。县应急管理局要牵头组织专家检查。\n"
    "今年全县安全形势平稳。\n"
    "各部门要落实监管责任；各企业要在年底前开展自查。"
)

_SENTENCE = re.compile(r"[^。！？\n]+[。！？]?")
_ORDER = re.compile(r"要|必须|务必|确保|严格|立即|落实")


def one_per_ordering_sentence(text, *, speech_date=None, units=()):
    found = []
    for match in _SENTENCE.finditer(text):
        if match.group().strip() and _ORDER.search(match.group()):
            found.append(
                ExtractedDirective(text=match.group(), start=match.start(), end=match.end())
            )
    return found
