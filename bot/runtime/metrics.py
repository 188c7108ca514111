"""Prometheus metrics for `ztbot serve`, in a registry of their own.

Counters and the latency histogram are updated by listeners on the SupportService; values that
live elsewhere (the store writer's buffer, the knowledge version, whether each platform is
connected) are read when Prometheus scrapes, so they are never stale.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final, Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector

from bot.core.models import Incoming, Reply
from bot.runtime.service import SupportService

# The classic text format: every Prometheus release reads it, and our names need no escaping.
CONTENT_TYPE: Final = "text/plain; version=0.0.4; charset=utf-8"
# Answers take milliseconds; a diagnosis of a 1 MB paste can take a second or more.
LATENCY_BUCKETS: Final = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class FrontEnd(Protocol):
    """What the metrics and the readiness check need of a chat front end."""

    name: str

    @property
    def ready(self) -> bool: ...


class Metrics:
    """The bot's metrics; `install(service)` hooks them into a SupportService."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.turns = Counter(
            "ztbot_turns",
            "Turns answered, by platform and reply kind (abstain = no topic found).",
            ["platform", "kind"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "ztbot_answer_latency_seconds",
            "Time to compute a reply (matching and diagnosis, not the platform round trip).",
            ["platform"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.abstentions = Counter(
            "ztbot_abstentions",
            "Questions the bot could not match to any topic.",
            ["platform"],
            registry=self.registry,
        )
        self.findings = Counter(
            "ztbot_findings",
            "Diagnosis findings shown, by code and severity.",
            ["code", "severity"],
            registry=self.registry,
        )
        self.feedback = Counter(
            "ztbot_feedback",
            "Feedback on answers: helpful (Solved) or not (Not helpful).",
            ["helpful"],
            registry=self.registry,
        )
        for value in ("true", "false"):
            self.feedback.labels(helpful=value)
        self.last_turn = Gauge(
            "ztbot_last_turn_timestamp_seconds",
            "Unix time of the last turn per platform (the time watching began, before any).",
            ["platform"],
            registry=self.registry,
        )
        self._state = _StateCollector()
        self.registry.register(self._state)

    def install(self, service: SupportService) -> None:
        """Count every turn and feedback of `service`, and read its store at scrape time."""
        service.turn_listeners.append(self.on_turn)
        service.feedback_listeners.append(self.on_feedback)
        self._state.service = service

    def watch(self, front_ends: Sequence[FrontEnd]) -> None:
        """Report whether each of these front ends is connected."""
        self._state.front_ends = tuple(front_ends)
        # So "no turns for hours while connected" can fire for a platform that never had one.
        for fe in front_ends:
            self.last_turn.labels(platform=fe.name).set_to_current_time()

    def on_turn(self, incoming: Incoming, reply: Reply, latency_ms: float) -> None:
        """A TurnListener: count the turn, its latency and findings."""
        self.turns.labels(platform=incoming.platform, kind=reply.kind).inc()
        self.latency.labels(platform=incoming.platform).observe(latency_ms / 1000)
        self.last_turn.labels(platform=incoming.platform).set_to_current_time()
        if reply.kind == "abstain":
            self.abstentions.labels(platform=incoming.platform).inc()
        for finding in reply.findings:
            self.findings.labels(code=finding.code, severity=finding.severity).inc()

    def on_feedback(self, helpful: bool) -> None:
        """A feedback listener: count helpful / not helpful."""
        self.feedback.labels(helpful="true" if helpful else "false").inc()

    def exposition(self) -> bytes:
        """The registry in the Prometheus text format."""
        return generate_latest(self.registry)


class _StateCollector(Collector):
    """Values owned by other objects, read at scrape time."""

    def __init__(self) -> None:
        self.service: SupportService | None = None
        self.front_ends: tuple[FrontEnd, ...] = ()

    def describe(self) -> Iterable[Metric]:
        # Empty: the families depend on what is configured, so they are not fixed up front.
        return []

    def collect(self) -> Iterable[Metric]:
        yield from self._knowledge()
        yield from self._store()
        connected = GaugeMetricFamily(
            "ztbot_platform_connected",
            "1 when the platform's front end is connected and answering.",
            labels=["platform"],
        )
        for fe in self.front_ends:
            connected.add_metric([fe.name], 1.0 if fe.ready else 0.0)
        yield connected

    def _knowledge(self) -> Iterable[Metric]:
        if self.service is None:
            return
        kb = self.service.engine.kb
        info = GaugeMetricFamily(
            "ztbot_knowledge_info",
            "The knowledge version answering now (always 1; the version is a label).",
            labels=["version"],
        )
        info.add_metric([kb.version], 1.0)
        yield info
        yield GaugeMetricFamily(
            "ztbot_knowledge_topics", "Topics in the knowledge base.", value=len(kb.topics)
        )

    def _store(self) -> Iterable[Metric]:
        store = self.service.store if self.service is not None else None
        if store is None:
            return
        writer = store.writer
        yield GaugeMetricFamily(
            "ztbot_database_up",
            "1 when the last write to the database succeeded (absent when none is configured).",
            value=1.0 if writer.healthy else 0.0,
        )
        yield GaugeMetricFamily(
            "ztbot_buffered_records",
            "Turns, feedback and versions waiting to be written to the database.",
            value=writer.pending,
        )
        for name, doc, value in (
            ("ztbot_database_errors", "Failed database writes (each is retried).", writer.errors),
            (
                "ztbot_dropped_records",
                "Records dropped: the buffer was full.",
                writer.dropped,
            ),
            ("ztbot_written_records", "Records written to the database.", writer.written),
            (
                "ztbot_set_aside_records",
                "Records the database refused, kept in its dead_letters table.",
                writer.set_aside,
            ),
        ):
            yield CounterMetricFamily(name, doc, value=value)
