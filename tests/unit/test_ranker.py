"""The linear classifier: features, training on the knowledge, and sentence weights."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.ranker import (
    NEAR_PREFIX,
    OUT_PREFIX,
    Example,
    Ranker,
    knowledge_examples,
    raw_features,
    sentences,
)
from bot.knowledge import KnowledgeBase


def test_features_are_words_pairs_and_character_grams() -> None:
    """Unigrams, order-free bigrams and boundary-marked character 4-grams."""
    feats = raw_features("ping fails")
    assert {"w ping", "w fail", "b fail ping", "c <pin", "c ing>"} <= set(feats)


@pytest.mark.parametrize(
    ("text", "index", "weight"),
    [
        ("Ping fails on my NAS. I already reinstalled it twice.", 1, 0.35),
        ("Ping fails on my NAS. It is a QNAP.", 0, 1.6),
        ("Service is down. It never starts after boot.", 1, 1.3),
    ],
)
def test_sentence_weights(text: str, index: int, weight: float) -> None:
    """The first sentence and symptoms weigh more, "what I tried" less."""
    assert sentences(text)[index][1] == weight


def test_trained_on_examples_it_ranks_the_right_label_first() -> None:
    """A tiny training set: each label wins on words from its own examples."""
    ranker = Ranker(
        [
            Example("ping does not answer", "ping"),
            Example("icmp echo blocked", "ping"),
            Example("transfers are slow, low bandwidth", "speed"),
            Example("iperf shows few mbps", "speed"),
        ]
    )
    scores = ranker.scores("my iperf bandwidth is low")
    assert max(scores, key=scores.__getitem__) == "speed"


def test_knowledge_examples_cover_topics_subjects_and_near_misses(kb: KnowledgeBase) -> None:
    """Every topic, out-of-scope subject and near-miss list becomes a label."""
    labels = {e.label for e in knowledge_examples(kb)}
    assert {t.id for t in kb.topics} <= labels
    assert {OUT_PREFIX + u.id for u in kb.uncovered} <= labels
    assert {NEAR_PREFIX + t.id for t in kb.topics if t.near_misses} <= labels


@given(st.text(max_size=300))
def test_any_text_scores_every_label(text: str) -> None:
    """Scoring never fails; the labels that share a feature get a bounded score."""
    ranker = Ranker([Example("ping", "a"), Example("speed", "b")])
    scores = ranker.scores(text)
    assert set(scores) <= {"a", "b"}
    assert all(-2.0 <= v <= 2.0 for v in scores.values())
    assert set(ranker.scores("ping speed")) == {"a", "b"}


def test_labels_are_calibrated_on_text_that_is_not_about_them(kb: KnowledgeBase) -> None:
    """A label scores above 0 on at most 1% of the other labels' example questions, however
    many examples it was trained on: a subject with a handful of examples (all its weight on
    a few words) does not outscore a broad topic on one shared word."""
    examples = knowledge_examples(kb)
    ranker = Ranker(examples)
    questions = [e for e in examples if e.weight >= 1]
    scored = [(e, ranker.scores(e.text)) for e in questions]
    for label in ranker.labels:
        family = label.split(":", 1)[-1]
        others = [s for e, s in scored if e.label.split(":", 1)[-1] != family]
        above = sum(1 for s in others if s.get(label, 0.0) > 1e-12)
        assert above <= 0.01 * len(others) + 1, label
