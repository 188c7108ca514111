"""Retrieval quality of ztbot against a BM25 baseline, per labelled set, in one run.

Sets (each reported on its own):

- the development set in the style of real users (``--dev``, by default
  ``../shared/data/questions-dev.yaml`` next to the repository, or ``$ZTBOT_DEV_SET``), split
  into its ``real-derived`` and ``paraphrase`` items;
- ztbot's own question set, ``tests/data/questions.yaml``.

Figures, for ztbot (``Engine.respond``, the path ``ztbot ask`` takes) and for BM25 on the same
items:

- top-1: covered items answered with the right topic (or one of the item's ``also`` topics);
  an abstention on a covered item counts as wrong; a "did you mean" counts as its first topic,
  which is the ``topic`` that ``ztbot ask --json`` prints for it (kind ``clarify``);
- top-3: covered items whose right topic is among the first three ranked, abstaining or not;
- section: items with a section label answered with the right topic AND section;
- abstention on none: ``none`` items on which the system abstained (did not answer a topic);
- false abstention: covered items on which the system abstained.

The fusion weights and the answerability decision shipped in ``MatchConfig`` were fitted on the
development set (``bench/fusion.py``), so ztbot's figures on it are IN-SAMPLE. The rows marked
``CV`` are 5-fold cross-validated: each fold is predicted by weights fitted on the other four
(the knowledge's classifier never sees the set). Use the CV rows to judge the product.

BM25: ``rank_bm25.BM25Okapi`` over the FAQ (one document per topic answer and per section,
lowercase ``\\w+`` tokens, no stopwords); it abstains below a score threshold chosen for the
best balanced accuracy ON THE SAME ITEMS it is scored on (an optimistic baseline).

Run from the repository root::

    .venv/bin/python bench/retrieval.py [--dev PATH] [--questions PATH] [--fit] [--json] [-v]

``--fit`` prints the configuration fitted on the whole development set (what ships).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml
from rank_bm25 import BM25Okapi

from bench._common import DEFAULT_KNOWLEDGE, DEFAULT_QUESTIONS, REPO, load_labelled
from bench.fusion import NONE, Labelled, Row, collect, cross_validate, fit
from bot.base.oses import detect_os
from bot.core.engine import Engine
from bot.core.matching import MatchConfig, best_section, fuse
from bot.core.models import Incoming
from bot.knowledge import KnowledgeBase, load_knowledge

_WORD = re.compile(r"\w+")
DEFAULT_DEV = REPO.parent / "shared" / "data" / "questions-dev.yaml"


@dataclass(frozen=True, slots=True)
class Prediction:
    """What a system answered for one item (topic None = abstained) and its top-3 ranking."""

    topic: str | None
    section: str | None
    top3: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Figures:
    """Hits and totals per measure."""

    top1: tuple[float, int]
    top3: tuple[float, int]
    section: tuple[float, int]
    none_abstained: tuple[float, int]
    false_abstention: tuple[float, int]

    def as_json(self) -> dict[str, Any]:
        return {
            name: {"hits": h, "n": n, "value": (h / n if n else None)}
            for name, (h, n) in (
                ("top1", self.top1),
                ("top3", self.top3),
                ("section", self.section),
                ("abstention_on_none", self.none_abstained),
                ("false_abstention", self.false_abstention),
            )
        }


def load_dev(path: Path) -> list[Labelled]:
    """The development set: a YAML list of {text, expect, section, also, kind}."""
    raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Labelled(
            q=str(r["text"]),
            topic=str(r["expect"]),
            section=str(r["section"]) if r.get("section") else None,
            also=tuple(str(a) for a in r.get("also") or ()),
            group=f"dev {r.get('kind', '-')}",
        )
        for r in raw
    ]


def load_own(path: Path) -> list[Labelled]:
    """ztbot's own question set (tests/data/questions.yaml)."""
    return [Labelled(i.q, i.topic, i.section, (), "questions.yaml") for i in load_labelled(path)]


# --- the systems --------------------------------------------------------------------------


def ztbot_predict(engine: Engine) -> Callable[[Labelled], Prediction]:
    def predict(item: Labelled) -> Prediction:
        reply = engine.respond(Incoming(text=item.q))
        # As `ztbot ask --json` reports it: a "did you mean" names its first topic.
        topic = reply.topic if reply.kind in ("answer", "diagnosis", "clarify") else None
        top3 = tuple(c.topic for c in reply.candidates[:3]) or ((reply.topic,) if topic else ())
        return Prediction(topic, reply.section, top3)

    return predict


def cv_predictions(engine: Engine, rows: Sequence[Row], seed: int = 0) -> list[Prediction]:
    """5-fold cross-validated predictions (folds shuffled by `seed`); sections and top-3 come
    from the unfitted parts."""
    topics = cross_validate(engine, rows, MatchConfig(), seed=seed)
    out = []
    for row, topic in zip(rows, topics, strict=True):
        top3: tuple[str, ...] = ()
        if row.evidence is not None:
            ranked = fuse(row.evidence, engine.matcher.config)
            top3 = tuple(engine.kb.topics[i].id for i, _ in ranked[:3])
        section = None
        if topic is not None:
            found = best_section(engine.kb.topic(topic), detect_os(row.item.q), row.item.q)
            section = found.id if found else None
        out.append(Prediction(topic, section, top3 or ((topic,) if topic else ())))
    return out


def tokenize(text: str) -> list[str]:
    """The baseline's tokeniser: lowercase, split on \\w+, no stopwords, no stemming."""
    return _WORD.findall(text.lower())


class Bm25Baseline:
    """BM25Okapi over the FAQ: one document per topic answer and one per section."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.tags: list[tuple[str, str | None]] = []
        corpus: list[list[str]] = []
        for topic in kb.topics:
            corpus.append(tokenize(f"{topic.title}\n{topic.answer}"))
            self.tags.append((topic.id, None))
            for section in topic.sections:
                corpus.append(tokenize(f"{section.title}\n{section.answer}"))
                self.tags.append((topic.id, section.id))
        self.bm25 = BM25Okapi(corpus)

    def ranked(self, text: str) -> tuple[list[tuple[str, str | None]], float]:
        """Documents' tags, best first, and the best score."""
        scores = self.bm25.get_scores(tokenize(text))
        order = sorted(range(len(scores)), key=lambda i: -float(scores[i]))
        return [self.tags[i] for i in order], float(scores[order[0]])

    def predictions(self, items: Sequence[Labelled]) -> list[Prediction]:
        """Predictions with the abstain threshold tuned on these same items (optimistic)."""
        results = [self.ranked(item.q) for item in items]
        best: tuple[float, list[Prediction]] = (-1.0, [])
        for threshold in sorted({0.0, *(score for _, score in results), math.inf}):
            preds = []
            for tags, score in results:
                top3 = tuple(dict.fromkeys(t for t, _ in tags))[:3]
                if score < threshold:
                    preds.append(Prediction(None, None, top3))
                else:
                    preds.append(Prediction(tags[0][0], tags[0][1], top3))
            value = _balanced(items, preds)
            if value > best[0]:
                best = (value, preds)
        return best[1]


def _balanced(items: Sequence[Labelled], preds: Sequence[Prediction]) -> float:
    pairs = list(zip(items, preds, strict=True))
    covered = [i.right(p.topic) for i, p in pairs if i.topic != NONE]
    none = [i.right(p.topic) for i, p in pairs if i.topic == NONE]
    return sum(covered) / max(len(covered), 1) + sum(none) / max(len(none), 1)


# --- scoring ------------------------------------------------------------------------------


def score(items: Sequence[Labelled], preds: Sequence[Prediction]) -> Figures:
    pairs = list(zip(items, preds, strict=True))
    covered = [(i, p) for i, p in pairs if i.topic != NONE]
    none = [(i, p) for i, p in pairs if i.topic == NONE]
    sectioned = [(i, p) for i, p in pairs if i.section and i.topic != NONE]
    return Figures(
        top1=(sum(i.right(p.topic) for i, p in covered), len(covered)),
        top3=(sum(any(i.right(t) for t in p.top3) for i, p in covered), len(covered)),
        section=(
            sum(p.topic == i.topic and p.section == i.section for i, p in sectioned),
            len(sectioned),
        ),
        none_abstained=(sum(p.topic is None for _, p in none), len(none)),
        false_abstention=(sum(p.topic is None for _, p in covered), len(covered)),
    )


def mean_figures(runs: Sequence[Figures]) -> Figures:
    """The figures of several runs over the same items, hits averaged."""

    def avg(pairs: Sequence[tuple[float, int]]) -> tuple[float, int]:
        return (sum(h for h, _ in pairs) / len(pairs), pairs[0][1])

    return Figures(
        top1=avg([f.top1 for f in runs]),
        top3=avg([f.top3 for f in runs]),
        section=avg([f.section for f in runs]),
        none_abstained=avg([f.none_abstained for f in runs]),
        false_abstention=avg([f.false_abstention for f in runs]),
    )


def _cell(pair: tuple[float, int]) -> str:
    hits, n = pair
    shown = f"{hits:g}" if hits == int(hits) else f"{hits:.1f}"
    return "  n/a" if not n else f"{hits / n:.3f} ({shown}/{n})"


def print_group(name: str, systems: Sequence[tuple[str, Figures]]) -> None:
    print(f"\n== {name} ==")
    rows = [
        ("top-1 (covered)", [_cell(f.top1) for _, f in systems]),
        ("top-3 (covered)", [_cell(f.top3) for _, f in systems]),
        ("section (topic AND section)", [_cell(f.section) for _, f in systems]),
        ("abstention on none", [_cell(f.none_abstained) for _, f in systems]),
        ("false abstention (covered)", [_cell(f.false_abstention) for _, f in systems]),
    ]
    w0 = max(len(r[0]) for r in rows)
    widths = [max(len(n), *(len(r[1][k]) for r in rows)) for k, (n, _) in enumerate(systems)]
    print(
        f"{'':{w0}}  " + "  ".join(f"{n:>{w}}" for (n, _), w in zip(systems, widths, strict=True))
    )
    for label, cells in rows:
        print(
            f"{label:{w0}}  " + "  ".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True))
        )


def print_misses(items: Sequence[Labelled], preds: Sequence[Prediction]) -> None:
    for item, pred in zip(items, preds, strict=True):
        if not item.right(pred.topic):
            print(f"  [{item.group}] want {item.topic} got {pred.topic or '(abstained)'}")
            print(f"      {item.q[:160]!r}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    default_dev = Path(os.environ.get("ZTBOT_DEV_SET", DEFAULT_DEV))
    parser.add_argument("--dev", type=Path, default=default_dev, metavar="PATH")
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, metavar="PATH")
    parser.add_argument("--knowledge", type=Path, default=DEFAULT_KNOWLEDGE, metavar="PATH")
    parser.add_argument("--fit", action="store_true", help="print the config fitted on --dev")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("-v", "--verbose", action="store_true", help="list ztbot's misses")
    parser.add_argument(
        "--repeats",
        type=int,
        default=5,
        metavar="N",
        help="also report the cross-validation averaged over N fold shuffles (default 5; 0: off)",
    )
    args = parser.parse_args(argv)

    kb = load_knowledge(args.knowledge)
    engine = Engine(kb)
    baseline = Bm25Baseline(kb)
    report: dict[str, Any] = {"knowledge_version": kb.version, "groups": {}}
    groups: list[tuple[str, list[Labelled], list[Prediction] | None]] = []
    repeated: dict[str, list[list[Prediction]]] = {}
    if args.dev.is_file():
        dev = load_dev(args.dev)
        rows = collect(engine, dev)
        if args.fit:
            fitted = fit(engine, rows, MatchConfig())
            print(
                f"fitted on {len(dev)} items: ranker_weight={fitted.ranker_weight} "
                f"answer_bias={fitted.answer_bias} answer_weights={fitted.answer_weights}"
            )
        cv = cv_predictions(engine, rows)
        shuffles = [cv] + [cv_predictions(engine, rows, seed) for seed in range(1, args.repeats)]
        for group in sorted({i.group for i in dev}, reverse=True):
            picked = [k for k, i in enumerate(dev) if i.group == group]
            groups.append((group, [dev[k] for k in picked], [cv[k] for k in picked]))
            if args.repeats > 1:
                repeated[group] = [[run[k] for k in picked] for run in shuffles]
    else:
        print(f"no development set at {args.dev} (use --dev PATH): its rows are skipped")
    groups.append(("questions.yaml", load_own(args.questions), None))

    predict = ztbot_predict(engine)
    for name, items, cv_preds in groups:
        systems = [
            ("ztbot" + (" in-sample" if cv_preds is not None else ""), [predict(i) for i in items])
        ]
        if cv_preds is not None:
            systems.append(("ztbot CV (5-fold)", cv_preds))
        systems.append(("bm25 (tuned on set)", baseline.predictions(items)))
        figures = [(label, score(items, preds)) for label, preds in systems]
        if name in repeated:
            runs = [score(items, preds) for preds in repeated[name]]
            figures.insert(2, (f"ztbot CV (5-fold x {len(runs)})", mean_figures(runs)))
        report["groups"][name] = {label: f.as_json() for label, f in figures}
        if not args.json:
            print_group(f"{name} ({len(items)} items)", figures)
            if args.verbose:
                print_misses(items, systems[0][1])
    if args.json:
        print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
