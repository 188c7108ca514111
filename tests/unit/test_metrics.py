"""Prometheus metrics: counted from real turns, valid text format, state read at scrape time."""

from __future__ import annotations

from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from bot.base.settings import Settings
from bot.core.engine import Engine
from bot.core.models import Incoming
from bot.runtime.metrics import Metrics
from bot.runtime.service import SupportService
from bot.store import open_store

RELAYED = """\
200 peers
<ztaddr>   <ver>  <role> <lat> <link>   <lastTX> <lastRX> <path>
62f865ae71 -      PLANET    52 DIRECT   4480     4436     50.7.252.138/9993
a84ac5c10a 1.14.2 LEAF      -1 RELAY
"""


class _FrontEnd:
    def __init__(self, name: str, ready: bool) -> None:
        self.name = name
        self.ready = ready


def _samples(metrics: Metrics) -> dict[str, list[Sample]]:
    """Parse the exposition with prometheus_client's own parser (fails on invalid text)."""
    text = metrics.exposition().decode()
    out: dict[str, list[Sample]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out.setdefault(sample.name, []).append(sample)
    return out


def _value(samples: dict[str, list[Sample]], name: str, **labels: str) -> float:
    matches = [s.value for s in samples.get(name, []) if s.labels == labels]
    assert len(matches) == 1, (name, labels, samples.get(name))
    return matches[0]


def _say(service: SupportService, text: str, platform: str = "slack", n: int = 0) -> str:
    reply = service.handle(Incoming(text, platform=platform, user="U1", conversation=f"c{n}"))
    assert reply is not None and reply.turn_id is not None
    return reply.turn_id


def test_turns_latency_abstentions_findings_feedback(engine: Engine, tmp_path: Path) -> None:
    """Real turns through the service show up in /metrics, by platform, kind and finding code."""
    store = open_store(f"sqlite:///{tmp_path / 't.db'}")
    service = SupportService(
        engine, Settings(data_dir=tmp_path, database_url=None), store=store, salt="s"
    )
    metrics = Metrics()
    metrics.install(service)
    metrics.watch([_FrontEnd("slack", True), _FrontEnd("discord", False)])
    answered = _say(service, "how do i update zerotier", n=1)
    _say(service, "what's the weather", n=2)
    _say(service, f"my peers are slow\n```\n{RELAYED}```", platform="discord", n=3)
    service.solved(answered, "U1")
    service.feedback(answered, "U2", helpful=False)
    service.feedback(answered, "U3", helpful=False)
    assert service.close()

    s = _samples(metrics)
    assert _value(s, "ztbot_turns_total", platform="slack", kind="answer") == 1
    assert _value(s, "ztbot_turns_total", platform="slack", kind="abstain") == 1
    assert _value(s, "ztbot_abstentions_total", platform="slack") == 1
    discord_kinds = [x for x in s["ztbot_turns_total"] if x.labels["platform"] == "discord"]
    assert [x.labels["kind"] for x in discord_kinds] == ["diagnosis"]
    codes = {x.labels["code"]: x.value for x in s["ztbot_findings_total"]}
    assert codes and all(v >= 1 for v in codes.values())
    assert _value(s, "ztbot_feedback_total", helpful="true") == 1
    assert _value(s, "ztbot_feedback_total", helpful="false") == 2
    assert _value(s, "ztbot_answer_latency_seconds_count", platform="slack") == 2
    assert _value(s, "ztbot_answer_latency_seconds_bucket", platform="slack", le="+Inf") == 2
    assert 0 < _value(s, "ztbot_answer_latency_seconds_sum", platform="slack") < 5
    assert _value(s, "ztbot_knowledge_info", version=engine.kb.version) == 1
    assert _value(s, "ztbot_knowledge_topics") == len(engine.kb.topics)
    assert _value(s, "ztbot_platform_connected", platform="slack") == 1
    assert _value(s, "ztbot_platform_connected", platform="discord") == 0
    assert _value(s, "ztbot_database_up") == 1
    assert _value(s, "ztbot_buffered_records") == 0
    assert _value(s, "ztbot_database_errors_total") == 0
    # 3 turns + 3 feedback records, written before close() returned
    assert _value(s, "ztbot_written_records_total") == 6


def test_buffered_and_errors_are_read_at_scrape_time(engine: Engine, tmp_path: Path) -> None:
    """The buffer gauge and the error counter follow the writer, not a stale copy."""
    store = open_store(f"sqlite:///{tmp_path / 't.db'}")
    service = SupportService(engine, Settings(data_dir=tmp_path, database_url=None), store=store)
    metrics = Metrics()
    metrics.install(service)
    try:
        store.writer.errors = 3  # the writer's own counter: what a failing database leaves
        store.writer.healthy = False
        s = _samples(metrics)
        assert _value(s, "ztbot_database_errors_total") == 3
        assert _value(s, "ztbot_database_up") == 0
    finally:
        store.writer.healthy = True
        service.close()


def test_no_database_no_database_metrics(engine: Engine, tmp_path: Path) -> None:
    """Without a database the store metrics are absent rather than a misleading zero."""
    service = SupportService(engine, Settings(data_dir=tmp_path, database_url=None))
    metrics = Metrics()
    metrics.install(service)
    s = _samples(metrics)
    assert "ztbot_database_up" not in s and "ztbot_buffered_records" not in s
    assert _value(s, "ztbot_feedback_total", helpful="true") == 0  # pre-created, so rate() works


def test_registry_is_not_the_global_one() -> None:
    """Two Metrics objects (two services in one test run) do not collide."""
    from prometheus_client import REGISTRY

    a, b = Metrics(), Metrics()
    assert a.registry is not REGISTRY and a.registry is not b.registry
    a.turns.labels(platform="slack", kind="answer").inc()
    assert _value(_samples(b), "ztbot_feedback_total", helpful="true") == 0
    assert "ztbot_turns_total" not in _samples(b)
