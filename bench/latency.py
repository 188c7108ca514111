"""Per-question latency of ztbot's Engine.respond, on the seed FAQ and on 5,000 topics.

What it measures:

1. **Seed FAQ** (``knowledge/``): the time to load the YAML and to build the Engine (index),
   then p50/p99/max of ``Engine.respond`` over every question of the labelled set
   (``tests/data/questions.yaml``), for several passes after a warm-up pass.
2. **Synthetic 5,000-topic knowledge base**, built in memory (``random.Random(0)``): the 11
   real topics (and the out-of-scope subjects) plus generated topics, each with a varied title,
   10 example questions, 15 keywords and a 100-word answer (some with per-OS sections), drawn
   from a few thousand pseudo-words plus real English and ZeroTier words. Generation, index
   build and queries are timed separately. Queries are the labelled questions plus questions
   paraphrased (with typos) from synthetic topics.
3. The command line as users run it, as subprocesses with the default SQLite logging on (a
   fresh data directory): a bare ``python -c pass`` (the floor on this machine), a one-shot
   ``ztbot ask "..."``, and ``ztbot ask --jsonl`` with 10 and with 400 questions; the
   difference gives the marginal cost of one question (start-up cancels out).

Each query is timed twice over: with the matcher's typo-correction cache kept warm (repeated
questions), and with it cleared before every query (every word is new: the pessimistic case;
the module-level stem cache of bot.base.text stays warm in both). The bars (p99 < 5 ms on the seed
FAQ, p99 < 50 ms and p50 <= 10 ms on 5,000 topics) are judged on the pessimistic figures; the
command-line bars are a marginal 1 ms per ``--jsonl`` question and a 350 ms one-shot ask. A
sanity line checks that the big knowledge base still answers (not a quality benchmark). The
script prints figures; it does not assert.

Run from the repository root::

    .venv/bin/python bench/latency.py [--passes N] [--topics N] [--questions PATH]
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import DEFAULT_KNOWLEDGE, DEFAULT_QUESTIONS, load_labelled, percentile
from bot.base.oses import OS_LABELS, OS_NAMES
from bot.core.engine import Engine
from bot.core.models import Incoming, Reply
from bot.knowledge import KnowledgeBase, Section, Topic, load_knowledge

T = TypeVar("T")

SEED_BAR_MS = 5.0
LARGE_BAR_MS = 50.0
LARGE_P50_BAR_MS = 10.0
JSONL_BAR_MS = 1.0
ONE_SHOT_BAR_MS = 350.0

# Real words mixed into the synthetic vocabulary, besides every word of the seed FAQ.
_ENGLISH = """
the a an and or but if then when why how what which who where is are was were be been have has
had do does did not no can cant could would should will wont my your our their this that these
those it its i you we they me him her them on in at to from of for with without over under
after before again still just only also very really too about into out up down off new old
same other another each every some any all most more less few many much first last next back
computer laptop desktop phone tablet server machine device box home office work school friend
game games file files share folder drive printer camera screen window door house car time day
week month year hour minute second today yesterday morning night problem issue error question
help fix broken slow fast stuck works working work stopped start started run running install
installed update updated reboot restart open close connect connected connection disconnect
lost found find see show shows shown try tried trying make made set setup settings option
change changed turn turned enable enabled disable disabled allow allowed block blocked
""".split()
_ZEROTIER = """
zerotier zt network networks node nodes peer peers member members controller central planet
moon moons root roots relay relayed direct path paths latency udp tcp port ports 9993 nat upnp
nat-pmp router routers firewall firewalls antivirus vpn tunnel tap adapter interface virtual
managed ip ips address addresses subnet route routes bridge bridging authorize authorized
auth token api cli zerotier-cli join joined leave listnetworks listpeers info online offline
ping icmp lan wan dns mtu multipath flow rules ipv4 ipv6 dhcp gateway exit linux windows macos
ios android ubuntu debian raspberry synology docker service daemon launchd systemd
""".split()
_OPENERS = ("", "", "hey, ", "hi all, ", "quick question: ", "help: ", "so ", "ok so ")
_TITLE_TEMPLATES = (
    "{A} {b} not working",
    "How to {a} {b}",
    "{A} {b} {c}",
    "Why is {a} {b}?",
    "{A} fails with {b} {c}",
    "Setting up {a} for {b}",
    "{A} and {b} on {os}",
    "Cannot {a} the {b}",
    "{A} {b} keeps {c}",
    "Troubleshooting {a} {b}",
)


@dataclass(frozen=True, slots=True)
class Timings:
    """Per-query latencies in ms."""

    ms: list[float]

    @property
    def p50(self) -> float:
        return percentile(self.ms, 50)

    @property
    def p99(self) -> float:
        return percentile(self.ms, 99)

    @property
    def max(self) -> float:
        return max(self.ms, default=float("nan"))


# --- the synthetic knowledge base -----------------------------------------------------------


def _pseudo_words(rng: random.Random, n: int, avoid: set[str]) -> list[str]:
    onsets = "b c d f g h j k l m n p r s t v w z br cr dr fl gr kl pl pr st tr sk sn".split()
    vowels = "a e i o u ai ea io ou".split()
    codas = ["", "", "", "n", "r", "s", "l", "x", "th", "nd", "st"]
    out: list[str] = []
    seen = set(avoid)
    while len(out) < n:
        word = "".join(
            rng.choice(onsets) + rng.choice(vowels) for _ in range(rng.randint(2, 3))
        ) + rng.choice(codas)
        if word not in seen:
            seen.add(word)
            out.append(word)
    return out


class _Vocabulary:
    """Pseudo-words plus real words, drawn with a Zipf-like skew (a few words are everywhere)."""

    def __init__(self, rng: random.Random, real: list[str], n_pseudo: int) -> None:
        self.rng = rng
        self.real = real
        self.pseudo = _pseudo_words(rng, n_pseudo, set(real))
        self.words = self.real + self.pseudo
        rng.shuffle(self.words)
        cum = 0.0
        self.cum: list[float] = []
        for rank in range(len(self.words)):
            cum += 1.0 / (rank + 1) ** 0.9
            self.cum.append(cum)

    def common(self, k: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self.cum, k=k)

    def rare(self, k: int) -> list[str]:
        return self.rng.sample(self.pseudo, k)


def _real_words(kb: KnowledgeBase) -> list[str]:
    text = " ".join(
        " ".join((t.title, t.answer, *t.questions, *t.keywords, *(s.answer for s in t.sections)))
        for t in kb.topics
    )
    found = set(re.findall(r"[a-z][a-z0-9-]{2,}", text.lower()))
    return sorted(found | set(_ENGLISH) | set(_ZEROTIER))


def _sentence(rng: random.Random, core: Sequence[str], filler: Sequence[str]) -> str:
    words = [*rng.sample(list(core), k=min(len(core), rng.randint(2, 4))), *filler]
    rng.shuffle(words)
    return rng.choice(_OPENERS) + " ".join(words) + rng.choice(("", "?", "?", ".", " :(", "!"))


def synthetic_topic(i: int, rng: random.Random, vocab: _Vocabulary) -> Topic:
    """One generated topic: title, 10 questions, 15 keywords, a 100-word answer, maybe sections."""
    core = vocab.rare(4) + rng.sample(vocab.real, 3)  # what makes this topic distinctive
    a, b, c = core[0], core[rng.randint(1, 3)], core[rng.randint(4, 6)]
    os_label = OS_LABELS[rng.choice(OS_NAMES)]
    title = rng.choice(_TITLE_TEMPLATES).format(A=a.capitalize(), a=a, b=b, c=c, os=os_label)
    questions = tuple(_sentence(rng, core, vocab.common(rng.randint(4, 10))) for _ in range(10))
    keywords: list[str] = []
    pool = [*core, *vocab.rare(4), *vocab.common(12)]
    while len(keywords) < 15:
        kw = rng.choice(pool) if rng.random() < 0.75 else f"{rng.choice(core)} {rng.choice(pool)}"
        if kw not in keywords:
            keywords.append(kw)
    answer_words = vocab.common(90) + rng.choices(core, k=10)
    rng.shuffle(answer_words)
    answer = " ".join(answer_words).capitalize() + "."
    sections: list[Section] = []
    if rng.random() < 0.25:
        for os_name in rng.sample(OS_NAMES, k=rng.randint(1, 3)):
            body = " ".join(vocab.common(40))
            sections.append(
                Section(id=os_name, title=OS_LABELS[os_name], answer=body, os=(os_name,))
            )
    return Topic(
        id=f"synthetic-{i:05d}",
        title=title,
        answer=answer,
        questions=questions,
        keywords=tuple(keywords),
        sections=tuple(sections),
        source="synthetic",
    )


def synthetic_kb(seed: KnowledgeBase, n_topics: int, rng: random.Random) -> KnowledgeBase:
    """`n_topics` topics in all: the seed FAQ's topics plus generated ones."""
    vocab = _Vocabulary(rng, _real_words(seed), n_pseudo=4000)
    n_new = max(0, n_topics - len(seed.topics))
    topics = [*seed.topics, *(synthetic_topic(i, rng, vocab) for i in range(n_new))]
    return KnowledgeBase(
        topics=tuple(topics), version=f"synthetic-{n_topics}", uncovered=seed.uncovered
    )


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randint(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def synthetic_queries(kb: KnowledgeBase, n: int, rng: random.Random) -> list[tuple[str, str]]:
    """Paraphrased generated questions: a word dropped, shuffled, a typo half the time."""
    generated = [t for t in kb.topics if t.source == "synthetic"]
    out = []
    for topic in rng.sample(generated, k=min(n, len(generated))):
        words = rng.choice(topic.questions).split()
        if len(words) > 4:
            del words[rng.randrange(len(words))]
        rng.shuffle(words)
        if rng.random() < 0.5:
            j = rng.randrange(len(words))
            words[j] = _typo(words[j], rng)
        out.append((" ".join(words), topic.id))
    return out


class GcPauses:
    """Records the garbage collector's pauses (ms per generation) while active."""

    def __init__(self) -> None:
        self.pauses: list[tuple[int, float]] = []
        self._t0 = 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._t0 = time.perf_counter()
        else:
            self.pauses.append((info["generation"], (time.perf_counter() - self._t0) * 1000))

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)

    def summary(self) -> str:
        gen2 = [ms for gen, ms in self.pauses if gen == 2]
        longest = max(self.pauses, key=lambda p: p[1], default=(0, 0.0))
        return (
            f"{len(self.pauses)} GC collections, {len(gen2)} of generation 2; longest pause "
            f"{longest[1]:.1f} ms (generation {longest[0]})"
        )


# --- timing -----------------------------------------------------------------------------------


def _clear_typo_cache(engine: Engine) -> Callable[[], None]:
    """A function clearing the matcher's typo-correction cache (a no-op if it has none)."""
    cache_clear = getattr(getattr(engine.matcher, "_correct", None), "cache_clear", None)
    return cache_clear if callable(cache_clear) else (lambda: None)


def time_queries(
    engine: Engine,
    questions: Sequence[str],
    passes: int,
    *,
    fresh_cache: bool,
    warm_up: bool = True,
) -> tuple[Timings, list[Reply]]:
    """Per-question ms of Engine.respond over `passes` passes (after a warm-up pass if asked),
    and the replies of the last pass."""
    clear = _clear_typo_cache(engine)
    if warm_up:
        for q in questions:
            engine.respond(Incoming(text=q))
    ms: list[float] = []
    replies: list[Reply] = []
    for _ in range(passes):
        replies = []
        for q in questions:
            if fresh_cache:
                clear()
            t0 = time.perf_counter()
            reply = engine.respond(Incoming(text=q))
            ms.append((time.perf_counter() - t0) * 1000.0)
            replies.append(reply)
    return Timings(ms), replies


@dataclass(frozen=True, slots=True)
class CliFigures:
    """Wall-clock medians (ms) of command-line runs."""

    bare_ms: float
    one_shot_ms: float  # until the whole answer is on stdout (stdout closed)
    one_shot_exit_ms: float  # until the process exits, the turn written to the database
    small: int
    small_ms: float
    large: int
    large_ms: float

    @property
    def marginal_ms(self) -> float:
        """What one more question costs in `ztbot ask --jsonl` (start-up cancels out)."""
        return (self.large_ms - self.small_ms) / (self.large - self.small)


def _wall_ms(cmd: Sequence[str], env: dict[str, str], stdin: str | None = None) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, input=stdin, env=env, check=True, capture_output=True, text=True)
    return (time.perf_counter() - t0) * 1000.0


def _answer_and_exit_ms(cmd: Sequence[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall ms until the command's stdout ends (the answer is complete; `ztbot ask` closes it
    before it writes the turn to the database) and until it exits."""
    t0 = time.perf_counter()
    with subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as proc:
        assert proc.stdout is not None
        proc.stdout.read()
        answered = time.perf_counter()
        if proc.wait() != 0:
            raise subprocess.CalledProcessError(proc.returncode, cmd)
    done = time.perf_counter()
    return (answered - t0) * 1000.0, (done - t0) * 1000.0


def _compiled(env: dict[str, str]) -> None:
    """Compile ztbot's modules to bytecode, as installing a wheel does (pip compiles at install
    time): with PYTHONDONTWRITEBYTECODE set, an editable checkout would otherwise compile every
    module from source on every run, which no installed ztbot does."""
    package = Path(__file__).resolve().parents[1] / "bot"
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(package)],
        env=env,
        check=True,
        capture_output=True,
    )


def command_line_figures(questions: Sequence[str], knowledge: Path, runs: int) -> CliFigures:
    """Time `python -c pass`, a one-shot `ztbot ask` and two `ztbot ask --jsonl` batches."""
    ztbot = str(Path(sys.executable).with_name("ztbot"))
    small, large = 10, 400
    batch = [questions[i % len(questions)] for i in range(large)]
    bare, one_shot, one_shot_exit, small_ms, large_ms = [], [], [], [], []
    with (
        tempfile.TemporaryDirectory(prefix="ztbot-latency-") as data_dir,
        tempfile.TemporaryDirectory(prefix="ztbot-latency-cache-") as cache_dir,
    ):
        env = {
            **os.environ,
            "ZTBOT_DATA_DIR": data_dir,
            "ZTBOT_KNOWLEDGE_DIR": str(knowledge),
            "XDG_CACHE_HOME": cache_dir,  # a fresh index cache, filled by the first run
        }
        env.pop("ZTBOT_DATABASE_URL", None)  # the default: SQLite in the data directory
        _compiled(env)
        _wall_ms([ztbot, "ask", questions[0]], env)  # creates the database and the index cache
        for _ in range(runs):
            bare.append(_wall_ms([sys.executable, "-c", "pass"], env))
            answered, exited = _answer_and_exit_ms([ztbot, "ask", questions[0]], env)
            one_shot.append(answered)
            one_shot_exit.append(exited)
            small_ms.append(_wall_ms([ztbot, "ask", "--jsonl"], env, "\n".join(batch[:small])))
            large_ms.append(_wall_ms([ztbot, "ask", "--jsonl"], env, "\n".join(batch)))
    return CliFigures(
        bare_ms=statistics.median(bare),
        one_shot_ms=statistics.median(one_shot),
        one_shot_exit_ms=statistics.median(one_shot_exit),
        small=small,
        small_ms=statistics.median(small_ms),
        large=large,
        large_ms=statistics.median(large_ms),
    )


def _timed(fn: Callable[[], T]) -> tuple[T, float]:
    t0 = time.perf_counter()
    value = fn()
    return value, (time.perf_counter() - t0) * 1000.0


# --- output -----------------------------------------------------------------------------------


def _row(label: str, t: Timings) -> str:
    return f"  {label:34} {len(t.ms):>6}  {t.p50:>8.3f}  {t.p99:>8.3f}  {t.max:>8.3f}"


def _header() -> str:
    return f"  {'queries':34} {'n':>6}  {'p50 ms':>8}  {'p99 ms':>8}  {'max ms':>8}"


def _verdict(name: str, p99: float, bar: float) -> str:
    return f"  bar {name}: p99 {p99:.3f} ms < {bar:g} ms -> {'HOLDS' if p99 < bar else 'FAILS'}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, metavar="PATH")
    parser.add_argument("--knowledge", type=Path, default=DEFAULT_KNOWLEDGE, metavar="PATH")
    parser.add_argument("--passes", type=int, default=5, help="timed passes on the seed FAQ")
    parser.add_argument("--large-passes", type=int, default=2, help="timed passes, 5,000 topics")
    parser.add_argument("--topics", type=int, default=5000, help="size of the synthetic KB")
    parser.add_argument("--synthetic-queries", type=int, default=300, metavar="N")
    parser.add_argument("--cli-runs", type=int, default=5, help="runs per command-line figure")
    args = parser.parse_args(argv)

    items = load_labelled(args.questions)
    questions = [item.q for item in items]
    print(
        f"python {platform.python_version()} on {platform.machine()} "
        f"({platform.platform(terse=True)}); {len(questions)} labelled questions"
    )

    # 1. Seed FAQ.
    print("\n== seed FAQ ==")
    kb, load_ms = _timed(lambda: load_knowledge(args.knowledge))
    engine, build_ms = _timed(lambda: Engine(kb))
    print(f"  {len(kb.topics)} topics, {len(kb.uncovered)} out-of-scope subjects")
    print(f"  load YAML {load_ms:.1f} ms, build Engine/index {build_ms:.1f} ms")
    print(_header())
    seed_warm, _ = time_queries(engine, questions, args.passes, fresh_cache=False)
    seed_cold, _ = time_queries(engine, questions, args.passes, fresh_cache=True, warm_up=False)
    print(_row(f"labelled x{args.passes}, warm typo cache", seed_warm))
    print(_row(f"labelled x{args.passes}, typo cache cleared", seed_cold))

    # 2. Synthetic knowledge base.
    print(f"\n== synthetic {args.topics:,}-topic knowledge base ==")
    big, gen_ms = _timed(lambda: synthetic_kb(kb, args.topics, random.Random(0)))
    gc.collect()
    big_engine, big_build_ms = _timed(lambda: Engine(big))
    matcher = big_engine.matcher
    n_sections = sum(len(t.sections) for t in big.topics)
    print(
        f"  {len(big.topics):,} topics ({len(kb.topics)} real), {n_sections:,} sections; "
        f"vocabulary {len(getattr(matcher, '_vocab', ())):,} words, "
        f"{len(getattr(matcher, '_examples', ())):,} example phrasings"
    )
    print(f"  generate {gen_ms:.0f} ms (not counted), build Engine/index {big_build_ms:.0f} ms")
    synth_pairs = synthetic_queries(big, args.synthetic_queries, random.Random(1))
    synth = [q for q, _ in synth_pairs]
    both = [*questions, *synth]
    p = args.large_passes
    print(_header())
    with GcPauses() as pauses:
        big_warm, _ = time_queries(big_engine, both, p, fresh_cache=False)
        big_labelled, lab_replies = time_queries(
            big_engine, questions, p, fresh_cache=True, warm_up=False
        )
        big_synth, syn_replies = time_queries(big_engine, synth, p, fresh_cache=True, warm_up=False)
    big_cold = Timings(big_labelled.ms + big_synth.ms)
    print(_row(f"all x{p}, warm typo cache", big_warm))
    print(_row(f"labelled x{p}, typo cache cleared", big_labelled))
    print(_row(f"synthetic x{p}, typo cache cleared", big_synth))
    print(_row(f"all x{p}, typo cache cleared", big_cold))
    covered = [(i, r) for i, r in zip(items, lab_replies, strict=True) if i.topic != "none"]
    none = [r for i, r in zip(items, lab_replies, strict=True) if i.topic == "none"]
    syn_hits = sum(r.topic == t for (_, t), r in zip(synth_pairs, syn_replies, strict=True))
    print(f"  during these queries: {pauses.summary()}")
    print(
        "  sanity (not a quality benchmark): labelled top-1 "
        f"{sum(r.topic == i.topic for i, r in covered)}/{len(covered)}, none abstained "
        f"{sum(r.topic is None for r in none)}/{len(none)};\n  synthetic queries answered "
        f"with their source topic {syn_hits}/{len(synth)}"
    )

    # 3. The command line, as users run it: subprocesses, default SQLite logging on.
    print("\n== command line (subprocesses; default SQLite logging in a fresh data dir) ==")
    cli = command_line_figures(questions, args.knowledge, args.cli_runs)
    print(f"  bare interpreter `python -c pass`:       median {cli.bare_ms:7.1f} ms")
    print(
        f'  one-shot `ztbot ask "..."`, answer out: median {cli.one_shot_ms:7.1f} ms '
        f"({cli.one_shot_ms / cli.bare_ms:.1f}x the bare interpreter)"
    )
    print(
        f"  the same until exit (turn written):     median {cli.one_shot_exit_ms:7.1f} ms "
        f"({cli.one_shot_exit_ms / cli.bare_ms:.1f}x)"
    )
    print(
        f"  `ztbot ask --jsonl`: {cli.small} questions {cli.small_ms:7.1f} ms, "
        f"{cli.large} questions {cli.large_ms:7.1f} ms (medians)"
    )
    print(
        f"  marginal cost of one question in --jsonl: {cli.marginal_ms:.3f} ms "
        f"(bar {JSONL_BAR_MS:g} ms -> {'HOLDS' if cli.marginal_ms <= JSONL_BAR_MS else 'FAILS'})"
    )

    print("\n== bars (judged on the typo-cache-cleared figures) ==")
    print(_verdict("seed FAQ", seed_cold.p99, SEED_BAR_MS))
    print(_verdict(f"{len(big.topics):,} topics", big_cold.p99, LARGE_BAR_MS))
    verdict = "HOLDS" if big_cold.p50 <= LARGE_P50_BAR_MS else "FAILS"
    print(
        f"  bar {len(big.topics):,} topics: p50 {big_cold.p50:.3f} ms <= {LARGE_P50_BAR_MS:g} ms"
        f" -> {verdict}"
    )
    verdict = "HOLDS" if cli.one_shot_ms <= ONE_SHOT_BAR_MS else "FAILS"
    print(
        f"  bar one-shot ask (answer out): {cli.one_shot_ms:.0f} ms <= {ONE_SHOT_BAR_MS:g} ms"
        f" -> {verdict}"
    )
    verdict = "HOLDS" if cli.one_shot_exit_ms <= ONE_SHOT_BAR_MS else "FAILS"
    print(
        f"  the same until exit (turn written): {cli.one_shot_exit_ms:.0f} ms <= "
        f"{ONE_SHOT_BAR_MS:g} ms -> {verdict}"
    )
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of this process: {rss_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
