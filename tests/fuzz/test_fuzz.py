"""A short fuzz run through the answer path with a fixed seed (bench/fuzz.py runs millions):
no input raises, and none runs past CAP_FACTOR times its CPU budget (a stop that only
catastrophic slowness reaches; the budgets themselves are reported by the bench)."""

from __future__ import annotations

from bench.fuzz import CAP_FACTOR, Generator, load_pastes, make_service, run, summary

COUNT = 400
SEED = 20261206


def test_generator_covers_every_family() -> None:
    """The fixed seed reaches every input family but the rare huge one."""
    gen = Generator(SEED, load_pastes())
    families = {gen.next()[0] for _ in range(3000)}
    assert families >= {
        "mutated-paste",
        "paste-in-question",
        "question",
        "random-text",
        "binary",
        "extreme-numbers",
        "attachment",
        "large",
    }


def test_fuzz_answer_path() -> None:
    """COUNT generated inputs through SupportService.handle: no exception, no runaway."""
    report = run(COUNT, SEED, make_service())
    assert report.count == COUNT
    assert not report.errors, summary(report)
    assert not report.overruns, f"stopped at {CAP_FACTOR}x budget:\n{summary(report)}"
