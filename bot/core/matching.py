"""Question -> ranked topics with a confidence in 0..1 and the best OS section.

The matcher is a field-weighted BM25-style scorer over each topic's keywords, title,
example questions, section words and answer text, with order-free bigrams so that
"high ping" and "can't ping" land on different topics. Chat text is folded, stemmed and
typo-corrected against the knowledge vocabulary (rapidfuzz) before scoring. It abstains
below a confidence floor and flags a near tie so the reply can ask "did you mean ...?".
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.base.oses import OsName, detect_os
from bot.base.text import (
    CANONICAL,
    STOPWORDS,
    clauses,
    fold,
    is_english,
    phrase_words,
    terms,
    tokens,
    words,
)
from bot.core.ranker import OUT_PREFIX, Ranker, knowledge_examples
from bot.knowledge.model import KnowledgeBase, Section, Topic, Uncovered

_VERBATIM = 97.0  # similarity (0..100) from which a message repeats a knowledge example
_NAME_RATIO = 0.7  # an out-of-scope subject this close to the best topic is named when abstaining
_POOL = 8  # topics per ranker considered for fusion (bounds the cost on big knowledge bases)
Feature = str  # a term, or "a|b" for an order-free bigram

# Field weights: how strongly a word in each part of a topic signals that topic.
_W_KEYWORD = 3.0
_W_TITLE = 2.0
_W_QUESTIONS = 3.0  # times the share of example questions that contain the word
_W_SECTION = 1.0
_W_ANSWER = 0.6
_SATURATION = 1.0  # BM25-style k: the second occurrence adds less than the first
_MAX_QUERY_CHARS = 4000  # enough for a long bug report; pastes are handled by diagnosis
_MAX_EXAMPLE_CHARS = 200


@dataclass(frozen=True, slots=True)
class MatchConfig:
    """Thresholds that turn scores into answer / did-you-mean / abstain."""

    floor: float = 0.0  # below this fused score the matcher abstains (answerability decides)
    suggest_floor: float = 0.30  # candidates above this may be offered as "did you mean"
    gap: float = 0.06  # second fused score within this share of the top (both >= suggest_floor)
    scale: float = 1.5  # raw score at which evidence strength reaches 1 - 1/e
    coverage_power: float = 0.5  # how much unexplained words in the question lower confidence
    # An out-of-scope subject that outscores every topic on the lexical matcher while the
    # classifier also prefers a label that is not a topic: abstain and name the subject.
    uncovered_ratio: float = 1.0  # the subject's raw lexical score over the best topic's
    # Fitted on the development set with bench/fusion.py (docs/understanding.md).
    ranker_weight: float = 1.0  # weight of the linear classifier's score in the fused score
    margin: float = math.inf  # the classifier names an out-of-scope subject when it wins by this
    # Answerability: a linear decision over `answer_features` (bias, then one weight each).
    answer_bias: float = -2.305
    answer_weights: tuple[float, ...] = (4.251, 1.232, 10.736)
    oov_weight: float = 0.3  # share of a rare word's weight given to words the KB never saw
    example_cutoff: float = 72.0  # similarity (0..100) from which a near-verbatim example counts
    example_weight: float = 2.5  # raw score added by an exact match with an example


@dataclass(frozen=True, slots=True)
class Candidate:
    """One ranked topic with its best section and a confidence in 0..1."""

    topic: str
    section: str | None
    score: float


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The matcher's verdict: a topic (or None when abstaining) and the ranked candidates."""

    topic: str | None
    section: str | None
    confidence: float
    candidates: tuple[Candidate, ...]
    ambiguous: bool
    os: tuple[OsName, ...]
    uncovered: str | None = None  # id of a known subject the FAQ does not answer


def _features(seq: Sequence[str]) -> list[Feature]:
    out: list[Feature] = list(seq)
    out.extend("|".join(sorted(pair)) for pair in itertools.pairwise(seq) if pair[0] != pair[1])
    return out


def _text_features(text: str) -> list[Feature]:
    """Terms plus order-free pairs of neighbouring terms within each clause."""
    return [f for clause in clauses(text) for f in _features(clause)]


@dataclass(frozen=True, slots=True)
class _Doc:
    weights: dict[Feature, float]


def _doc(entry: Topic | Uncovered) -> _Doc:
    w: dict[Feature, float] = defaultdict(float)

    def add(feats: Iterable[Feature], weight: float) -> None:
        for f in set(feats):
            w[f] += weight

    for kw in entry.keywords:
        words = terms(kw)
        if not words:
            continue  # only stopwords: carries no signal
        if len(words) == 1:
            add(words, _W_KEYWORD)
        else:
            # A phrase signals the phrase: its pairs count fully, its single words less.
            add(words, _W_KEYWORD / len(words))
            add(_features(words)[len(words) :], _W_KEYWORD)
    add(_text_features(entry.title), _W_TITLE)
    share = _W_QUESTIONS / max(len(entry.questions), 1)
    for q in entry.questions:
        add(_text_features(q), share)
    if isinstance(entry, Topic):
        for s in entry.sections:
            add(_features(terms(s.title + " " + " ".join(s.match))), _W_SECTION)
            add(terms(s.answer), _W_ANSWER)
        add(terms(entry.answer), _W_ANSWER)
    return _Doc(dict(w))


class Matcher:
    """An index over one knowledge base; `match` is pure and fast."""

    def __init__(self, kb: KnowledgeBase, config: MatchConfig | None = None) -> None:
        self.kb = kb
        self.config = config or MatchConfig()
        # Uncovered subjects are indexed like topics so they compete for the same words.
        docs = [_doc(t) for t in kb.topics] + [_doc(u) for u in kb.uncovered]
        n = len(docs)
        df: dict[Feature, int] = defaultdict(int)
        for d in docs:
            for f in d.weights:
                df[f] += 1
        self._postings: dict[Feature, list[tuple[int, float]]] = defaultdict(list)
        self._idf: dict[Feature, float] = {
            f: math.log(1 + (n - c + 0.5) / (c + 0.5)) for f, c in df.items()
        }
        self._idf_oov = math.log(1 + (n - 0.5) / 1.5)
        for i, d in enumerate(docs):
            for f, wtf in d.weights.items():
                self._postings[f].append((i, self._idf[f] * wtf / (wtf + _SATURATION)))
        unigrams = {f for f in self._postings if "|" not in f}
        self._vocab = sorted(unigrams | STOPWORDS | set(CANONICAL))
        self._known = frozenset(self._vocab)
        # Whole-message similarity to titles and example questions catches near-verbatim
        # phrasings whose meaning sits in stopwords ("what ports does zerotier use").
        self._examples: list[str] = []
        self._example_doc: list[int] = []
        entries: list[Topic | Uncovered] = [*kb.topics, *kb.uncovered]
        for i, entry in enumerate(entries):
            for example in (entry.title, *entry.questions):
                self._examples.append(_sorted_tokens(example))
                self._example_doc.append(i)
        self._correct = lru_cache(maxsize=8192)(self._correct_uncached)
        # Each topic's near misses, folded like the examples: one repeated word for word is
        # never answered with that topic (the self-tests hold even at the decision's edge).
        self._near_examples = [_sorted_tokens(q) for t in kb.topics for q in t.near_misses]
        self._near_topic = [i for i, t in enumerate(kb.topics) for _ in t.near_misses]
        self.ranker = Ranker(knowledge_examples(kb))
        self._topic_index = {t.id: i for i, t in enumerate(kb.topics)}
        self._subject_index = {u.id: n for n, u in enumerate(kb.uncovered)}

    def _correct_uncached(self, term: str) -> str | None:
        """Return the vocabulary word `term` is most likely a typo of, or None."""
        n = len(term)
        if n < 4 or not term.isalpha() or is_english(term):
            return None  # a real English word is what the user meant, not a typo
        # Edit budget like common search engines' "AUTO" fuzziness; 4-letter words only
        # accept a swap of two letters ("pnig"), since one edit there makes other real words,
        # and 5-letter words no same-length substitution ("bread" is not a typo of "break").
        budget = 1 if n <= 7 else 2
        best = process.extractOne(term, self._vocab, scorer=OSA.distance, score_cutoff=budget)
        if best is None:
            return None
        word = str(best[0])
        if n == 4 and sorted(word) != sorted(term):
            return None
        if n == 5 and len(word) == n and sorted(word) != sorted(term):
            return None
        if word[0] != term[0] and n < 8:
            return None
        return word

    def query_terms(self, text: str) -> list[str]:
        """Canonical, typo-corrected terms of a user's message."""
        return [t for clause in self.query_clauses(text) for t in clause]

    def query_clauses(self, text: str) -> list[list[str]]:
        """`query_terms`, grouped by clause."""
        out: list[list[str]] = []
        for clause in clauses(text[:_MAX_QUERY_CHARS]):
            fixed_clause: list[str] = []
            for raw in clause:
                term = raw
                if raw not in self._known:
                    fixed = self._correct(raw)
                    if fixed is not None:
                        term = CANONICAL.get(fixed, fixed)
                        if term in STOPWORDS:
                            continue
                fixed_clause.append(term)
            out.append(fixed_clause)
        return out

    def scores(self, text: str) -> tuple[list[tuple[int, float]], float]:
        """Raw scores per topic index, best first, and the query's total evidence mass."""
        scored, mass, _ = self._scores(text)
        return scored, mass

    def _scores(self, text: str) -> tuple[list[tuple[int, float]], float, int | None]:
        """Raw scores per topic index, best first, and the query's total evidence mass.

        The mass is what a topic explaining every word of the query would score; words the
        knowledge base has never seen count a little, so unrelated chatter lowers coverage.
        """
        acc: dict[int, float] = defaultdict(float)
        qclauses = self.query_clauses(text)
        verbatim = self._add_example_similarity(text, acc)
        mass = 0.0
        for f in {f for clause in qclauses for f in _features(clause)}:
            postings = self._postings.get(f)
            if postings is None:
                if "|" not in f and not f.isdigit():
                    mass += self.config.oov_weight * self._idf_oov
                continue
            if "|" not in f:
                mass += self._idf[f]
            for i, contribution in postings:
                acc[i] += contribution
        return sorted(acc.items(), key=lambda kv: -kv[1]), mass, verbatim

    def _add_example_similarity(self, text: str, acc: dict[int, float]) -> int | None:
        """Add near-verbatim example matches to `acc`; return the entry the message repeats
        word for word (similarity >= _VERBATIM), if any."""
        cfg = self.config
        query = _sorted_tokens(text[:_MAX_EXAMPLE_CHARS])
        if not query or len(text) > _MAX_EXAMPLE_CHARS:
            return None  # long messages are bug reports, never near-verbatim examples
        best: dict[int, float] = {}
        for _, sim, idx in process.extract(
            query,
            self._examples,
            scorer=fuzz.ratio,
            score_cutoff=cfg.example_cutoff,
            limit=20,
        ):
            doc = self._example_doc[idx]
            best[doc] = max(best.get(doc, 0.0), float(sim))
        for doc, sim in best.items():
            acc[doc] += cfg.example_weight * (sim - cfg.example_cutoff) / (100 - cfg.example_cutoff)
        verbatim = max(best.items(), key=lambda kv: kv[1], default=None)
        return verbatim[0] if verbatim is not None and verbatim[1] >= _VERBATIM else None

    def evidence(self, text: str) -> Evidence:
        """Everything the verdict needs about `text`, from both rankers (pure, cacheable)."""
        cfg = self.config
        scored, mass, verbatim = self._scores(text)
        n_topics = len(self.kb.topics)
        lexical: dict[int, float] = {}
        best_topic_raw = best_uncovered_raw = 0.0
        uncovered: int | None = None
        for i, raw in scored:
            if i < n_topics:
                best_topic_raw = max(best_topic_raw, raw)
                if len(lexical) < _POOL:
                    lexical[i] = confidence(raw, mass, cfg)
            elif raw > best_uncovered_raw:
                best_uncovered_raw, uncovered = raw, i - n_topics
        ranks = self.ranker.scores(text)
        index = self._topic_index
        topic_ranks = {index[label]: v for label, v in ranks.items() if label in index}
        others = [(v, label) for label, v in ranks.items() if label not in index]
        other_score, other = max(others, default=(0.0, ""))
        ratio = best_uncovered_raw / best_topic_raw if best_topic_raw > 0 else float("inf")
        if best_uncovered_raw <= 0:
            ratio = 0.0
        subjects = self._subject_index
        near_hit = (
            process.extractOne(
                _sorted_tokens(text), self._near_examples, scorer=fuzz.ratio, score_cutoff=_VERBATIM
            )
            if self._near_examples and len(text) <= _MAX_EXAMPLE_CHARS
            else None
        )
        return Evidence(
            near_miss=self._near_topic[near_hit[2]] if near_hit is not None else None,
            verbatim=verbatim,
            other_subject=subjects.get(other.removeprefix(OUT_PREFIX))
            if other.startswith(OUT_PREFIX)
            else None,
            lexical=lexical,
            ranks=topic_ranks,
            other=other,
            other_score=other_score,
            uncovered=uncovered,
            uncovered_ratio=ratio,
        )

    def match(self, text: str, *, exclude: Iterable[str] = (), limit: int = 5) -> MatchResult:
        """Rank topics for `text`; abstain (topic None) when the FAQ does not answer it."""
        return self.verdict(self.evidence(text), text, exclude=exclude, limit=limit)

    def verdict(
        self,
        ev: Evidence,
        text: str,
        *,
        exclude: Iterable[str] = (),
        limit: int = 5,
        config: MatchConfig | None = None,
    ) -> MatchResult:
        """Ranking first, then answerability as its own decision (see `answerable`)."""
        cfg = config or self.config
        excluded = set(exclude)
        os_names = detect_os(text)
        fused = fuse(ev, cfg)
        ranked = [(i, s) for i, s in fused if self.kb.topics[i].id not in excluded]
        cands: list[Candidate] = []
        qwords = words(text[:_MAX_QUERY_CHARS])  # once, for every candidate's sections
        for i, score in ranked[:limit]:
            topic = self.kb.topics[i]
            section = best_section(topic, os_names, text, qwords)
            shown = round(min(max(score, 0.0), 1.0), 4)  # a calibrated score can dip below 0
            cands.append(Candidate(topic.id, section.id if section else None, shown))
        top = cands[0].score if cands else 0.0
        second = cands[1].score if len(cands) > 1 else 0.0
        # A near tie on both rankers: the fused scores and the classifier's own scores.
        close = (
            len(ranked) > 1
            and ranked[1][1] >= ranked[0][1] * (1.0 - cfg.gap)
            and ev.rank(ranked[0][0]) - ev.rank(ranked[1][0]) < cfg.gap
        )
        ambiguous = (
            close
            and top >= cfg.suggest_floor
            and second >= cfg.suggest_floor
            and ev.verbatim != ranked[0][0]  # the knowledge's own example: no doubt
        )
        subject = uncovered_subject(ev, ranked[0][0] if ranked else None, cfg)
        if not ranked or subject is not None or not answerable(ev, ranked[0], cfg):
            if subject is None:
                subject = named_subject(ev)
            uncovered = self.kb.uncovered[subject].id if subject is not None else None
            return MatchResult(None, None, top, tuple(cands), False, os_names, uncovered)
        return MatchResult(cands[0].topic, cands[0].section, top, tuple(cands), ambiguous, os_names)


@dataclass(frozen=True, slots=True)
class Evidence:
    """What both rankers say about one message, before any threshold is applied."""

    lexical: dict[int, float]  # topic index -> the lexical matcher's confidence (best few)
    ranks: dict[int, float]  # topic index -> the linear classifier's score (0 when absent)
    other: str  # the best non-topic label of the classifier (out-of-scope or near miss)
    other_score: float
    uncovered: int | None  # the best out-of-scope subject of the lexical matcher
    uncovered_ratio: float  # its raw score over the best topic's
    other_subject: int | None = None  # `other` as an out-of-scope subject index, if it is one
    verbatim: int | None = None  # the entry whose example question this message repeats
    near_miss: int | None = None  # the topic one of whose near misses this message repeats

    def rank(self, topic: int) -> float:
        """The classifier's score for topic index `topic`."""
        return self.ranks.get(topic, 0.0)


def fuse(ev: Evidence, cfg: MatchConfig) -> list[tuple[int, float]]:
    """Topic indexes with fused scores, best first: lexical confidence + weighted classifier."""
    pool = set(ev.lexical)
    pool.update(sorted(ev.ranks, key=ev.ranks.__getitem__, reverse=True)[:_POOL])
    fused = [(i, ev.lexical.get(i, 0.0) + cfg.ranker_weight * ev.rank(i)) for i in pool]
    return sorted(fused, key=lambda kv: (-kv[1], kv[0]))


def uncovered_subject(ev: Evidence, best: int | None, cfg: MatchConfig) -> int | None:
    """The out-of-scope subject that wins over the best topic, if one does: by the lexical
    matcher's ratio, or by the classifier's margin (both normalised for document size)."""
    if (
        ev.uncovered is not None
        and ev.uncovered_ratio >= cfg.uncovered_ratio
        and (best is None or ev.other_score > ev.rank(best))
    ):
        return ev.uncovered  # both rankers prefer something the FAQ does not cover
    if ev.other_subject is not None and (
        best is None or ev.other_score - ev.rank(best) >= cfg.margin
    ):
        return ev.other_subject
    return None


def named_subject(ev: Evidence) -> int | None:
    """When abstaining anyway: the out-of-scope subject worth naming, if one stands out."""
    if ev.other_subject is not None:
        return ev.other_subject
    return ev.uncovered if ev.uncovered_ratio >= _NAME_RATIO else None


def decide(ev: Evidence, cfg: MatchConfig) -> int | None:
    """The index of the topic to answer with, or None to abstain (no thresholds elsewhere)."""
    ranked = fuse(ev, cfg)
    if not ranked or uncovered_subject(ev, ranked[0][0], cfg) is not None:
        return None
    return ranked[0][0] if answerable(ev, ranked[0], cfg) else None


def answer_features(ev: Evidence, best: int) -> tuple[float, ...]:
    """What answerability is judged on, for the best-ranked topic (see `answerable`)."""
    lexical = sorted(ev.lexical.values(), reverse=True)
    second = lexical[1] if len(lexical) > 1 else 0.0
    mine = ev.lexical.get(best, 0.0)
    return (
        mine,  # the lexical matcher's confidence: distinctive words, covering the message
        mine - second,  # how clearly the lexical matcher prefers it
        ev.rank(best) - ev.other_score,  # the classifier: topic over out-of-scope / near misses
    )


def answerable(ev: Evidence, best: tuple[int, float], cfg: MatchConfig) -> bool:
    """Does the FAQ answer this? A linear decision over `answer_features`, separate from the
    ranking; its weights are chosen by cross-validation (docs/understanding.md)."""
    index, score = best
    if score < cfg.floor or ev.near_miss == index:
        return False
    feats = answer_features(ev, index)
    return cfg.answer_bias + sum(w * f for w, f in zip(cfg.answer_weights, feats, strict=True)) > 0


def _sorted_tokens(text: str) -> str:
    return " ".join(sorted(tokens(fold(text))))


def confidence(raw: float, mass: float, cfg: MatchConfig) -> float:
    """Map a raw score to 0..1: enough distinctive evidence, covering most of what was asked."""
    strength = 1.0 - math.exp(-raw / cfg.scale)
    coverage = min(1.0, raw / mass) if mass > 0 else 0.0
    return float(strength * coverage**cfg.coverage_power)


def best_section(
    topic: Topic, os_names: Sequence[OsName], text: str, qwords: Sequence[str] | None = None
) -> Section | None:
    """The section whose match words the user used, else the first OS they named, else None.

    Case sections win over OS sections: "the service is running on Windows but the CLI
    still can't connect" needs the "Still doesn't work?" steps, not the Windows ones.
    """
    if qwords is None:
        qwords = words(text[:_MAX_QUERY_CHARS])

    def used(section: Section) -> bool:
        return any(phrase_in(phrase_words(w), qwords) for w in section.match)

    case = next((s for s in topic.sections if not s.os and used(s)), None)
    if case is not None:
        return case
    for os_name in os_names:
        for section in topic.sections:
            if os_name in section.os:
                return section
    return next((s for s in topic.sections if used(s)), None)


def phrase_in(phrase: Sequence[str], qterms: Sequence[str]) -> bool:
    """True when `phrase` occurs in `qterms` as a run of words, and is not negated."""
    n = len(phrase)
    if n == 0 or phrase[0] not in qterms:
        return False
    first, want = phrase[0], tuple(phrase)
    for i, term in enumerate(qterms):
        if (
            term == first
            and tuple(qterms[i : i + n]) == want
            and (first == "not" or i == 0 or qterms[i - 1] != "not")
        ):
            return True
    return False
