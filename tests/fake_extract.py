"""A stand-in for checklist.extract.extract_directives in the review tests: one directive per
sentence with 要/必须/落实 and no labels. The review pages are tested against this fixed
behaviour, so that better extraction rules do not change what these tests expect; the real
rules have their own tests, and one test checks the review stores exactly what they return."""

import re

from checklist.extract import ExtractedDirective

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
