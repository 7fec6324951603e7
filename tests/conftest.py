"""Shared fixtures: the shipped model, the seed pages, the data pack when it is present, and a real
PostgreSQL server started by the suite when Debian's binaries are installed."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from moderation.training.sources import DEFAULT_DATA_DIR

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_002 = SEEDS / "002_2ede61ddf366503b.txt"


def load_script(name: str) -> ModuleType:
    """Import ``scripts/<name>.py`` by path (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module          # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


needs_data = pytest.mark.skipif(not DEFAULT_DATA_DIR.is_dir(),
                                reason=f"training data pack not found at {DEFAULT_DATA_DIR}")


def flag_matrix(moderator, texts) -> np.ndarray:
    """(n, labels) booleans: which labels each text is flagged for, through `Moderator.verdicts`."""
    return np.array([[lab in v.labels for lab in moderator.labels] for v in moderator.verdicts(list(texts))],
                    dtype=bool).reshape(len(texts), len(moderator.labels))


@pytest.fixture(scope="session")
def moderator():
    from moderation import Moderator
    return Moderator.load()


@pytest.fixture(scope="session")
def seed_lines() -> list[str]:
    """Lines of seeds/002 (index 0 = line 1)."""
    return SEED_002.read_text(encoding="utf-8").split("\n")


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL cluster for the whole session (see servers.PostgresCluster); skips where it cannot run."""
    from servers import PostgresCluster, postgres_bin

    bindir = postgres_bin()
    if bindir is None:
        pytest.skip("PostgreSQL binaries not found under /usr/lib/postgresql/*/bin "
                    "(sh scripts/test-deps.sh installs them: apt-get install postgresql)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("the psycopg driver is not installed (pip install -e '.[test]')")
    cluster = PostgresCluster(bindir).start()
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(postgres, request) -> str:
    """A fresh, empty database on the session's PostgreSQL server, named after the test."""
    import re
    name = "t_" + re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:50]
    return postgres.create_database(name)


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def chromium(tmp_path_factory):
    """Debian's headless Chromium driven by Playwright (never a downloaded browser), with a fresh profile;
    yields a function that opens a new page. Skips where Chromium or Playwright is missing."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium not found at /usr/bin/chromium (sh scripts/test-deps.sh installs it: "
                    "apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_FLAGS)
        yield context
        context.close()
