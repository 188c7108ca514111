"""Fuzz the answer path: generated inputs through `SupportService.handle`, each on a CPU budget.

Run: `.venv/bin/python bench/fuzz.py --count 1000000 --seed 1`; `--workers 2` splits the count
over processes; `--progress FILE` rewrites the summary so far to FILE.<seed> every 1,000 inputs.

Input families (weights in FAMILIES): real-format pastes from tests/data/pastes mutated (slices
cut, doubled, lines repeated, control and zero-width characters, CRLF), pastes inside questions,
questions and small talk, random text, binary noise, extreme numbers in every paste format,
large (64-256 KB) and huge (1 MB) inputs, and attachments.

Checks per input: `handle` returns without an exception, and its CPU time (the calling thread's)
stays within the budget: 50 ms for anything under 4 KB, 0.5 s per MB above (never less than
50 ms). An input that runs past CAP_FACTOR times its budget is stopped by a CPU-time signal and
counted as an overrun. An input over its budget is answered once more in a new conversation
and counted again if it is still over: on a shared machine one measurement can be inflated by
a busy neighbour. Prints the worst CPU per family and per MB, and every failure.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import random
import re
import resource
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import FrameType
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import DEFAULT_KNOWLEDGE, REPO
from bot.base.settings import Settings
from bot.core.engine import Engine
from bot.core.models import Attachment, Incoming
from bot.knowledge import load_knowledge
from bot.runtime.service import SupportService

T = TypeVar("T")

PASTES = REPO / "tests" / "data" / "pastes"
SMALL = 4096
SMALL_BUDGET_S = 0.05
PER_MB_BUDGET_S = 0.5
PROGRESS_EVERY = 1000
KEEP = 100  # failing inputs kept per kind (the rest are only counted)
SAMPLE = 2000  # characters of a failing input kept for the report
MAX_SMALL = 64_000  # every family but large and huge is cut to this
CAP_FACTOR = 20  # an input is stopped at 20x its budget: slow is reported, never waited out
MEMORY_LIMIT = 4 * 2**30  # address space per worker; a worker needs about 200 MB

_DIGITS = re.compile(r"\d+")

FAMILIES: tuple[tuple[str, float], ...] = (
    ("mutated-paste", 0.31),
    ("paste-in-question", 0.15),
    ("question", 0.18),
    ("random-text", 0.14),
    ("binary", 0.05),
    ("extreme-numbers", 0.13),
    ("attachment", 0.03),
    ("large", 0.00195),
    ("huge", 0.00005),
)

QUESTION_BITS = (
    "ping doesn't work on windows",
    "zerotier is slow, peers shows RELAY",
    "how do I update zerotier on ubuntu",
    "my network says NOT_FOUND",
    "what ports does zerotier use",
    "thanks",
    "thank you so much",
    "hi there",
    "can't reach my NAS over zerotier",
    "ACCESS_DENIED after join",
    "is zerotier free?",
    "macos",
    "linux",
    "here's my output:",
    "ok",
    "that didn't help",
)
EXTREME_NUMBERS = (
    "9" * 400,
    "-" + "9" * 400,
    "1e999",
    "1e-999",
    "-1e309",
    "1" + "0" * 330 + ".5",
    "0." + "0" * 400 + "1",
    "nan",
    "inf",
    "-inf",
    "NaN",
    "Infinity",
    "18446744073709551616",
    "-9223372036854775809",
    "00000000000000000000000000000000000001",
    "1_000",
    "١٢٣",  # Arabic-Indic digits
    "１２３",  # full-width digits
    "4294967296",
    "-0",
    "0x7fffffffffffffff",
)
ODD_CHARS = (
    "\x00",
    "\x1b[31m",
    "\u200b",
    "\u200d",
    "\ufeff",
    "\u00a0",
    "\r",
    "\r\n",
    "\t",
    "\u2028",
    "\ufffd",
    "```",
    "`",
    "&lt;",
    "<!channel>",
    "\u202e",
    "\x7f",
    "é",
    "😀",
)


def budget(size: int) -> float:
    """The CPU budget in seconds for an input of `size` characters."""
    if size < SMALL:
        return SMALL_BUDGET_S
    return max(SMALL_BUDGET_S, PER_MB_BUDGET_S * size / 1_000_000)


def load_pastes(folder: Path = PASTES) -> list[str]:
    """The real-format pastes the mutations start from."""
    return [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]


class Generator:
    """Makes inputs of every family from a seeded random source."""

    def __init__(self, seed: int, pastes: list[str]) -> None:
        self.rnd = random.Random(seed)
        self.pastes = pastes
        self._names = [name for name, _ in FAMILIES]
        self._weights = [weight for _, weight in FAMILIES]
        self._makers: dict[str, Callable[[], str]] = {
            "mutated-paste": self.mutated_paste,
            "paste-in-question": self.paste_in_question,
            "question": self.question,
            "random-text": self.random_text,
            "binary": self.binary,
            "extreme-numbers": self.extreme_numbers,
            "attachment": self.mutated_paste,
            "large": lambda: self.big(self.rnd.randint(64_000, 256_000)),
            "huge": lambda: self.big(1_000_000),
        }

    def next(self) -> tuple[str, str]:
        """(family, text) for the next input."""
        family = self.rnd.choices(self._names, self._weights)[0]
        text = self._makers[family]()
        return family, text if family in ("large", "huge") else text[:MAX_SMALL]

    def paste(self) -> str:
        return self.rnd.choice(self.pastes)

    def mutate(self, text: str) -> str:
        rnd = self.rnd
        for _ in range(rnd.randint(1, 4)):
            # Cut after every step: repeating a one-line text's only line 300 times, four
            # times over, grew one input past 20 GB and the kernel killed the worker.
            text = text[:MAX_SMALL]
            if not text:
                text = self.paste()
            n = len(text)
            a = rnd.randrange(n)
            b = min(n, a + rnd.randint(1, 200))
            op = rnd.randrange(10)
            if op == 0:
                text = text[:a] + text[b:]
            elif op == 1:
                text = text[:b] + text[a:b] * rnd.randint(2, 50) + text[b:]
            elif op == 2:
                text = text[:a] + rnd.choice(ODD_CHARS) * rnd.randint(1, 30) + text[a:]
            elif op == 3:
                text = text[:a]
            elif op == 4:
                lines = text.splitlines(keepends=True)
                line = rnd.choice(lines) if lines else text
                text = text + line * rnd.randint(2, 300)
            elif op == 5:
                text = text.replace("\n", "\r\n") if rnd.random() < 0.5 else text.replace("\n", " ")
            elif op == 6:
                lines = text.splitlines(keepends=True)
                rnd.shuffle(lines)
                text = "".join(lines)
            elif op == 7:
                text = self.swap_numbers(text)
            elif op == 8:
                chars = list(text[a:b])
                rnd.shuffle(chars)
                text = text[:a] + "".join(chars) + text[b:]
            else:
                fragment = text[a:b]
                text = text[:a] + fragment.replace(" ", "") + text[b:]
        return text[:MAX_SMALL]

    def swap_numbers(self, text: str) -> str:
        def swap(m: re.Match[str]) -> str:
            return self.rnd.choice(EXTREME_NUMBERS) if self.rnd.random() < 0.5 else m.group()

        return _DIGITS.sub(swap, text)

    def mutated_paste(self) -> str:
        return self.mutate(self.paste())

    def paste_in_question(self) -> str:
        paste = self.paste() if self.rnd.random() < 0.5 else self.mutated_paste()
        fence = self.rnd.choice(("```\n", "", "`", "> "))
        return f"{self.question()} {fence}{paste}{fence.strip()}\n{self.question()}"

    def question(self) -> str:
        rnd = self.rnd
        words = [rnd.choice(QUESTION_BITS) for _ in range(rnd.randint(1, 4))]
        if rnd.random() < 0.2:
            words = [rnd.choice(QUESTION_BITS) + " "] * rnd.randint(2, 60)
        text = " ".join(words)
        if rnd.random() < 0.3:
            text = self.mutate(text)
        return text

    def random_text(self) -> str:
        rnd = self.rnd
        size = rnd.choice((rnd.randint(0, 40), rnd.randint(40, 800), rnd.randint(800, 4000)))
        top = rnd.choice((0x7F, 0x300, 0x3000, 0x10FFFF))
        chars = [chr(rnd.randint(1, top)) for _ in range(size)]
        return "".join(c if not 0xD800 <= ord(c) <= 0xDFFF else "?" for c in chars)

    def binary(self) -> str:
        size = self.rnd.randint(1, 4000)
        return self.rnd.randbytes(size).decode("utf-8", errors="replace")

    def extreme_numbers(self) -> str:
        return self.swap_numbers(self.paste())

    def big(self, size: int) -> str:
        rnd = self.rnd
        kind = rnd.randrange(4)
        if kind == 0:  # one line of near-miss fragments
            unit = rnd.choice(
                (
                    '200 listpeers zerotier-cli PLANET {" Reply from ',
                    "64 bytes from 1::::",
                    "thank you so much ",
                    "a@b." * 3,
                    "1:2:3:4:",
                    self.paste()[:200],
                )
            )
            return (unit * (size // max(1, len(unit)) + 1))[:size]
        if kind == 1:  # many pastes
            parts: list[str] = []
            total = 0
            while total < size:
                parts.append(self.mutated_paste())
                total += len(parts[-1])
            return "".join(parts)[:size]
        if kind == 2:
            return self.rnd.randbytes(size).decode("latin-1")
        return "".join(self.random_text() for _ in range(size // 1500 + 1))[:size]


class _Overrun(Exception):
    """Raised by the CPU-time signal when an input runs past its cap."""


def _on_prof(_signum: int, _frame: FrameType | None) -> None:
    raise _Overrun


@dataclass
class Report:
    """What a fuzz run found."""

    count: int = 0
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # family, error, sample
    overruns: list[tuple[str, int, float, str]] = field(default_factory=list)  # + cpu, sample
    over_budget: list[tuple[str, int, float, str]] = field(default_factory=list)
    over_budget_again: list[tuple[str, int, float, str]] = field(default_factory=list)
    worst: dict[str, tuple[float, int]] = field(default_factory=dict)  # family: cpu s, size
    worst_per_mb: tuple[float, str, int] = (0.0, "", 0)  # s/MB over inputs of >= 64 KB
    cpu_total: float = 0.0
    failures: dict[str, int] = field(default_factory=dict)  # exception/overrun/over-budget(-again)

    def note(self, what: str, into: list[T], item: T) -> None:
        """Count a failure; keep the first KEEP of each kind as samples."""
        self.failures[what] = self.failures.get(what, 0) + 1
        if len(into) < KEEP:
            into.append(item)

    def merge(self, other: Report) -> None:
        """Add another run's figures to this one."""
        self.count += other.count
        self.errors += other.errors
        self.overruns += other.overruns
        self.over_budget += other.over_budget
        self.over_budget_again += other.over_budget_again
        self.cpu_total += other.cpu_total
        for what, n in other.failures.items():
            self.failures[what] = self.failures.get(what, 0) + n
        for family, (cpu, size) in other.worst.items():
            if cpu > self.worst.get(family, (0.0, 0))[0]:
                self.worst[family] = (cpu, size)
        self.worst_per_mb = max(self.worst_per_mb, other.worst_per_mb)

    @property
    def ok(self) -> bool:
        """No exception, no input over its budget."""
        return not self.failures


def make_service() -> SupportService:
    """The answer path as `ztbot serve` runs it, without a database."""
    engine = Engine(load_knowledge(DEFAULT_KNOWLEDGE))
    settings = Settings(data_dir=Path(tempfile.mkdtemp()), database_url=None)
    return SupportService(engine, settings, store=None, salt="fuzz")


def warm_up(service: SupportService, pastes: list[str]) -> None:
    """Answer a question and a paste untimed: the first answers build tables lazily (the
    English word list, typo corrections), once per process, which is not what a message costs."""
    service.handle(Incoming("how do I update zerotier on ubuntu", platform="fuzz"))
    for paste in pastes[:2]:
        service.handle(Incoming(paste, platform="fuzz", conversation="fuzz:warm-up"))


def run(
    count: int,
    seed: int,
    service: SupportService | None = None,
    *,
    progress: Callable[[Report], None] | None = None,
    cap_factor: float = CAP_FACTOR,
) -> Report:
    """Send `count` generated inputs through `service.handle`; see the module docstring."""
    service = service or make_service()
    pastes = load_pastes()
    warm_up(service, pastes)
    gen = Generator(seed, pastes)
    report = Report()
    old = signal.signal(signal.SIGPROF, _on_prof)
    try:
        for i in range(count):
            family, text = gen.next()
            incoming = _incoming(family, text, i)
            cap = budget(len(text)) * cap_factor
            started = time.thread_time()
            try:
                signal.setitimer(signal.ITIMER_PROF, cap)
                try:
                    service.handle(incoming)
                finally:
                    signal.setitimer(signal.ITIMER_PROF, 0)
            except _Overrun:
                sample = (family, len(text), time.thread_time() - started, text[:SAMPLE])
                report.note("overrun", report.overruns, sample)
            except Exception as exc:
                error = "".join(traceback.format_exception_only(exc)).strip()
                report.note("exception", report.errors, (family, error, text[:SAMPLE]))
            cpu = time.thread_time() - started
            report.count += 1
            report.cpu_total += cpu
            if cpu > report.worst.get(family, (0.0, 0))[0]:
                report.worst[family] = (cpu, len(text))
            if len(text) >= 64_000:
                report.worst_per_mb = max(
                    report.worst_per_mb, (cpu * 1_000_000 / len(text), family, len(text))
                )
            if cpu > budget(len(text)):
                sample = (family, len(text), cpu, text[:SAMPLE])
                report.note("over-budget", report.over_budget, sample)
                # Once more, in a new conversation: on a shared machine a busy neighbour can
                # inflate one measurement; an input that is slow again is slow.
                again = _cpu_again(service, replace(incoming, conversation=f"fuzz:again{i}"), cap)
                if again > budget(len(text)):
                    sample = (family, len(text), again, text[:SAMPLE])
                    report.note("over-budget-again", report.over_budget_again, sample)
            if progress is not None and (i + 1) % PROGRESS_EVERY == 0:
                progress(report)
    finally:
        signal.signal(signal.SIGPROF, old)
    return report


def _cpu_again(service: SupportService, incoming: Incoming, cap: float) -> float:
    """CPU seconds of answering `incoming` again (whatever happens: it was answered once)."""
    started = time.thread_time()
    with contextlib.suppress(Exception):  # the first answer already reported it
        signal.setitimer(signal.ITIMER_PROF, cap)
        try:
            service.handle(incoming)
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
    return time.thread_time() - started


def _incoming(family: str, text: str, i: int) -> Incoming:
    conversation = f"fuzz:c{i % 500}"
    if family == "attachment":
        return Incoming(
            "here is my output",
            platform="fuzz",
            user=f"u{i % 50}",
            conversation=conversation,
            attachments=(Attachment("peers.txt", text),),
        )
    return Incoming(text, platform="fuzz", user=f"u{i % 50}", conversation=conversation)


def summary(report: Report) -> str:
    """The figures, for people."""
    lines = [
        f"inputs: {report.count}   CPU total: {report.cpu_total:.1f} s   "
        f"exceptions: {report.failures.get('exception', 0)}   stopped at {CAP_FACTOR}x budget: "
        f"{report.failures.get('overrun', 0)}   over budget: "
        f"{report.failures.get('over-budget', 0)} "
        f"({report.failures.get('over-budget-again', 0)} again on a second try)",
        f"{'family':18} {'worst CPU':>10} {'at size':>10}",
    ]
    for family, _ in FAMILIES:
        if family in report.worst:
            cpu, size = report.worst[family]
            lines.append(f"{family:18} {cpu * 1000:8.1f} ms {size:10d}")
    per_mb, family, size = report.worst_per_mb
    lines.append(
        f"worst CPU per MB (inputs >= 64 KB): {per_mb:.3f} s/MB ({family}, {size} chars; "
        f"bar {PER_MB_BUDGET_S} s/MB)"
    )
    for family, error, sample in report.errors[:20]:
        lines.append(f"EXCEPTION {family}: {error} <- {sample[:120]!r}")
    for family, size, cpu, sample in (report.overruns + report.over_budget_again)[:20]:
        lines.append(f"SLOW {family}: {cpu * 1000:.0f} ms for {size} chars <- {sample[:120]!r}")
    for family, size, cpu, sample in report.over_budget[:10]:
        lines.append(f"ONCE {family}: {cpu * 1000:.0f} ms for {size} chars <- {sample[:120]!r}")
    return "\n".join(lines)


def fixed_cases() -> list[tuple[str, str]]:
    """Known worst cases, timed on every run (the 1 MB near-miss line was once a flaky test)."""
    return [
        (
            "1 MB line of near-miss fragments",
            ('200 listpeers zerotier-cli PLANET {" Reply from ' * 20_000)[:1_000_000],
        ),
        ("small talk x22", "thank you so much " * 22 + "?"),
        (
            "ping reply, mangled IPv6",
            "64 bytes from 1" + ":" * 60 + "x: icmp_seq=1 ttl=64 time=1 ms",
        ),
        (
            "ping time= with 400 digits",
            "64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=" + "9" * 400 + " ms",
        ),
        ("1 MB of one word", "zerotier " * 111_112),
        ("1 MB of binary", random.Random(5).randbytes(1_000_000).decode("latin-1")),
        ("1 MB of short lines", "ok\n" * 333_334),
        ("1 MB paste inside a question", _paste_in_question(1_000_000)),
        ("1 MB of prose", "why can't my laptop reach the NAS on windows 11? " * 20_409),
        ("1 MB of export TOKEN=...", "export TOKEN=abc123def456 " * 38_462),
    ]


def _paste_in_question(size: int) -> str:
    """A question, `size` characters of real pastes in a code block, and thanks."""
    pastes = load_pastes()
    parts: list[str] = []
    total = 0
    while total < size:
        parts.append(pastes[len(parts) % len(pastes)])
        total += len(parts[-1])
    return f"my peers show RELAY on windows, why? ```\n{''.join(parts)[:size]}\n```\nthanks"


def time_fixed(service: SupportService, cap_s: float = 30.0) -> list[tuple[str, int, float, str]]:
    """(case, size, CPU seconds, outcome) for each fixed case, each stopped at `cap_s`."""
    out = []
    warm_up(service, load_pastes())
    old = signal.signal(signal.SIGPROF, _on_prof)
    try:
        for name, text in fixed_cases():
            started = time.thread_time()
            outcome = "ok"
            try:
                signal.setitimer(signal.ITIMER_PROF, cap_s)
                try:
                    service.handle(Incoming(text, platform="fuzz", conversation=f"fixed:{name}"))
                finally:
                    signal.setitimer(signal.ITIMER_PROF, 0)
            except _Overrun:
                outcome = f"stopped at {cap_s:.0f} s"
            except Exception as exc:
                outcome = f"{type(exc).__name__}: {str(exc)[:60]}"
            out.append((name, len(text), time.thread_time() - started, outcome))
    finally:
        signal.signal(signal.SIGPROF, old)
    return out


def _worker(args: tuple[int, int, str | None]) -> Report:
    count, seed, progress_path = args
    # An input that needs gigabytes is a MemoryError reported with its sample, not a worker
    # killed by the kernel (which would leave the pool waiting for it forever).
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    def progress(report: Report) -> None:
        # The whole summary so far, rewritten each time: a run stopped early still has figures.
        if progress_path is not None:
            Path(f"{progress_path}.{seed}").write_text(
                f"{time.strftime('%H:%M:%S')} seed={seed}\n{summary(report)}\n", encoding="utf-8"
            )

    return run(count, seed, progress=progress)


def main(argv: list[str] | None = None) -> int:
    """Run and print the figures; exit status 1 when anything failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--progress", default=None, help="write the summary so far to FILE.<seed>")
    parser.add_argument("--fixed", action="store_true", help="time the known worst cases first")
    args = parser.parse_args(argv)
    if args.fixed:
        for name, size, cpu, outcome in time_fixed(make_service()):
            bar = budget(size) * 1000
            per_mb = f"{cpu * 1_000_000 / size:.3f} s/MB, " if size >= 64_000 else ""
            print(
                f"{name:34} {size:8d} chars {cpu * 1000:9.1f} ms CPU "
                f"({per_mb}budget {bar:.0f} ms) {outcome}"
            )
    shares = [args.count // args.workers] * args.workers
    shares[0] += args.count - sum(shares)
    jobs = [(n, args.seed * 1000 + w, args.progress) for w, n in enumerate(shares)]
    total = Report()
    if args.workers == 1:
        total = _worker(jobs[0])
    else:
        with multiprocessing.Pool(args.workers) as pool:
            for part in pool.imap_unordered(_worker, jobs):
                total.merge(part)
    print(summary(total))
    return 0 if total.ok else 1


if __name__ == "__main__":
    sys.exit(main())
