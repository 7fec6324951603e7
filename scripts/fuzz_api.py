"""Fuzz the HTTP API from its own OpenAPI schema with schemathesis, in-process.

Every operation gets schema-valid (positive) and schema-breaking (negative) requests;
each response is checked for server errors and against the documented status codes,
content types, headers and response schemas. Prints the request count, the 5xx count
and the schema violations, and exits 1 if there were any of either.

    python scripts/fuzz_api.py [--examples 170] [--seed 0]
    python scripts/fuzz_api.py --review [--examples 170]   # the store-backed endpoints: decisions, undo, queue

With --review the app has a store (a temporary SQLite file holding the seed pages' audit, or --db URL)
and only the review loop's operations are fuzzed.
"""
from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import hypothesis
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (content_type_conformance, negative_data_rejection,
                                               response_headers_conformance, response_schema_conformance,
                                               status_code_conformance)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


@dataclass
class FuzzReport:
    """What the fuzzer sent and what went wrong, per operation and check."""
    requests: int = 0
    server_errors: int = 0
    per_operation: collections.Counter = field(default_factory=collections.Counter)
    statuses: collections.Counter = field(default_factory=collections.Counter)
    violations: collections.Counter = field(default_factory=collections.Counter)
    examples: list[str] = field(default_factory=list)   # first few failure messages

    @property
    def n_violations(self) -> int:
        return sum(self.violations.values())


#: The operations of the review loop (the app has them only with a store).
REVIEW_PATHS = ("/v1/decisions", "/v1/decisions/{decision_id}/undo", "/v1/review/queue", "/v1/review/choices")


def fuzz(app: FastAPI, examples: int, seed: int = 0, headers: dict[str, str] | None = None,
         only: Callable[[str], bool] | None = None) -> FuzzReport:
    """Run up to `examples` generated requests per operation and mode (negative only where
    there is input to break) against `app`, sending `headers` (e.g. an API key) with each;
    `only` picks operations by path."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    report = FuzzReport()
    for result in schema.get_all_operations():
        operation = result.ok()
        if only is not None and not only(operation.path):
            continue
        breakable = bool(len(operation.body)) or any(True for _ in operation.iter_parameters())
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE) if breakable else (GenerationMode.POSITIVE,):
            # A broken JSON body must be refused; a "broken" query string or header often cannot be: every query
            # value arrives as text, repeated keys collapse to one, and the API key this fuzzer adds to every
            # request mends a case whose header the generator dropped. So only bodies are held to rejection.
            rejects = mode is GenerationMode.NEGATIVE and bool(len(operation.body))
            checks = CHECKS + ([negative_data_rejection] if rejects else [])

            @hypothesis.seed(seed)
            @hypothesis.settings(max_examples=examples, deadline=None, database=None,
                                 phases=[Phase.explicit, Phase.generate],
                                 suppress_health_check=list(HealthCheck), derandomize=False)
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case) -> None:
                response = case.call(headers=headers)
                report.requests += 1
                report.per_operation[operation.label] += 1
                report.statuses[response.status_code] += 1
                report.server_errors += response.status_code >= 500
                try:
                    case.validate_response(response, checks=checks, headers=headers)
                except FailureGroup as group:
                    for failure in group.exceptions:
                        report.violations[f"{operation.label}: {failure.title}"] += 1
                        if len(report.examples) < 5:
                            report.examples.append(f"{operation.label} [{mode.value}] -> {response.status_code}: "
                                                   f"{failure.title}\n{str(failure)[:600]}")
            run()
    return report


def review_app(url: str, moderator, settings) -> FastAPI:
    """An app over a store holding the seed pages' audit and a few comments scored over HTTP."""
    from fastapi.testclient import TestClient

    from moderation.audit import store
    from moderation.cli import main as cli
    from moderation.service import create_app

    seeds = Path(__file__).resolve().parent.parent / "seeds"
    with tempfile.TemporaryDirectory() as out:
        if cli(["audit", str(seeds), "--db", url, "--out", out, "--format", "jsonl"]) != 0:
            raise SystemExit("could not audit the seeds into the store")
    app = create_app(moderator, settings, store.open_store(url))
    auth = {"Authorization": f"Bearer {settings.api_keys[0]}"} if settings.api_keys else {}
    TestClient(app).post("/v1/score", json={"site": "fuzz", "comments": [
        {"id": "f1", "text": "Bande de chiens corrompus"}, {"id": "f2", "text": "Merci pour l'article"}]}, headers=auth)
    return app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=170,
                        help="generated requests per operation and mode (default: 170)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", help="model file (default: the shipped one)")
    parser.add_argument("--review", action="store_true", help="fuzz the store-backed review endpoints")
    parser.add_argument("--db", help="with --review: the store's URL (default: a temporary SQLite file)")
    args = parser.parse_args()

    from moderation.service import Settings, create_app
    from moderation.scoring import Moderator

    # Small limits so the generator reaches the 413/422 paths too.
    settings = Settings(max_comments=50, max_chars=2000, max_explain_chars=1000, max_body_bytes=200_000)
    moderator = Moderator.load(args.model)
    tmp = tempfile.TemporaryDirectory()
    if args.review:
        app = review_app(args.db or f"sqlite:///{Path(tmp.name) / 'fuzz.sqlite'}", moderator, settings)
    else:
        app = create_app(moderator, settings)
    start = time.perf_counter()
    report = fuzz(app, args.examples, args.seed, only=(lambda path: path in REVIEW_PATHS) if args.review else None)
    elapsed = time.perf_counter() - start
    for label, n in sorted(report.per_operation.items()):
        print(f"  {label:<28} {n:>6} requests")
    print("  statuses: " + ", ".join(f"{code}: {n}" for code, n in sorted(report.statuses.items())))
    print(f"requests: {report.requests}  5xx: {report.server_errors}  "
          f"schema violations: {report.n_violations}  ({elapsed:.1f} s)")
    for name, n in report.violations.most_common():
        print(f"  {n:>5}  {name}")
    for example in report.examples:
        print("---\n" + example)
    tmp.cleanup()
    return 1 if report.server_errors or report.n_violations else 0


if __name__ == "__main__":
    sys.exit(main())
