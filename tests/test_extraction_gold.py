"""The hand-labelled extraction gold files stay well-formed when someone edits them."""

import datetime
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "bench" / "extraction_gold"
FIXTURES = ROOT / "fixtures"

GOLD_FILES = sorted(GOLD.glob("*.json"))
GROUPS = {"township", "department", "enterprise"}
ACTOR_GROUPS = GROUPS | {"village", None}
ROLES = {"lead", "responsible", "cooperate"}
KINDS = {"speech-seed", "news", "speech", "plan", "traditional", "none"}
TARGET_UNITS = {
    "家",
    "个",
    "处",
    "次",
    "人",
    "人次",
    "场",
    "期",
    "所",
    "座",
    "条",
    "台",
    "辆",
    "项",
    "户",
    "名",
}
KEYS = {"start", "end", "text", "themes", "units", "groups", "deadline", "immediate", "target"}
HEADER = {"title", "kind", "split", "source", "published", "speech_date", "directives"}
# A span starts right after a sentence end (or a line break) and ends on one (or at a line end);
# an actor's clause of a sentence that orders several actors starts and ends at a comma.
SENTENCE_ENDS = "。！？；!?;"
CLAUSE_ENDS = SENTENCE_ENDS + "，"


def fixture_names(file_name, model):
    rows = json.loads((FIXTURES / file_name).read_text(encoding="utf-8"))
    return {row["fields"]["name"] for row in rows if row["model"] == model}


THEMES = fixture_names("themes.json", "checklist.theme")
UNITS = fixture_names("units.json", "tracker.unit")


def load(path):
    gold = json.loads(path.read_text(encoding="utf-8"))
    raw = path.with_suffix(".txt").read_bytes()
    return gold, raw, raw.decode("utf-8")


def test_the_labelled_speeches_are_all_there_each_with_its_text():
    assert {"town-mayor-2011", "safety-month-2011", "city-mayor-2010"} <= {
        p.stem for p in GOLD_FILES
    }
    for path in GOLD_FILES:
        assert path.with_suffix(".txt").is_file(), path.name


def test_the_allowed_theme_and_unit_lists_are_not_empty():
    assert len(THEMES) == 16
    assert "县应急管理局" in UNITS


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.stem)
def test_the_speech_text_is_plain_utf8_with_unix_line_ends(path):
    _, raw, _ = load(path)
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert b"\r" not in raw


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.stem)
def test_the_header_names_the_text_its_kind_source_and_date(path):
    gold, _, _ = load(path)
    assert set(gold) == HEADER
    assert gold["title"].strip() and gold["source"].strip() and gold["published"].strip()
    assert gold["kind"] in KINDS
    assert gold["split"] in {"tuned", "held-out"}
    if gold["speech_date"] is not None:
        datetime.date.fromisoformat(gold["speech_date"])
    # The texts chosen for having no order at all have none; an excerpt may have none either.
    if gold["kind"] == "none":
        assert gold["directives"] == []


def test_a_third_of_the_development_set_is_held_out():
    splits = [load(p)[0]["split"] for p in GOLD_FILES if load(p)[0]["kind"] != "speech-seed"]
    assert len(splits) >= 20
    assert round(len(splits) / 3) - 1 <= splits.count("held-out") <= round(len(splits) / 3) + 1


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.stem)
def test_every_actor_has_its_name_as_written_a_unit_or_none_a_group_and_a_role(path):
    gold, _, text = load(path)
    for d in gold["directives"]:
        if gold["kind"] == "speech-seed":
            assert "actors" not in d
            continue
        assert set(d) == KEYS | {"actors"}, d
        for actor in d["actors"]:
            assert set(actor) == {"name", "unit", "group", "role"}, actor
            assert actor["name"] in text, actor
            assert actor["unit"] is None or actor["unit"] in UNITS, actor
            assert actor["group"] in ACTOR_GROUPS, actor
            assert actor["role"] in ROLES, actor
        assert d["units"] == list(dict.fromkeys(a["unit"] for a in d["actors"] if a["unit"]))


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.stem)
def test_every_span_is_the_text_it_claims_and_a_whole_sentence(path):
    gold, _, text = load(path)
    for d in gold["directives"]:
        assert set(d) - {"actors"} == KEYS, d
        start, end = d["start"], d["end"]
        assert 0 <= start < end <= len(text), d
        assert text[start:end] == d["text"], d
        assert "\n" not in d["text"], d
        assert d["text"][0] not in " \u3000", d
        before = text[:start].rstrip(" \u3000")
        assert not before or before[-1] in CLAUSE_ENDS + "\n", d
        assert d["text"][-1] in CLAUSE_ENDS or end == len(text) or text[end] == "\n", d


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.stem)
def test_spans_are_sorted_and_never_overlap(path):
    gold, _, _ = load(path)
    spans = [(d["start"], d["end"]) for d in gold["directives"]]
    assert spans == sorted(spans)
    for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
        assert end <= start


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.stem)
def test_themes_units_and_groups_come_from_the_allowed_lists(path):
    gold, _, _ = load(path)
    for d in gold["directives"]:
        assert d["themes"], d
        assert len(set(d["themes"])) == len(d["themes"]), d
        assert set(d["themes"]) <= THEMES, d
        assert set(d["units"]) <= UNITS, d
        assert len(set(d["units"])) == len(d["units"]), d
        assert set(d["groups"]) <= GROUPS, d


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.stem)
def test_deadlines_are_dates_on_or_after_the_speech(path):
    gold, _, _ = load(path)
    if gold["speech_date"] is None:
        # Without a year nothing is resolved, and 立即 still marks the order as due at once.
        assert all(d["deadline"] is None for d in gold["directives"])
        return
    spoken = datetime.date.fromisoformat(gold["speech_date"])
    for d in gold["directives"]:
        assert isinstance(d["immediate"], bool), d
        if d["deadline"] is not None:
            assert datetime.date.fromisoformat(d["deadline"]) >= spoken, d
        if d["immediate"]:
            assert d["deadline"] == gold["speech_date"], d


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.stem)
def test_targets_are_positive_counts_of_work(path):
    gold, _, _ = load(path)
    for d in gold["directives"]:
        target = d["target"]
        if target is None:
            continue
        assert set(target) == {"quantity", "unit"}, d
        assert isinstance(target["quantity"], int) and target["quantity"] > 0, d
        assert target["unit"] in TARGET_UNITS, d
