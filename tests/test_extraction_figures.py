"""The README's extraction-quality figures hold: the evaluation on the labelled texts may not
fall more than 0.02 below any precision or recall the README's table states."""

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOLERANCE = 0.02
# "| news, held out (3) | 7 | 1.00 | 1.00 | …": a set, its directives, precision, recall.
ROW = re.compile(
    r"^\| \**(?P<label>[^|*]+?)\** \| (?P<n>\d+) \| (?P<p>[01]\.\d\d) \| (?P<r>[01]\.\d\d) \|"
)
SETS = {"development set": "development", "seed speeches": "speech-seed"}


def readme_rows():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("**Quality, measured.**") :]
    return [m.groupdict() for m in map(ROW.match, section.splitlines()) if m]


def key_of(label: str) -> tuple[str, str]:
    """("overall", "") for "all"; ("sets", "development:held-out"); ("kinds", "news:tuned")."""
    if label == "all":
        return "overall", ""
    name, _, rest = label.partition(", ")
    split = "held-out" if rest.startswith("held out") else "tuned"
    if name in SETS:
        return "sets", f"{SETS[name]}:{split}"
    return "kinds", f"{name}:{split}"


@pytest.fixture(scope="module")
def evaluation():
    spec = importlib.util.spec_from_file_location(
        "extraction_eval", ROOT / "bench" / "extraction_eval.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main([])


def test_the_readme_states_the_figures_of_every_set_and_of_all_texts():
    labels = {key_of(row["label"]) for row in readme_rows()}
    assert ("overall", "") in labels
    assert {("sets", "development:tuned"), ("sets", "development:held-out")} <= labels


@pytest.mark.parametrize("row", readme_rows(), ids=lambda row: row["label"])
def test_precision_and_recall_stay_within_two_points_of_the_readme(row, evaluation):
    where, key = key_of(row["label"])
    scored = evaluation["overall"] if where == "overall" else evaluation[where][key]
    assert scored["gold"] == int(row["n"])
    assert scored["precision"] >= float(row["p"]) - TOLERANCE
    assert scored["recall"] >= float(row["r"]) - TOLERANCE
