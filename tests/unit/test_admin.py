"""Admin actions behind /zt admin: reload behind the gate, a report from the real database."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.base.settings import Settings
from bot.core.engine import Engine
from bot.core.models import Incoming
from bot.knowledge import load_knowledge
from bot.runtime.admin import ADMIN_HELP, AdminActions
from bot.runtime.gate import release_gate
from bot.runtime.reload import KnowledgeReloader
from bot.runtime.service import SupportService
from bot.store import open_store

SHIPPED = Path(__file__).resolve().parents[2] / "knowledge"


def test_reload_swaps_a_valid_edit_and_refuses_a_broken_one(tmp_path: Path) -> None:
    """`admin reload` reports the new version, or the problems while the old answers stay."""
    kdir = tmp_path / "knowledge"
    shutil.copytree(SHIPPED, kdir)
    engine = Engine(load_knowledge(kdir))
    service = SupportService(engine, Settings(data_dir=tmp_path, database_url=None))
    reloader = KnowledgeReloader(kdir, engine, gate=release_gate, on_swap=service.swap_engine)
    admin = AdminActions(service.store, reloader)
    assert admin.run("reload", "U1").startswith("knowledge unchanged")
    faq = kdir / "faq.yaml"
    faq.write_text(faq.read_text().replace("Windows does block pings", "Windows blocks pings"))
    assert admin.run("reload", "U1").startswith("knowledge reloaded: version ")
    faq.write_text(faq.read_text() + "\n  - id: [broken\n")
    message = admin.run("reload", "U1")
    assert message.startswith("knowledge NOT reloaded") and "faq.yaml:" in message
    reply = service.handle(Incoming("ping doesn't work on windows"))
    assert reply is not None and "Windows blocks pings" in reply.body


def test_report_reads_the_database(engine: Engine, tmp_path: Path) -> None:
    """`admin report 1d` summarises logged turns; without a database it says so."""
    store = open_store(f"sqlite:///{tmp_path / 't.db'}")
    service = SupportService(
        engine, Settings(data_dir=tmp_path, database_url=None), store=store, salt="s"
    )
    service.handle(Incoming("what ports does zerotier use", platform="slack"))
    service.handle(Incoming("how do I bake bread", platform="slack"))
    assert store.writer.flush()
    text = AdminActions(service.store, None).run("report 1d", "U1")
    assert text.startswith("```\nztbot report") and "bake bread" in text
    assert "Turns                   2" in text
    assert AdminActions(service.store, None).run("report soon", "U1").startswith("not a duration")
    service.close()
    bare = SupportService(engine, Settings(data_dir=tmp_path, database_url=None))
    assert "No database" in AdminActions(bare.store, None).run("report", "U1")
    assert (
        AdminActions(bare.store, None).run("reload", "U1")
        == "Reloading is not available in this process."
    )
    assert AdminActions(bare.store, None).run("dance", "U1") == ADMIN_HELP
