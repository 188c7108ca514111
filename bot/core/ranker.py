"""The second ranker: a linear text classifier over word and character n-grams.

Trained when the knowledge loads, on the knowledge's own words: each topic's example
questions, keywords and title (label: the topic), each out-of-scope subject's questions and
keywords (label: that subject), and each topic's near-miss examples (label: "not this topic").
The model is a dictionary of weights: a class's weight vector is the normalised centroid of its
examples' TF-IDF vectors (a Rocchio classifier; perceptron corrections were tried and overfit
the knowledge's phrasings). Scoring a message is one sparse dot product per feature it contains,
minus the label's calibration offset: what the label scores on text that is not about it (the
99th percentile of its scores on the other labels' example questions), so a label trained on a
handful of examples competes on equal terms with one trained on forty.

Long reports are read sentence by sentence: the first sentence and sentences that state a
symptom weigh more; "what I tried" sentences and pasted output weigh less (see `sentences`).
"""

from __future__ import annotations

import itertools
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from bot.base.text import fold, terms, tokens
from bot.knowledge.model import KnowledgeBase

Label = str
Vector = dict[str, float]

_SENTENCE: Final = re.compile(r"(?<=[.!?])\s+|\n+")
_TRIED: Final = re.compile(
    r"\b(?:tried|i also|already|re-?installed|rebooted|restarted|checked|disabled|updated|"
    r"reset|swapped|wiped|removed|none of (?:it|this|that)|nothing (?:helped|worked))\b"
)
_SYMPTOM: Final = re.compile(
    r"\b(?:not?|can ?not|cant|can't|won'?t|doesn'?t|isn'?t|never|fails?|failed|failing|error|"
    r"unable|stuck|drops?|slow|timed? ?out|timeout|refused|unreachable|lost|offline|broken|"
    r"high|only|instead|why)\b"
)
_PASTE: Final = re.compile(r"^\s*(?:\$|#|>|```|\d{3} \w|[0-9a-f]{10}\b)|[0-9a-f]{10}\s+\S+/\d")
_W_FIRST: Final = 1.6  # the first sentence (often the title of a report)
_W_SYMPTOM: Final = 1.3
_W_TRIED: Final = 0.35
_W_PASTE: Final = 0.2
_CHAR_N: Final = (4,)
_MAX_POSTINGS: Final = 48  # labels kept per feature (the strongest)
_W_CHARS: Final = 0.25  # a character n-gram is weak evidence next to a whole word
_MAX_CHARS: Final = 4000
_CALIBRATION: Final = 0.99  # quantile of a label's scores on other labels' examples
_MAX_CALIBRATION: Final = 2000  # example questions scored at load time (a big KB samples)


@dataclass(frozen=True, slots=True)
class Example:
    """One training text with its label and weight."""

    text: str
    label: Label
    weight: float = 1.0


def sentences(text: str) -> list[tuple[str, float]]:
    """The sentences of a message with how much each says about the problem."""
    parts = [p for p in _SENTENCE.split(fold(text[:_MAX_CHARS])) if p.strip()]
    out: list[tuple[str, float]] = []
    for i, part in enumerate(parts):
        if _PASTE.search(part):
            weight = _W_PASTE
        elif _TRIED.search(part):
            weight = _W_TRIED
        elif i == 0:
            weight = _W_FIRST
        elif _SYMPTOM.search(part):
            weight = _W_SYMPTOM
        else:
            weight = 1.0
        out.append((part, weight))
    return out


def raw_features(text: str) -> Vector:
    """Weighted counts of word unigrams, word bigrams and character n-grams of `text`."""
    counts: dict[str, float] = defaultdict(float)
    for part, weight in sentences(text):
        words = terms(part)
        for w in words:
            counts["w " + w] += weight
        for a, b in itertools.pairwise(words):
            if a != b:
                counts["b " + (f"{a} {b}" if a < b else f"{b} {a}")] += weight
        for tok in tokens(part):
            for gram in _char_grams(tok):
                counts[gram] += weight * _W_CHARS
    return dict(counts)


@lru_cache(maxsize=65536)
def _char_grams(token: str) -> tuple[str, ...]:
    """Character n-grams of one word, with word boundaries: they survive typos and suffixes."""
    if len(token) < 3 or token.isdigit():
        return ()
    padded = f"<{token}>"
    return tuple("c " + padded[i : i + n] for n in _CHAR_N for i in range(len(padded) - n + 1))


def _tf(count: float) -> float:
    """Sublinear term frequency: the tenth mention of a word adds little."""
    return 1.0 + math.log(count) if count >= 1 else count


def _normalise(vec: Vector) -> Vector:
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {k: v / norm for k, v in vec.items()} if norm > 0 else vec


class Ranker:
    """A linear classifier: label scores are dot products with per-label weight vectors."""

    def __init__(self, examples: Sequence[Example]) -> None:
        self.labels: tuple[Label, ...] = tuple(dict.fromkeys(e.label for e in examples))
        index = {label: i for i, label in enumerate(self.labels)}
        raws = [raw_features(e.text) for e in examples]
        df: dict[str, int] = defaultdict(int)
        for raw in raws:
            for f in raw:
                df[f] += 1
        n = len(raws) or 1
        self._idf = {f: math.log((1 + n) / (1 + c)) + 1.0 for f, c in df.items()}
        idf = self._idf
        centroids: list[Vector] = [defaultdict(float) for _ in self.labels]
        # Example questions kept (as unit vectors) for the calibration; a big knowledge base
        # keeps an evenly spaced sample of at most about _MAX_CALIBRATION.
        step = max(1, sum(1 for e in examples if e.weight >= 1) // _MAX_CALIBRATION)
        sample: list[tuple[Vector, int]] = []
        asked = 0
        # One pass per example (hot at load time): TF-IDF, normalise, add to its centroid.
        for raw, example in zip(raws, examples, strict=True):
            vec = {f: _tf(c) * idf[f] for f, c in raw.items()}
            norm = math.sqrt(sum(v * v for v in vec.values()))
            own = index[example.label]
            if example.weight >= 1:
                if asked % step == 0:
                    sample.append(({f: v / norm for f, v in vec.items()} if norm > 0 else {}, own))
                asked += 1
            if norm <= 0:
                continue
            scale = example.weight / norm
            centroid = centroids[own]
            for f, v in vec.items():
                centroid[f] += v * scale
        self._postings = _postings(_normalise(dict(c)) for c in centroids)
        self._offsets = self._calibrate(sample)

    def _calibrate(self, sample: Sequence[tuple[Vector, int]]) -> list[float]:
        """Each label's score on the other labels' example questions (`sample`: unit vectors
        and their label), at its _CALIBRATION quantile: what the label scores on text that is
        not about it. A label trained on a few examples puts all its weight on few words and
        scores high on any text sharing one; subtracting this offset puts labels of every size
        on equal terms."""
        family = [label.split(":", 1)[-1] for label in self.labels]
        seen: dict[int, list[float]] = defaultdict(list)
        sizes: dict[str, int] = defaultdict(int)
        for unit, own in sample:
            sizes[family[own]] += 1
            for i, v in self._dot(unit).items():
                if family[i] != family[own]:
                    seen[i].append(v)
        offsets = []
        for i, name in enumerate(family):
            n = len(sample) - sizes[name]  # texts not about this label (zeros where absent)
            rank = n - 1 - int(_CALIBRATION * (n - 1)) if n > 0 else 0
            values = sorted(seen.get(i, ()), reverse=True)
            offsets.append(values[rank] if rank < len(values) else 0.0)
        return offsets

    def _vector(self, raw: Vector) -> Vector:
        idf = self._idf
        return _normalise({f: _tf(c) * idf[f] for f, c in raw.items() if f in idf})

    def _dot(self, vec: Vector) -> dict[int, float]:
        scores: dict[int, float] = defaultdict(float)
        postings = self._postings
        for f, v in vec.items():
            for i, w in postings.get(f, ()):
                scores[i] += v * w
        return scores

    def scores(self, text: str) -> dict[Label, float]:
        """The score of each label that shares a feature with `text` (higher is better; about
        -1..1); labels left out score 0. Sparse, so a big knowledge base stays fast."""
        labels = self.labels
        return {labels[i]: v for i, v in self.label_scores(text).items()}

    def label_scores(self, text: str) -> dict[int, float]:
        """`scores` keyed by the label's index in `labels`."""
        offsets = self._offsets
        return {i: v - offsets[i] for i, v in self._dot(self._vector(raw_features(text))).items()}


def _postings(model: Iterable[Vector]) -> dict[str, list[tuple[int, float]]]:
    """Feature -> (label, weight), keeping each feature's strongest labels only: on a big
    knowledge base a common feature would otherwise touch every label of every message."""
    out: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for i, vec in enumerate(model):
        for f, w in vec.items():
            if w:
                out[f].append((i, w))
    for postings in out.values():
        if len(postings) > _MAX_POSTINGS:
            postings.sort(key=lambda p: -p[1])
            del postings[_MAX_POSTINGS:]
    return dict(out)


OUT_PREFIX: Final = "out:"  # label of an out-of-scope subject
NEAR_PREFIX: Final = "near:"  # label of a topic's near misses


def knowledge_examples(kb: KnowledgeBase) -> list[Example]:
    """The training set the knowledge implies: topics, out-of-scope subjects and near misses."""
    out: list[Example] = []
    for topic in kb.topics:
        out.append(Example(topic.title, topic.id))
        out.extend(Example(q, topic.id) for q in topic.questions)
        out.append(Example(" ".join(topic.keywords), topic.id, 0.5))
        out.extend(Example(k, topic.id, 0.5) for k in topic.keywords)
        for section in topic.sections:
            out.append(Example(f"{section.title} {' '.join(section.match)}", topic.id, 0.3))
        out.extend(Example(q, NEAR_PREFIX + topic.id) for q in topic.near_misses)
    for subject in kb.uncovered:
        out.append(Example(subject.title, OUT_PREFIX + subject.id))
        out.extend(Example(q, OUT_PREFIX + subject.id) for q in subject.questions)
        out.extend(Example(k, OUT_PREFIX + subject.id, 0.5) for k in subject.keywords)
    return out
