"""Schema-driven fuzzing of the API (a shorter run of scripts/fuzz_api.py): no 5xx, no schema violation."""
from __future__ import annotations

import pytest

from conftest import load_script
from moderation.service import Settings, create_app
from moderation.scoring import Moderator


@pytest.mark.slow
def test_generated_requests_never_break_the_api() -> None:
    fuzzer = load_script("fuzz_api")
    limits = Settings(max_comments=20, max_chars=500, max_explain_chars=300, max_body_bytes=50_000,
                      api_keys=("fuzz-key",))
    app = create_app(Moderator.load(), limits)
    report = fuzzer.fuzz(app, examples=25, seed=1, headers={"Authorization": "Bearer fuzz-key"})
    assert report.requests >= 150
    assert report.statuses[200] > 0 and any(400 <= s < 500 for s in report.statuses)
    assert report.server_errors == 0, report.examples
    assert report.n_violations == 0, report.examples


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_generated_requests_never_break_the_review_endpoints(backend, tmp_path, request) -> None:
    """On both databases: PostgreSQL refuses what SQLite accepts (NUL, ids past 32 bits), each a 500 once."""
    fuzzer = load_script("fuzz_api")
    url = f"sqlite:///{tmp_path / 'fuzz.sqlite'}" if backend == "sqlite" else request.getfixturevalue("pg_url")
    limits = Settings(max_comments=20, max_chars=500, max_body_bytes=50_000, api_keys=("fuzz-key",))
    app = fuzzer.review_app(url, Moderator.load(), limits)
    report = fuzzer.fuzz(app, examples=15, seed=1, headers={"Authorization": "Bearer fuzz-key"},
                         only=lambda path: path in fuzzer.REVIEW_PATHS)
    assert set(report.per_operation) == {"POST /v1/decisions", "POST /v1/decisions/{decision_id}/undo",
                                         "GET /v1/review/queue", "GET /v1/review/choices"}
    assert report.requests >= 80 and any(400 <= s < 500 for s in report.statuses)
    assert report.server_errors == 0, report.examples
    assert report.n_violations == 0, report.examples
