"""bench/extraction_eval.py: scoring as the labelling spec says, on a small gold made here."""

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def evaluation():
    spec = importlib.util.spec_from_file_location(
        "extraction_eval", ROOT / "bench" / "extraction_eval.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TEXT = (
    "一、全面开展隐患排查\n"
    "各镇要对辖区生产经营场所开展拉网式排查，本月底前完成。\n"
    "县安监局要加强执法检查。\n"
    "安全生产责任重于泰山。\n"
)


def span(text, sentence):
    start = text.index(sentence)
    return start, start + len(sentence)


def write_gold(folder: Path, directives: list[dict]) -> None:
    (folder / "speech.txt").write_text(TEXT, encoding="utf-8")
    (folder / "speech.json").write_text(
        json.dumps(
            {"title": "t", "speech_date": "2024-03-16", "directives": directives},
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )


def gold_entry(sentence, **labels):
    start, end = span(TEXT, sentence)
    entry = {
        "start": start,
        "end": end,
        "text": sentence,
        "themes": ["隐患排查治理"],
        "units": [],
        "groups": [],
        "deadline": None,
        "immediate": False,
        "target": None,
    }
    entry.update(labels)
    return entry


def test_it_scores_spans_and_labels_of_a_small_gold(evaluation, tmp_path, capsys):
    write_gold(
        tmp_path,
        [
            gold_entry(
                "各镇要对辖区生产经营场所开展拉网式排查，本月底前完成。",
                groups=["township"],
                deadline="2024-03-31",
            ),
            # Labels that disagree with the extractor: theme and units.
            gold_entry("县安监局要加强执法检查。", themes=["考核问责"], units=["县消防救援大队"]),
            # A span the extractor does not find.
            gold_entry("安全生产责任重于泰山。", themes=["责任落实"]),
        ],
    )
    result = evaluation.main(["--gold-dir", str(tmp_path), "--show-errors"])
    overall = result["overall"]
    assert (overall["gold"], overall["pred"], overall["matched"]) == (3, 2, 2)
    assert overall["precision"] == 1.0
    assert overall["recall"] == round(2 / 3, 4)
    assert overall["theme_accuracy"] == 0.5
    assert overall["unit_accuracy"] == 0.5
    assert overall["unit_accuracy_where_gold_has_value"] == 0.5
    assert overall["deadline_accuracy"] == 1.0
    assert overall["deadline_pairs_where_gold_has_value"] == 1
    assert result["files"]["speech"]["matched"] == 2
    errors = capsys.readouterr().err
    assert "MISSED" in errors and "安全生产责任重于泰山" in errors
    assert "THEME" in errors and "UNITS" in errors


def test_the_overall_time_is_the_sum_of_the_files_times(evaluation):
    first, second, overall = evaluation.Tally(), evaluation.Tally(), evaluation.Tally()
    first.seconds, second.seconds = 1.25, 0.5
    overall.merge(first)
    overall.merge(second)
    assert overall.report()["seconds"] == 1.75


def test_a_span_overlapping_less_than_half_of_the_longer_does_not_match(evaluation):
    gold = [{"start": 0, "end": 100}]
    assert evaluation.match_spans(gold, [{"start": 0, "end": 49}]) == []
    assert evaluation.match_spans(gold, [{"start": 0, "end": 50}]) == [(0, 0)]
    assert evaluation.match_spans(gold, [{"start": 40, "end": 160}]) == [(0, 0)]
    assert evaluation.match_spans(gold, [{"start": 45, "end": 160}]) == []


def test_matching_is_one_to_one_and_greedy_by_overlap(evaluation):
    gold = [{"start": 0, "end": 10}, {"start": 10, "end": 20}]
    pred = [{"start": 0, "end": 20}, {"start": 1, "end": 10}]
    # The long prediction overlaps each gold span by 10 (half of its 20): the largest overlap
    # goes first, so it takes gold 0; it cannot take gold 1 too, and the short prediction
    # (overlap 9) finds gold 0 already taken.
    assert evaluation.match_spans(gold, pred) == [(0, 0)]
    pred = [{"start": 1, "end": 10}, {"start": 10, "end": 20}]
    assert evaluation.match_spans(gold, pred) == [(0, 0), (1, 1)]


def test_a_gold_text_that_differs_from_the_txt_is_warned_about(evaluation, tmp_path):
    entry = gold_entry("县安监局要加强执法检查。")
    entry["text"] = "别的句子"
    write_gold(tmp_path, [entry])
    result = evaluation.main(["--gold-dir", str(tmp_path)])
    assert any("differs" in w for w in result["warnings"])


def test_the_scale_option_reports_a_timing(evaluation, tmp_path):
    write_gold(tmp_path, [gold_entry("县安监局要加强执法检查。")])
    result = evaluation.main(["--gold-dir", str(tmp_path), "--scale", "0.05"])
    assert result["scale"]["megabytes"] >= 0.05
    assert result["scale"]["directives"] > 0
