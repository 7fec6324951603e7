"""Schema-driven fuzzing of the API (a shorter run of scripts/fuzz_api.py): no 5xx, no schema violation."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from moderation.api import Settings, create_app
from moderation.model import Moderator

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "fuzz_api.py"


def load_fuzzer():
    """scripts/ is not a package: import the script by path."""
    spec = importlib.util.spec_from_file_location("fuzz_api", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module          # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_generated_requests_never_break_the_api() -> None:
    fuzzer = load_fuzzer()
    limits = Settings(max_comments=20, max_chars=500, max_explain_chars=300, max_body_bytes=50_000,
                      api_keys=("fuzz-key",))
    app = create_app(Moderator.load(), limits)
    report = fuzzer.fuzz(app, examples=25, seed=1, headers={"Authorization": "Bearer fuzz-key"})
    assert report.requests >= 150
    assert report.statuses[200] > 0 and any(400 <= s < 500 for s in report.statuses)
    assert report.server_errors == 0, report.examples
    assert report.n_violations == 0, report.examples
