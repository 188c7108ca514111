"""Choosing the fusion weights and the answerability decision, with k-fold cross-validation.

The matcher ranks topics by `lexical confidence + ranker_weight * classifier score` and then
decides, separately, whether the FAQ answers the message at all: a linear decision over
`answer_features` (bot/core/matching.py). This module fits both on labelled items:

- `ranker_weight`: the value (from a small grid) with the most right first-ranked topics on
  the covered items;
- the answerability weights: a logistic regression (Newton's method, lightly regularised) whose
  positives are covered items whose first-ranked topic is right and whose negatives are the
  items the FAQ does not answer; its bias is then shifted to maximise the balanced accuracy
  (answered right on covered items + abstained on `none` items).

`cross_validate` fits on k-1 folds and predicts the held-out fold, so a held-out item never
influences its own prediction. The knowledge's ranker is trained on the knowledge only.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.core.engine import Engine
from bot.core.matching import Evidence, MatchConfig, answer_features, decide, fuse
from bot.core.models import Incoming

NONE = "none"
RANKER_WEIGHTS = (0.5, 1.0, 1.5, 2.0, 3.0, 4.0)
_L2 = 0.05


@dataclass(frozen=True, slots=True)
class Labelled:
    """One labelled message: the topic that answers it (or "none"), its section, other topics
    that partly answer it, and the group it is reported in."""

    q: str
    topic: str
    section: str | None
    also: tuple[str, ...]
    group: str

    def right(self, topic: str | None) -> bool:
        """Is answering `topic` (None: abstaining) right for this item?"""
        if self.topic == NONE:
            return topic is None
        return topic is not None and (topic == self.topic or topic in self.also)


@dataclass(frozen=True, slots=True)
class Row:
    """An item with what the engine saw: evidence for a fresh question, or a fixed topic when
    the engine did not rank it (chatter or pasted output are decided before ranking)."""

    item: Labelled
    evidence: Evidence | None
    fixed: str | None


def collect(engine: Engine, items: Sequence[Labelled]) -> list[Row]:
    """Run each item once; keep the evidence so configurations can be compared cheaply."""
    rows = []
    for item in items:
        reply = engine.respond(Incoming(text=item.q))
        if reply.kind in ("smalltalk", "help", "diagnosis"):
            rows.append(Row(item, None, reply.topic))
        else:
            rows.append(Row(item, engine.matcher.evidence(item.q), None))
    return rows


def predict(engine: Engine, row: Row, cfg: MatchConfig) -> str | None:
    """The topic answered under `cfg`, or None for an abstention."""
    if row.evidence is None:
        return row.fixed
    if decide(row.evidence, cfg) is None:
        return None
    # The engine's own verdict. A "did you mean" lists the ranked topics and names the first
    # as its `topic`, as `ztbot ask --json` does (kind "clarify").
    return engine.matcher.verdict(row.evidence, row.item.q, config=cfg).topic


def fit(engine: Engine, rows: Sequence[Row], base: MatchConfig) -> MatchConfig:
    """Fusion weight and answerability decision fitted on `rows`."""
    ranked = [r for r in rows if r.evidence is not None]
    covered = [r for r in ranked if r.item.topic != NONE]

    def first_right(weight: float) -> int:
        cfg = replace(base, ranker_weight=weight)
        return sum(r.item.right(_first(engine, r, cfg)) for r in covered)

    weight = max(RANKER_WEIGHTS, key=lambda w: (first_right(w), -abs(w - base.ranker_weight)))
    cfg = replace(base, ranker_weight=weight, floor=0.0, margin=math.inf)
    xs: list[tuple[float, ...]] = []
    ys: list[int] = []
    for r in ranked:
        assert r.evidence is not None
        best = fuse(r.evidence, cfg)[0][0]
        right = r.item.right(engine.kb.topics[best].id)
        if r.item.topic == NONE or right:
            xs.append(answer_features(r.evidence, best))
            ys.append(0 if r.item.topic == NONE else 1)
    coefs = logistic(xs, ys)
    cfg = replace(cfg, answer_bias=coefs[0], answer_weights=tuple(coefs[1:]))
    return _best_bias(engine, rows, cfg)


def _first(engine: Engine, row: Row, cfg: MatchConfig) -> str | None:
    assert row.evidence is not None
    ranked = fuse(row.evidence, cfg)
    return engine.kb.topics[ranked[0][0]].id if ranked else None


def _best_bias(engine: Engine, rows: Sequence[Row], cfg: MatchConfig) -> MatchConfig:
    """Shift the answerability bias to the best balanced accuracy on `rows`."""
    covered = [r for r in rows if r.item.topic != NONE]
    none = [r for r in rows if r.item.topic == NONE]

    def balanced(c: MatchConfig) -> float:
        cov = sum(r.item.right(predict(engine, r, c)) for r in covered) / max(len(covered), 1)
        nn = sum(r.item.right(predict(engine, r, c)) for r in none) / max(len(none), 1)
        return cov + nn

    shifts = [s / 4 for s in range(-12, 13)]
    candidates = [replace(cfg, answer_bias=cfg.answer_bias + s) for s in shifts]
    return max(candidates, key=lambda c: (balanced(c), -abs(c.answer_bias - cfg.answer_bias)))


def cross_validate(
    engine: Engine, rows: Sequence[Row], base: MatchConfig, k: int = 5, seed: int = 0
) -> list[str | None]:
    """Held-out predictions: each fold predicted by a configuration fitted on the others.
    Folds are stratified by group and by covered/none."""
    folds: list[int] = [0] * len(rows)
    strata: dict[tuple[str, bool], list[int]] = {}
    for i, r in enumerate(rows):
        strata.setdefault((r.item.group, r.item.topic == NONE), []).append(i)
    rng = random.Random(seed)
    offset = 0
    for key in sorted(strata):
        members = strata[key]
        rng.shuffle(members)
        for j, i in enumerate(members):
            folds[i] = (j + offset) % k
        offset += len(members)
    out: list[str | None] = [None] * len(rows)
    for fold in range(k):
        train = [r for r, f in zip(rows, folds, strict=True) if f != fold]
        cfg = fit(engine, train, base)
        for i, r in enumerate(rows):
            if folds[i] == fold:
                out[i] = predict(engine, r, cfg)
    return out


def logistic(xs: Sequence[tuple[float, ...]], ys: Sequence[int]) -> list[float]:
    """L2-regularised logistic regression by Newton's method: [bias, *weights]."""
    if not xs:
        return [0.0]
    n = len(xs[0]) + 1
    rows = [(1.0, *x) for x in xs]
    w = [0.0] * n
    for _ in range(25):
        grad = [_L2 * w[j] if j else 0.0 for j in range(n)]
        hess = [[(_L2 if i == j and i else 0.0) for j in range(n)] for i in range(n)]
        for x, y in zip(rows, ys, strict=True):
            z = sum(a * b for a, b in zip(w, x, strict=True))
            p = 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))
            for i in range(n):
                grad[i] += (p - y) * x[i]
                for j in range(n):
                    hess[i][j] += p * (1 - p) * x[i] * x[j]
        for i in range(n):
            hess[i][i] += 1e-6
        step = _solve(hess, grad)
        w = [a - b for a, b in zip(w, step, strict=True)]
        if max(abs(s) for s in step) < 1e-6:
            break
    return [round(v, 3) for v in w]


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (tiny dense systems)."""
    n = len(b)
    m = [[*row, rhs] for row, rhs in zip(a, b, strict=True)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        if abs(m[col][col]) < 1e-12:
            continue
        for r in range(n):
            if r != col:
                factor = m[r][col] / m[col][col]
                m[r] = [x - factor * y for x, y in zip(m[r], m[col], strict=True)]
    return [m[i][n] / m[i][i] if abs(m[i][i]) > 1e-12 else 0.0 for i in range(n)]
