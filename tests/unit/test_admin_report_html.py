"""The admin HTML report: a file to attach in chat, built from the real database."""

from __future__ import annotations

from pathlib import Path

from bot.base.settings import Settings
from bot.core.engine import Engine
from bot.core.models import Incoming
from bot.runtime.admin import AdminActions, ReportFile
from bot.runtime.service import SupportService
from bot.store import open_store


def test_report_html_is_a_page_to_attach(engine: Engine, tmp_path: Path) -> None:
    """Logged turns come back as an HTML file; the text setting applies to users' words."""
    store = open_store(f"sqlite:///{tmp_path / 't.db'}")
    settings = Settings(data_dir=tmp_path, database_url=None, store_text="full")
    service = SupportService(engine, settings, store=store, salt="s")
    service.handle(Incoming("what ports does zerotier use", platform="slack"))
    service.handle(Incoming("how do I bake bread at 10.0.0.7", platform="discord"))
    assert store.writer.flush()
    admin = AdminActions(store, None, store_text="full")
    result = admin.report_html("1d")
    assert isinstance(result, ReportFile)
    assert result.filename.startswith("ztbot-report-") and result.filename.endswith("-1d.html")
    assert result.mime_type == "text/html"
    page = result.content.decode("utf-8")
    assert page.startswith("<!doctype html>") and "Turns per day on discord" in page
    assert "bake bread at 10.0.0.7" in page
    redacted = AdminActions(store, None, store_text="redacted").report_html("1d")
    assert isinstance(redacted, ReportFile)
    assert b"10.0.0.7" not in redacted.content and b"bake bread at [ip]" in redacted.content
    assert str(admin.report_html("soon")).startswith("not a duration")
    service.close()
    bare = SupportService(engine, Settings(data_dir=tmp_path, database_url=None))
    assert "No database" in str(AdminActions(bare.store, None).report_html())
