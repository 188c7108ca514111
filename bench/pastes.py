"""Score paste diagnosis against a labelled paste set: every fact of the schema, and the topics.

Run: `.venv/bin/python bench/pastes.py [DIR]` (default: ../shared/data/pastes-dev beside the
repository, or `ZTBOT_PASTES_DIR`). DIR holds `NNN.txt` pastes and `pastes.yaml` with their labels
(schema in that file's header comment). For each paste and each fact key of the schema (os,
peers.count, peers.relay, peers.direct, peers.roles, peers.latency, info, networks, errors, ping,
secrets) one check: a labelled key must match what was read; a key left out of the labels must be
empty in what was read. Topics: for each paste with `expect_topics`, one of them must be among the
topics of the problem findings (informational findings do not count).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import REPO
from bot.diagnosis import Link, NodeStatus, ParsedOutput, Peer, PingResult
from bot.diagnosis.findings import Diagnosis, diagnose
from bot.diagnosis.table import is_relayed
from bot.knowledge import load_knowledge

_DEFAULT_DIR = REPO.parent / "shared" / "data" / "pastes-dev"
_PEER_KEYS = ("count", "relay", "direct", "roles", "latency")
_TOP_KEYS = ("os", "info", "networks", "errors", "ping", "secrets")
_ERROR_NAMES = {
    "service-unreachable": "service-unreachable",
    "token-unreadable": "authtoken-unreadable",
    "port-missing": "missing-port",
    "permission-denied": "permission-denied",
}


def facts_of(diagnosis: Diagnosis) -> dict[str, Any]:
    """The facts of the labelling schema, read from one paste's diagnosis."""
    outputs = diagnosis.outputs
    facts: dict[str, Any] = {"os": _os(outputs)}
    peers = [p for o in outputs for p in o.peers]
    if peers:
        facts["peers"] = _peer_facts(peers)
    info = _info(outputs)
    if info is not None:
        facts["info"] = info
    networks: dict[object, dict[str, Any]] = {}
    for out in outputs:
        for net in out.networks:
            networks[net.id] = {"id": net.id, "status": net.status, "name": net.name}
    if networks or any(o.command.endswith("listnetworks") for o in outputs):
        facts["networks"] = list(networks.values())
    errors = [_error_name(e.kind, e.status_code) for o in outputs for e in o.errors]
    if errors:
        facts["errors"] = sorted(set(errors))
    pings = [p for o in outputs for p in o.pings]
    if pings:
        facts["ping"] = {"os": pings[-1].os, "lost_all": _lost_all(pings[-1])}
    if diagnosis.secrets:
        facts["secrets"] = True
    return facts


def _os(outputs: Sequence[ParsedOutput]) -> str | None:
    hints = [o.os_hint for o in outputs if o.os_hint]
    return max(set(hints), key=hints.count) if hints else None


def _peer_facts(peers: Sequence[Peer]) -> dict[str, Any]:
    relay: dict[str, None] = {}
    direct: dict[str, None] = {}
    roles: dict[str, str] = {}
    latency: dict[str, int | None] = {}
    for p in peers:
        if is_relayed(p):
            relay[p.address] = None
        if p.link is Link.DIRECT:
            direct[p.address] = None
        roles[p.address] = p.role.value
        latency[p.address] = p.latency_ms
    return {
        "count": len(peers),
        "relay": sorted(relay),
        "direct": sorted(direct),
        "roles": roles,
        "latency": latency,
    }


def _info(outputs: Sequence[ParsedOutput]) -> dict[str, Any] | None:
    text = [o.info for o in outputs if o.command == "info" and o.info is not None]
    js = [o.info for o in outputs if o.command == "json-info" and o.info is not None]
    node = text[-1] if text else (js[-1] if js else None)
    if node is None:
        return None
    status = node.status
    if node.tcp_fallback_active:
        status = NodeStatus.TUNNELED
    elif status is NodeStatus.UNKNOWN and node.online is not None:
        status = NodeStatus.ONLINE if node.online else NodeStatus.OFFLINE
    return {"address": node.address, "version": node.version, "status": status.value}


def _error_name(kind: str, status_code: int | None) -> str:
    if kind == "http-error" and status_code == 401:
        return "http-401"
    return _ERROR_NAMES.get(kind, "other")


def _lost_all(run: PingResult) -> bool:
    if run.replies:
        return False
    return bool(run.timeouts or run.unreachable or (run.sent and not run.received))


def _same(key: str, want: Any, got: Any) -> bool:
    if key in ("relay", "direct"):
        return sorted(want or []) == sorted(got or [])
    if key == "errors":
        return sorted(set(want or [])) == sorted(set(got or []))
    if key == "networks":
        return [_net(n) for n in want or []] == [_net(n) for n in got or []]
    return bool(want == got)


def _net(n: dict[str, Any]) -> tuple[Any, Any, Any]:
    return (n.get("id"), n.get("status"), n.get("name"))


def score(folder: Path, *, verbose: bool = False) -> tuple[int, int, int, int]:
    """Return (facts right, fact checks, topics right, topic checks) over one paste set."""
    kb = load_knowledge(REPO / "knowledge")
    labels: list[dict[str, Any]] = yaml.safe_load((folder / "pastes.yaml").read_text("utf-8"))
    right = checks = topics_right = topic_checks = 0
    for item in labels:
        text = (folder / item["file"]).read_text(encoding="utf-8")
        diagnosis = diagnose(text, kb.finding_text)
        got = facts_of(diagnosis)
        want = item.get("facts") or {}
        misses: list[str] = []
        for key in _TOP_KEYS:
            checks += 1
            if key == "os" or key in want or key in got:
                ok = key in want and key in got and _same(key, want[key], got[key])
                if key == "os":
                    ok = want.get("os") == got.get("os")
            else:
                ok = True
            right += ok
            if not ok:
                misses.append(f"{key}: want {want.get(key)!r} got {got.get(key)!r}")
        for key in _PEER_KEYS:
            checks += 1
            w = (want.get("peers") or {}).get(key)
            g = (got.get("peers") or {}).get(key)
            ok = (w is None and g is None) or (w is not None and _same(key, w, g))
            right += ok
            if not ok:
                misses.append(f"peers.{key}: want {w!r} got {g!r}")
        expect = item.get("expect_topics") or []
        if expect:
            topic_checks += 1
            found = {t for f in diagnosis.problems for t in f.topics}
            hit = bool(found & set(expect))
            topics_right += hit
            if not hit:
                misses.append(f"topics: want one of {expect} got {sorted(found)}")
        if verbose and misses:
            print(f"{item['file']}:")
            for miss in misses:
                print(f"    {miss}")
    return right, checks, topics_right, topic_checks


def main(argv: Sequence[str] | None = None) -> int:
    """Print the fact and topic scores of one paste set (and each miss with -v)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(os.environ.get("ZTBOT_PASTES_DIR", _DEFAULT_DIR))
    parser.add_argument("folder", nargs="?", type=Path, default=default)
    parser.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    if not (args.folder / "pastes.yaml").is_file():
        print(f"{args.folder}: no pastes.yaml", file=sys.stderr)
        return 2
    right, checks, t_right, t_checks = score(args.folder, verbose=args.verbose)
    print(f"facts  {right}/{checks} = {right / max(checks, 1):.3f}")
    print(f"topics {t_right}/{t_checks}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
