from __future__ import annotations

from pathlib import Path

import pytest

from bot.directory import Directory

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def directory() -> Directory:
    return Directory.from_file()


def latest_model() -> Path | None:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None
