"""Scores the speech extractor against hand-labelled speeches: `python bench/extraction_eval.py`.

For every bench/extraction_gold/NAME.json (with NAME.txt next to it) the extractor runs on the
.txt with the gold speech date and the units of fixtures/units.json (no database), and the
result is scored as the labelling spec says:

- a predicted span matches a gold span when their overlap is at least 50% of the longer of the
  two; matching is one-to-one, greedy by overlap; precision = matched / predicted,
  recall = matched / gold;
- on matched pairs: theme accuracy (predicted main theme among the gold themes), unit accuracy
  (predicted units ∪ groups equal the gold set), deadline accuracy ((deadline, immediate)
  equal), target accuracy ((quantity, unit) equal) and, on files labelled with actors, actor
  accuracy (the sets of actors equal, each keyed by its unit, else its group, else its name in
  simplified characters without a leading 县/市/区); each also on the pairs where the gold value
  is not empty.

Prints one JSON object: per file, per kind and split ("news:held-out" …), per split of the
development set ("development:tuned", "development:held-out"; the seed speeches are
"speech-seed:…"), and overall. Options: --gold-dir, --units, --show-errors (missed and
spurious spans and wrong labels on stderr), --split (score only the files of that split),
--scale MB (also time the extractor on MB megabytes of text made by repeating the texts).
"""

import argparse
import json
import re
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checklist.extract import UnitRef, extract_directives  # noqa: E402
from checklist.speech_text import matching_text  # noqa: E402

OTHER = "其他"
# The pinyin some mirror sites insert after characters: 會(huì)議.
_PINYIN = re.compile(r"[（(][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+[）)]")


def actor_key(actor: dict) -> str:
    """What an actor is compared by: its unit, else its group, else its plain name."""
    if actor.get("unit"):
        return actor["unit"]
    if actor.get("group"):
        return actor["group"]
    name = matching_text(_PINYIN.sub("", actor.get("name", ""))).replace(" ", "")
    if len(name) > 2 and name[0] in "县市区":
        name = name[1:]
    return name


def load_unit_refs(path: Path) -> list[UnitRef]:
    """UnitRefs from a fixture file of tracker.unit and tracker.unitalias records."""
    records = json.loads(path.read_text(encoding="utf-8"))
    units: dict[str, dict] = {}
    aliases: dict[str, list[str]] = {}
    for record in records:
        fields = record["fields"]
        if record["model"] == "tracker.unit" and fields.get("active", True):
            units[fields["name"]] = fields
        elif record["model"] == "tracker.unitalias":
            aliases.setdefault(fields["unit"][0], []).append(fields["alias"])
    refs = []
    for name, fields in units.items():
        names = [name] + ([fields["short_name"]] if fields.get("short_name") else [])
        names += aliases.get(name, [])
        refs.append(UnitRef(key=name, names=tuple(names), kind=fields["kind"]))
    return refs


def match_spans(gold: list[dict], pred: list[dict]) -> list[tuple[int, int]]:
    """One-to-one pairs (gold index, predicted index), greedy by overlap, each overlapping by
    at least half of the longer span."""
    candidates = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            overlap = min(g["end"], p["end"]) - max(g["start"], p["start"])
            if overlap <= 0:
                continue
            longer = max(g["end"] - g["start"], p["end"] - p["start"])
            if overlap >= 0.5 * longer:
                candidates.append((overlap, gi, pi))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    used_g, used_p, pairs = set(), set(), []
    for _, gi, pi in candidates:
        if gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        pairs.append((gi, pi))
    return sorted(pairs)


def _as_pred(d) -> dict:
    actors = getattr(d, "actors", None)
    if actors is None:
        # An extractor without actors named units and groups only.
        actors = [{"unit": u} for u in d.units] + [{"group": g} for g in d.unit_groups]
    else:
        actors = [
            {"name": a.name, "unit": a.unit, "group": a.group, "role": a.role} for a in actors
        ]
    return {
        "start": d.start,
        "end": d.end,
        "text": d.text,
        "themes": list(d.themes),
        "units": list(d.units),
        "groups": list(d.unit_groups),
        "actors": actors,
        "deadline": d.deadline.isoformat() if d.deadline else None,
        "immediate": bool(d.immediate),
        "target": (
            {"quantity": float(d.target_quantity), "unit": d.target_unit}
            if d.target_quantity is not None
            else None
        ),
    }


def _target(value) -> tuple | None:
    return (float(value["quantity"]), value["unit"]) if value else None


class Tally:
    """Counts for one file or for all of them."""

    def __init__(self) -> None:
        self.gold = self.pred = self.matched = 0
        self.seconds = 0.0
        self.counts = {
            key: [0, 0, 0, 0]  # right, pairs, right where gold has a value, such pairs
            for key in ("theme", "unit", "actor", "deadline", "target")
        }

    def add_pair(self, g: dict, p: dict) -> None:
        gold_themes = g.get("themes") or []
        main = p["themes"][0] if p["themes"] else OTHER
        self._count("theme", main in gold_themes, bool(gold_themes) and gold_themes != [OTHER])
        gold_units = set(g.get("units") or []) | set(g.get("groups") or [])
        pred_units = set(p["units"]) | set(p["groups"])
        self._count("unit", gold_units == pred_units, bool(gold_units))
        gold_due = (g.get("deadline"), bool(g.get("immediate")))
        self._count(
            "deadline",
            gold_due == (p["deadline"], p["immediate"]),
            bool(g.get("deadline") or g.get("immediate")),
        )
        self._count(
            "target", _target(g.get("target")) == _target(p.get("target")), bool(g.get("target"))
        )
        if "actors" in g:
            gold_actors = {actor_key(a) for a in g["actors"]}
            pred_actors = {actor_key(a) for a in p.get("actors", [])}
            self._count("actor", gold_actors == pred_actors, bool(gold_actors))

    def _count(self, key: str, right: bool, has_value: bool) -> None:
        c = self.counts[key]
        c[0] += right
        c[1] += 1
        if has_value:
            c[2] += right
            c[3] += 1

    def merge(self, other: "Tally") -> None:
        self.gold += other.gold
        self.pred += other.pred
        self.matched += other.matched
        self.seconds += other.seconds
        for key, c in other.counts.items():
            for i in range(4):
                self.counts[key][i] += c[i]

    def report(self) -> dict:
        def ratio(a: int, b: int):
            return round(a / b, 4) if b else None

        out = {
            "gold": self.gold,
            "pred": self.pred,
            "matched": self.matched,
            "precision": ratio(self.matched, self.pred),
            "recall": ratio(self.matched, self.gold),
        }
        for key, (right, pairs, right_v, pairs_v) in self.counts.items():
            out[f"{key}_accuracy"] = ratio(right, pairs)
            out[f"{key}_accuracy_where_gold_has_value"] = ratio(right_v, pairs_v)
            out[f"{key}_pairs_where_gold_has_value"] = pairs_v
        out["seconds"] = round(self.seconds, 3)
        return out


def evaluate_file(
    gold_path: Path, units: list[UnitRef], show_errors: bool = False
) -> tuple[Tally, list[str]]:
    gold_doc = json.loads(gold_path.read_text(encoding="utf-8"))
    text = gold_path.with_suffix(".txt").read_bytes().decode("utf-8-sig")
    speech_date = (
        date.fromisoformat(gold_doc["speech_date"]) if gold_doc.get("speech_date") else None
    )
    gold = gold_doc.get("directives", [])
    warnings = [
        f"{gold_path.name}: gold span {g['start']}–{g['end']} text differs from the .txt"
        for g in gold
        if "text" in g and text[g["start"] : g["end"]] != g["text"]
    ]
    began = time.perf_counter()
    found = extract_directives(text, speech_date=speech_date, units=units)
    tally = Tally()
    tally.seconds = time.perf_counter() - began
    pred = [_as_pred(d) for d in found]
    pairs = match_spans(gold, pred)
    tally.gold, tally.pred, tally.matched = len(gold), len(pred), len(pairs)
    for gi, pi in pairs:
        tally.add_pair(gold[gi], pred[pi])
    if show_errors:
        _show_errors(gold_path.stem, text, gold, pred, pairs)
    return tally, warnings


def _show_errors(stem: str, text: str, gold: list, pred: list, pairs: list) -> None:
    def say(kind: str, message: str) -> None:
        print(f"{kind:<8} {stem} {message}", file=sys.stderr)

    matched_g = {gi for gi, _ in pairs}
    matched_p = {pi for _, pi in pairs}
    for gi, g in enumerate(gold):
        if gi not in matched_g:
            say("MISSED", f"{g['start']}–{g['end']} {text[g['start'] : g['end']]}")
    for pi, p in enumerate(pred):
        if pi not in matched_p:
            say("SPURIOUS", f"{p['start']}–{p['end']} {p['text']}")
    for gi, pi in pairs:
        g, p = gold[gi], pred[pi]
        main = p["themes"][0] if p["themes"] else OTHER
        if main not in (g.get("themes") or []):
            say("THEME", f"{p['start']} gold {g.get('themes')} pred {p['themes']}")
        gold_units = set(g.get("units") or []) | set(g.get("groups") or [])
        pred_units = set(p["units"]) | set(p["groups"])
        if gold_units != pred_units:
            say("UNITS", f"{p['start']} gold {sorted(gold_units)} pred {sorted(pred_units)}")
        if "actors" in g:
            gold_actors = sorted({actor_key(a) for a in g["actors"]})
            pred_actors = sorted({actor_key(a) for a in p["actors"]})
            if gold_actors != pred_actors:
                say("ACTORS", f"{p['start']} gold {gold_actors} pred {pred_actors}")
        if (g.get("deadline"), bool(g.get("immediate"))) != (p["deadline"], p["immediate"]):
            say(
                "DEADLINE",
                f"{p['start']} gold {g.get('deadline')}/{g.get('immediate')} "
                f"pred {p['deadline']}/{p['immediate']}",
            )
        if _target(g.get("target")) != _target(p.get("target")):
            say("TARGET", f"{p['start']} gold {g.get('target')} pred {p.get('target')}")


def scale_timing(texts: list[str], megabytes: float, units: list[UnitRef]) -> dict:
    """Time the extractor on `megabytes` MB (UTF-8) of text made by repeating the speeches."""
    target = int(megabytes * 1024 * 1024)
    chunk = "\n".join(texts) + "\n"
    repeat = max(1, target // max(1, len(chunk.encode("utf-8"))) + 1)
    big = chunk * repeat
    began, cpu_began = time.perf_counter(), time.process_time()
    found = extract_directives(big, speech_date=date(2024, 3, 16), units=units)
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    return {
        "megabytes": round(len(big.encode("utf-8")) / 1024 / 1024, 2),
        "directives": len(found),
        "seconds": round(seconds, 3),
        # CPU time of this process: the wall clock also counts other work on a shared machine.
        "cpu_seconds": round(cpu, 3),
    }


def _kind_and_split(path: Path) -> tuple[str, str]:
    header = json.loads(path.read_text(encoding="utf-8"))
    return header.get("kind", "speech-seed"), header.get("split", "tuned")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold-dir", default=str(ROOT / "bench" / "extraction_gold"))
    parser.add_argument("--units", default=str(ROOT / "fixtures" / "units.json"))
    parser.add_argument("--show-errors", action="store_true")
    parser.add_argument(
        "--split", choices=("tuned", "held-out"), help="score only the files of this split"
    )
    parser.add_argument("--scale", type=float, default=0, metavar="MB")
    parser.add_argument(
        "--scale-from", nargs="*", default=[], metavar="TXT", help="speeches to repeat for --scale"
    )
    args = parser.parse_args(argv)
    units = load_unit_refs(Path(args.units))
    gold_files = sorted(Path(args.gold_dir).glob("*.json"))
    overall = Tally()
    files, kinds, sets, warnings = {}, {}, {}, []
    for path in gold_files:
        if not path.with_suffix(".txt").exists():
            warnings.append(f"{path.name}: no {path.stem}.txt next to it, skipped")
            continue
        kind, split = _kind_and_split(path)
        if args.split and split != args.split:
            continue
        tally, file_warnings = evaluate_file(path, units, args.show_errors)
        files[path.stem] = {"kind": kind, "split": split, **tally.report()}
        warnings.extend(file_warnings)
        overall.merge(tally)
        kinds.setdefault(f"{kind}:{split}", Tally()).merge(tally)
        family = "speech-seed" if kind == "speech-seed" else "development"
        sets.setdefault(f"{family}:{split}", Tally()).merge(tally)
    result = {
        "files": files,
        "kinds": {key: kinds[key].report() for key in sorted(kinds)},
        "sets": {key: sets[key].report() for key in sorted(sets)},
        "overall": overall.report(),
    }
    if warnings:
        result["warnings"] = warnings
    if args.scale:
        sources = [Path(p) for p in args.scale_from] or [p.with_suffix(".txt") for p in gold_files]
        texts = [p.read_text(encoding="utf-8-sig") for p in sources if p.exists()] or [
            "一、全面开展隐患排查。各镇要对辖区生产经营场所开展拉网式排查，本月底前完成。"
        ]
        result["scale"] = scale_timing(texts, args.scale, units)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return result


if __name__ == "__main__":
    main()
