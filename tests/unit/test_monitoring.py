"""The Grafana dashboard and Prometheus alert rules name only metrics `ztbot serve` exports.

The exported names come from a real Metrics registry after real turns (counters gain _total,
histograms _bucket/_sum/_count), so renaming a metric breaks this test, not the dashboard.
The rules also go through `promtool check rules` and their unit tests where promtool is installed
(Debian's `prometheus` package; .ci/run installs it), else through a schema check only.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from bot.base.settings import Settings
from bot.core.engine import Engine
from bot.core.models import Incoming
from bot.knowledge import load_knowledge
from bot.runtime.metrics import Metrics
from bot.runtime.service import SupportService
from bot.store import open_store

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "ztbot.json"
RULES = ROOT / "deploy" / "prometheus" / "ztbot-rules.yml"
RULE_TESTS = ROOT / "deploy" / "prometheus" / "ztbot-rules.test.yml"

_STRING = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`')
_VARIABLE = re.compile(r"\$\{?\w+\}?")
_MATCHERS = re.compile(r"\{[^}]*\}")
_RANGE = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_KEYWORDS = frozenset({"and", "or", "unless", "bool", "offset", "inf", "nan", "atan2"})
_LABEL_VALUES = re.compile(r"label_values\(\s*(?:([A-Za-z_:][\w:]*)\s*,\s*)?\w+\s*\)")
_DURATION = re.compile(r"^(\d+(ms|s|m|h|d|w|y))+$")


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (functions, labels and keywords left out)."""
    text = _STRING.sub(" ", expr)
    text = _VARIABLE.sub(" ", text)
    text = _MATCHERS.sub(" ", text)
    text = _RANGE.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    names = set()
    for match in _IDENT.finditer(text):
        before = text[match.start() - 1] if match.start() else " "
        if before.isdigit() or before == ".":
            continue  # the exponent or unit of a number
        if text[match.end() :].lstrip().startswith("("):
            continue  # a function or aggregation
        if match.group().lower() not in _KEYWORDS:
            names.add(match.group())
    return names


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ('sum by (platform) (rate(a_total{platform=~"$platform"}[$__rate_interval]))', {"a_total"}),
        (
            "histogram_quantile(0.95, sum by (platform, le) (rate(b_bucket[5m])))",
            {"b_bucket"},
        ),
        ("(time() - c_seconds) > 6 * 3600 and d == 1", {"c_seconds", "d"}),
        ("deriv(e[10m]) > 0 and on (instance) group_left (x) f == 0", {"e", "f"}),
        ('sum(g{helpful="true"}) / sum(g) offset 1h', {"g"}),
        ("absent(h) or vector(1e3)", {"h"}),
        ("rate(up[5m])", {"up"}),
    ],
)
def test_metric_names_are_read_from_promql(expr: str, names: set[str]) -> None:
    """The extractor finds selectors and only selectors."""
    assert metric_names(expr) == names


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Every sample name the registry exposes once turns, a finding and feedback happened."""
    tmp = tmp_path_factory.mktemp("metrics")
    store = open_store(f"sqlite:///{tmp / 'm.db'}")
    service = SupportService(
        Engine(load_knowledge(ROOT / "knowledge")),
        Settings(data_dir=tmp, database_url=None),
        store=store,
        salt="s",
    )
    metrics = Metrics()
    metrics.install(service)

    class FrontEnd:
        name = "slack"
        ready = True

    metrics.watch([FrontEnd()])
    paste = "slow\n```\n200 listpeers 8056c2e21c 50.7.252.138/9993;47;47 111 LEAF 1.10.6\n```"
    reply = service.handle(Incoming(paste, platform="slack", user="U1", conversation="c"))
    service.handle(Incoming("what's the weather", platform="slack", user="U1", conversation="d"))
    assert reply is not None and reply.turn_id is not None and reply.findings
    service.feedback(reply.turn_id, "U2", helpful=True)
    assert service.close()
    text = metrics.exposition().decode()
    return {s.name for f in text_string_to_metric_families(text) for s in f.samples}


def _dashboard() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return data


def _queries(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for panel in dashboard["panels"]:
        out += [(panel["title"], t["expr"]) for t in panel.get("targets", [])]
    for variable in dashboard["templating"]["list"]:
        query = variable.get("query")
        if isinstance(query, dict):
            found = _LABEL_VALUES.fullmatch(query["query"].strip())
            assert found, query
            out.append((variable["name"], found.group(1) or ""))
    return out


def test_dashboard_queries_name_exported_metrics(exported: set[str]) -> None:
    """Each panel query selects at least one metric, and only metrics ztbot exports."""
    assert {"ztbot_turns_total", "ztbot_answer_latency_seconds_bucket"} <= exported
    queries = _queries(_dashboard())
    assert len(queries) >= 15
    for where, expr in queries:
        names = metric_names(expr)
        assert names, (where, expr)
        assert names <= exported, (where, names - exported)


def test_dashboard_has_the_operator_panels() -> None:
    """The panels an operator needs, each placed and bound to the data source variable."""
    dashboard = _dashboard()
    panels = dashboard["panels"]
    titles = " | ".join(p["title"].lower() for p in panels)
    for needed in (
        "turn rate by platform",
        "latency by platform",
        "abstention rate",
        "findings by code",
        "database buffer",
        "errors",
        "platform connection",
        "knowledge version",
    ):
        assert needed in titles, needed
    ids = [p["id"] for p in panels]
    assert len(ids) == len(set(ids))
    for panel in panels:
        assert {"h", "w", "x", "y"} <= panel["gridPos"].keys()
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == "${datasource}"
            assert panel["targets"]
    assert dashboard["uid"] == "ztbot" and dashboard["schemaVersion"] >= 36


def _rules() -> list[dict[str, Any]]:
    data = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return [rule for group in data["groups"] for rule in group["rules"]]


def test_rules_schema_and_metrics(exported: set[str]) -> None:
    """Every alert has a name, severity, summary and a valid `for`, over exported metrics only."""
    data = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    assert set(data) == {"groups"}
    for group in data["groups"]:
        assert set(group) <= {"name", "rules", "interval", "limit"} and group["name"]
    rules = _rules()
    names = [r["alert"] for r in rules]
    assert len(names) == len(set(names))
    assert {
        "ZtbotPlatformDisconnected",
        "ZtbotDatabaseDownBufferFilling",
        "ZtbotNoTurnsWhileConnected",
    } <= set(names)
    for rule in rules:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations", "keep_firing_for"}
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", rule["alert"])
        assert "for" not in rule or _DURATION.match(rule["for"])
        assert rule["labels"]["severity"] in ("page", "ticket")
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]
        used = metric_names(rule["expr"])
        assert used and used <= exported, (rule["alert"], used - exported)


def test_promtool_checks_and_tests_the_rules() -> None:
    """`promtool check rules` accepts the file and the rule unit tests pass."""
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (Debian package 'prometheus'); schema check only")
    for command in (["check", "rules", str(RULES)], ["test", "rules", str(RULE_TESTS)]):
        done = subprocess.run(
            [promtool, *command], capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_last_turn_time_starts_when_a_platform_is_watched(engine: Engine, tmp_path: Path) -> None:
    """Before any turn the gauge holds the start time; a turn moves it to the turn's time."""
    service = SupportService(engine, Settings(data_dir=tmp_path, database_url=None))
    metrics = Metrics()
    metrics.install(service)

    class FrontEnd:
        name = "discord"
        ready = True

    def value() -> float:
        text = metrics.exposition().decode()
        samples = [
            s
            for f in text_string_to_metric_families(text)
            for s in f.samples
            if s.name == "ztbot_last_turn_timestamp_seconds" and s.labels["platform"] == "discord"
        ]
        assert len(samples) == 1
        return samples[0].value

    before = time.time()
    metrics.watch([FrontEnd()])
    started = value()
    assert before <= started <= time.time()
    time.sleep(0.01)
    service.handle(Incoming("how do I update zerotier", platform="discord", user="U1"))
    assert value() > started
