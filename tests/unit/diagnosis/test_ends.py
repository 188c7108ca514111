"""Two ends: pastes from both nodes in one conversation are correlated."""

from __future__ import annotations

from bot.core.engine import Engine
from bot.core.models import Context, Incoming

HEADER = "200 peers\n<ztaddr>   <ver>  <role> <lat> <link> <lastTX> <lastRX> <path>\n"
ROOT_OK = "61d294b9cb -      PLANET    43 DIRECT 1617     6580     50.7.73.34/9993\n"
ROOT_DOWN = "61d294b9cb -      PLANET    -1 RELAY\n"


def _paste(me: str, version: str, status: str, rows: str) -> str:
    info = f"$ zerotier-cli info\n200 info {me} {version} {status}\n"
    return f"{info}$ zerotier-cli peers\n{HEADER}{rows}"


def test_both_ends_relayed_blames_the_side_with_blocked_udp(engine: Engine) -> None:
    """A sees B relayed, B is TUNNELED: B's network is the likely culprit."""
    a = _paste("aaaaaaaaaa", "1.14.2", "ONLINE", ROOT_OK + "bbbbbbbbbb 1.12.2 LEAF -1 RELAY\n")
    b = _paste("bbbbbbbbbb", "1.12.2", "TUNNELED", ROOT_DOWN + "aaaaaaaaaa 1.14.2 LEAF -1 RELAY\n")
    first = engine.respond(Incoming(a), Context())
    assert all(f.code != "two-ends-relayed" for f in first.findings)
    second = engine.respond(Incoming(b), first.context)
    (pair,) = [f for f in second.findings if f.code == "two-ends-relayed"]
    assert "the likely culprit: bbbbbbbbbb" in pair.summary
    assert pair.evidence == (
        "aaaaaaaaaa sees bbbbbbbbbb: RELAY",
        "bbbbbbbbbb sees aaaaaaaaaa: RELAY",
    )


def test_side_relayed_to_everyone_is_the_culprit(engine: Engine) -> None:
    """Both online; A is relayed to all its other peers too, B is direct with its others."""
    a = _paste(
        "aaaaaaaaaa",
        "1.14.2",
        "ONLINE",
        ROOT_OK + "bbbbbbbbbb 1.14.2 LEAF -1 RELAY\ncccccccccc 1.14.2 LEAF -1 RELAY\n",
    )
    b = _paste(
        "bbbbbbbbbb",
        "1.14.2",
        "ONLINE",
        ROOT_OK + "aaaaaaaaaa 1.14.2 LEAF -1 RELAY\n"
        "dddddddddd 1.14.2 LEAF 20 DIRECT 10 10 1.2.3.4/9993\n",
    )
    ctx = engine.respond(Incoming(a)).context
    reply = engine.respond(Incoming(b), ctx)
    (pair,) = [f for f in reply.findings if f.code == "two-ends-relayed"]
    assert "the likely culprit: aaaaaaaaaa" in pair.summary


def test_direct_both_ways_is_reported_as_fine(engine: Engine) -> None:
    """When both ends see each other directly, ZeroTier is not the problem."""
    a = _paste(
        "aaaaaaaaaa",
        "1.14.2",
        "ONLINE",
        ROOT_OK + "bbbbbbbbbb 1.14.2 LEAF 12 DIRECT 5 5 1.2.3.4/9993\n",
    )
    b = _paste(
        "bbbbbbbbbb",
        "1.14.2",
        "ONLINE",
        ROOT_OK + "aaaaaaaaaa 1.14.2 LEAF 12 DIRECT 5 5 5.6.7.8/9993\n",
    )
    ctx = engine.respond(Incoming(a)).context
    reply = engine.respond(Incoming(b), ctx)
    assert [f.code for f in reply.findings if f.code.startswith("two-ends")] == ["two-ends-direct"]
