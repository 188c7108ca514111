"""Retrieval quality of ztbot against a BM25 baseline, on the labelled question set.

What it measures, for ztbot (``Engine.respond``, the path ``ztbot ask`` takes) and for a BM25
baseline in the same run:

- top-1 topic accuracy on covered items (an abstention on a covered item counts as wrong);
- section accuracy on items with a section label (topic AND section right);
- abstention precision and recall, the positive class being "abstained": recall is the share of
  ``none`` items abstained on, precision the share of abstentions that were on ``none`` items;
- per-question latency p50/p99 in ms (``time.perf_counter`` around each call, after a warm-up);
- a per-style breakdown (style tag -> n, accuracy; on ``none`` items "right" means abstained).

The baseline is ``rank_bm25.BM25Okapi`` over the FAQ text: one document per topic (title and
answer) and one per section (title and answer), tokenised with a lowercase ``\\w+`` split and
no stopword list. It answers the topic (and section, if the best document is a section) of the
best-scoring document, and abstains when that score is below a threshold picked as the
best-F1 (abstention F1) threshold *on this same set*: an optimistic, tuned-on-test baseline.

Run from the repository root::

    .venv/bin/python bench/retrieval.py [--questions PATH] [--knowledge PATH] [--json] [-v]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rank_bm25 import BM25Okapi

from bench._common import (
    DEFAULT_KNOWLEDGE,
    DEFAULT_QUESTIONS,
    NONE,
    Item,
    load_labelled,
    percentile,
    ratio,
)
from bot.core.engine import Engine
from bot.core.models import Incoming
from bot.knowledge import KnowledgeBase, load_knowledge

_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Prediction:
    """What a system answered for one question (topic None = abstained)."""

    topic: str | None
    section: str | None
    score: float  # ztbot: confidence; BM25: the best document's raw score
    kind: str  # ztbot: the reply kind; BM25: "answer" or "abstain"
    ranked: str | None  # the best-ranked topic, whether or not the system abstained


@dataclass(frozen=True, slots=True)
class Figures:
    """The scores of one system on the labelled set."""

    name: str
    top1: tuple[int, int]
    ranked1: tuple[int, int]
    section: tuple[int, int]
    abstain_precision: tuple[int, int]
    abstain_recall: tuple[int, int]
    covered_abstained: tuple[int, int]
    clarify: int
    p50_ms: float
    p99_ms: float
    by_style: dict[str, tuple[int, int]]

    def as_json(self) -> dict[str, Any]:
        def frac(pair: tuple[int, int]) -> dict[str, Any]:
            value = ratio(*pair)
            return {"hits": pair[0], "n": pair[1], "value": None if math.isnan(value) else value}

        p, r = ratio(*self.abstain_precision), ratio(*self.abstain_recall)
        return {
            "top1_covered": frac(self.top1),
            "top1_ranked_ignoring_abstention": frac(self.ranked1),
            "section": frac(self.section),
            "abstain_precision": frac(self.abstain_precision),
            "abstain_recall": frac(self.abstain_recall),
            "abstain_f1": _f1(p, r),
            "none_abstained": frac(self.abstain_recall),
            "covered_abstained": frac(self.covered_abstained),
            "clarify_replies": self.clarify,
            "latency_ms": {"p50": self.p50_ms, "p99": self.p99_ms},
            "by_style": {s: frac(v) for s, v in sorted(self.by_style.items())},
        }


# --- the two systems ----------------------------------------------------------------------


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
        self.threshold = 0.0

    def best(self, text: str) -> tuple[int, float]:
        """Index and score of the best document for `text`."""
        scores = self.bm25.get_scores(tokenize(text))
        i = int(scores.argmax())
        return i, float(scores[i])

    def predict(self, text: str) -> Prediction:
        i, score = self.best(text)
        if score < self.threshold:
            return Prediction(None, None, score, "abstain", self.tags[i][0])
        topic, section = self.tags[i]
        return Prediction(topic, section, score, "answer", topic)


def ztbot_predict(engine: Engine) -> Callable[[str], Prediction]:
    def predict(text: str) -> Prediction:
        reply = engine.respond(Incoming(text=text))
        ranked = reply.candidates[0].topic if reply.candidates else reply.topic
        return Prediction(reply.topic, reply.section, reply.confidence, reply.kind, ranked)

    return predict


def timed_run(
    predict: Callable[[str], Prediction], items: Sequence[Item]
) -> tuple[list[Prediction], list[float]]:
    """One warm-up pass, then one timed pass; return the timed pass's predictions and ms."""
    for item in items:
        predict(item.q)
    preds: list[Prediction] = []
    times: list[float] = []
    for item in items:
        t0 = time.perf_counter()
        pred = predict(item.q)
        times.append((time.perf_counter() - t0) * 1000.0)
        preds.append(pred)
    return preds, times


def best_f1_threshold(items: Sequence[Item], scores: Sequence[float]) -> tuple[float, float]:
    """The abstain-below threshold with the best abstention F1 on `items`; ties: the lowest.

    Candidates are 0 (never abstain), every observed best score, and one just above the
    highest (always abstain). Returns (threshold, F1).
    """
    is_none = [item.topic == NONE for item in items]
    n_none = sum(is_none)
    best_t, best_f1 = 0.0, -1.0
    for t in sorted({0.0, *scores, max(scores, default=0.0) + 1e-9}):
        abstained = [s < t for s in scores]
        tp = sum(a and n for a, n in zip(abstained, is_none, strict=True))
        f1 = _f1(ratio(tp, sum(abstained)), ratio(tp, n_none)) or 0.0
        if f1 > best_f1:
            best_t, best_f1 = t, f1
    return best_t, best_f1


def _f1(p: float, r: float) -> float | None:
    if math.isnan(p) or math.isnan(r) or p + r == 0:
        return None
    return 2 * p * r / (p + r)


# --- scoring ------------------------------------------------------------------------------


def score(
    name: str, items: Sequence[Item], preds: Sequence[Prediction], ms: list[float]
) -> Figures:
    covered = [(i, p) for i, p in zip(items, preds, strict=True) if i.topic != NONE]
    none = [(i, p) for i, p in zip(items, preds, strict=True) if i.topic == NONE]
    sectioned = [(i, p) for i, p in zip(items, preds, strict=True) if i.section]
    abstained = [(i, p) for i, p in zip(items, preds, strict=True) if p.topic is None]
    by_style: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for item, pred in zip(items, preds, strict=True):
        by_style[item.style][0] += _topic_right(item, pred)
        by_style[item.style][1] += 1
    return Figures(
        name=name,
        top1=(sum(p.topic == i.topic for i, p in covered), len(covered)),
        ranked1=(sum(p.ranked == i.topic for i, p in covered), len(covered)),
        section=(
            sum((p.topic, p.section) == (i.topic, i.section) for i, p in sectioned),
            len(sectioned),
        ),
        abstain_precision=(sum(i.topic == NONE for i, _ in abstained), len(abstained)),
        abstain_recall=(sum(p.topic is None for _, p in none), len(none)),
        covered_abstained=(sum(p.topic is None for _, p in covered), len(covered)),
        clarify=sum(p.kind == "clarify" for p in preds),
        p50_ms=percentile(ms, 50),
        p99_ms=percentile(ms, 99),
        by_style={s: (v[0], v[1]) for s, v in by_style.items()},
    )


def _topic_right(item: Item, pred: Prediction) -> bool:
    return (pred.topic or NONE) == item.topic


# --- output -------------------------------------------------------------------------------


def _cell(pair: tuple[int, int]) -> str:
    value = ratio(*pair)
    shown = "  n/a" if math.isnan(value) else f"{value:.3f}"
    return f"{shown} ({pair[0]}/{pair[1]})"


def print_table(
    zt: Figures,
    bm: Figures,
    threshold: float,
    f1: float,
    items: Sequence[Item],
    questions: Path,
    knowledge: Path,
    kb: KnowledgeBase,
) -> None:
    n_none = sum(i.topic == NONE for i in items)
    print(
        f"labelled set: {_rel(questions)}  ({len(items)} items: {len(items) - n_none} covered, "
        f"{n_none} none, {sum(bool(i.section) for i in items)} with a section label)"
    )
    print(
        f"knowledge:    {_rel(knowledge)}  ({len(kb.topics)} topics, "
        f"{sum(len(t.sections) for t in kb.topics)} sections, version {kb.version})"
    )
    print()

    def f1_of(f: Figures) -> str:
        value = _f1(ratio(*f.abstain_precision), ratio(*f.abstain_recall))
        return "n/a" if value is None else f"{value:.3f}"

    rows: list[tuple[str, str, str]] = [
        ("top-1 topic, covered items", _cell(zt.top1), _cell(bm.top1)),
        ("  best-ranked, never abstaining", _cell(zt.ranked1), _cell(bm.ranked1)),
        ("section (topic AND section)", _cell(zt.section), _cell(bm.section)),
        ("abstention precision", _cell(zt.abstain_precision), _cell(bm.abstain_precision)),
        ("abstention recall", _cell(zt.abstain_recall), _cell(bm.abstain_recall)),
        ("abstention F1", f1_of(zt), f1_of(bm)),
        ("none items abstained on", _cell(zt.abstain_recall), _cell(bm.abstain_recall)),
        ("covered items abstained on", _cell(zt.covered_abstained), _cell(bm.covered_abstained)),
        ("'did you mean' replies", str(zt.clarify), "-"),
        ("latency p50 (ms)", f"{zt.p50_ms:.3f}", f"{bm.p50_ms:.3f}"),
        ("latency p99 (ms)", f"{zt.p99_ms:.3f}", f"{bm.p99_ms:.3f}"),
    ]
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(zt.name), *(len(r[1]) for r in rows))
    w2 = max(len(bm.name), *(len(r[2]) for r in rows))
    print(f"{'':{w0}}  {zt.name:>{w1}}  {bm.name:>{w2}}")
    print(f"{'-' * w0}  {'-' * w1}  {'-' * w2}")
    for label, a, b in rows:
        print(f"{label:{w0}}  {a:>{w1}}  {b:>{w2}}")
    print()
    print(
        f"BM25 baseline: BM25Okapi over {len(kb.topics)} topic answers + "
        f"{sum(len(t.sections) for t in kb.topics)} sections, lowercase \\w+ tokens, no stopwords;"
    )
    print(
        f"  abstains below a best-document score of {threshold:.3f}, the best-F1 threshold "
        f"(abstention F1 {f1:.3f})"
    )
    print("  chosen ON THIS SAME SET: an optimistic baseline.")
    print()
    print("per style (top-1; on none items, right = abstained):")
    styles = sorted(set(zt.by_style) | set(bm.by_style), key=lambda s: (-zt.by_style[s][1], s))
    ws = max(len("style"), *(len(s) for s in styles))
    print(f"  {'style':{ws}}  {'n':>4}  {'ztbot':>6}  {'bm25':>6}")
    for style in styles:
        hits, n = zt.by_style[style]
        bhits, _ = bm.by_style[style]
        print(f"  {style:{ws}}  {n:>4}  {hits / n:>6.3f}  {bhits / n:>6.3f}")


def print_misses(items: Sequence[Item], preds: Sequence[Prediction]) -> None:
    topic_misses = [(i, p) for i, p in zip(items, preds, strict=True) if not _topic_right(i, p)]
    section_misses = [
        (i, p)
        for i, p in zip(items, preds, strict=True)
        if i.section and _topic_right(i, p) and p.section != i.section
    ]
    print()
    print(f"ztbot topic misses ({len(topic_misses)}):")
    for item, pred in topic_misses:
        got = pred.topic or "(abstained)"
        print(
            f"  [{item.style}] want {_label(item.topic, item.section)}  got "
            f"{_label(got, pred.section)} {pred.kind} conf={pred.score:.2f}\n      {item.q!r}"
        )
    print(f"ztbot section misses, topic right ({len(section_misses)}):")
    for item, pred in section_misses:
        print(
            f"  [{item.style}] want {_label(item.topic, item.section)}  got "
            f"{_label(item.topic, pred.section) if pred.section else '(no section)'}\n"
            f"      {item.q!r}"
        )


def _label(topic: str, section: str | None) -> str:
    return f"{topic}/{section}" if section else topic


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, metavar="PATH")
    parser.add_argument("--knowledge", type=Path, default=DEFAULT_KNOWLEDGE, metavar="PATH")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("-v", "--verbose", action="store_true", help="list ztbot's misses")
    args = parser.parse_args(argv)

    items = load_labelled(args.questions)
    kb = load_knowledge(args.knowledge)
    engine = Engine(kb)
    zt_preds, zt_ms = timed_run(ztbot_predict(engine), items)

    baseline = Bm25Baseline(kb)
    best_scores = [baseline.best(item.q)[1] for item in items]
    baseline.threshold, f1 = best_f1_threshold(items, best_scores)
    bm_preds, bm_ms = timed_run(baseline.predict, items)

    zt = score("ztbot", items, zt_preds, zt_ms)
    bm = score("bm25 (tuned)", items, bm_preds, bm_ms)
    if args.json:
        out = {
            "questions": str(args.questions),
            "knowledge": str(args.knowledge),
            "knowledge_version": kb.version,
            "items": len(items),
            "ztbot": zt.as_json(),
            "bm25": {
                **bm.as_json(),
                "threshold": baseline.threshold,
                "threshold_note": "best abstention-F1 threshold chosen on this same set "
                "(optimistic baseline)",
            },
        }
        if args.verbose:
            out["ztbot_misses"] = [
                {"q": i.q, "want": [i.topic, i.section], "got": [p.topic, p.section]}
                for i, p in zip(items, zt_preds, strict=True)
                if not _topic_right(i, p) or (i.section and p.section != i.section)
            ]
        print(json.dumps(out, indent=2))
        return 0
    print_table(zt, bm, baseline.threshold, f1, items, args.questions, args.knowledge, kb)
    if args.verbose:
        print_misses(items, zt_preds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
