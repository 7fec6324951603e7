"""`moderation audit`: score folders of pages and comment exports into a store and ranked reports.

The flow is one ordered pipeline. A producer walks the inputs (sorted, so runs
are deterministic), hashes each file and asks the store whether that content
was already scored with this model; new work becomes steps (a whole page to
segment and score, or a batch of table rows to score) that run in worker
processes (`--jobs`) or inline. The parent consumes results in input order and
is the only writer: a file's comments and its `done` status go into the store
in one transaction, so a killed run loses at most the file in progress and
the next run resumes. Reports are then rendered from the store.
"""
from __future__ import annotations

import argparse
import functools
import hashlib
import itertools
from collections import deque
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Union

import numpy as np

from ..records import iter_records
from ..scoring import Moderator, judge
from ..scoring.modelfile import sha256_file
from ..segment import SEGMENTER_VERSION, segment_page
from ..textio import InputError, decode_bytes
from . import store
from .discover import InputFile, discover
from .progress import Progress
from .report import OUTPUT_FORMATS, write_outputs
from .texts import default_language

KEEP_COLUMNS = ("author", "date", "url")


# --------------------------------------------------------------------------- inputs

# --------------------------------------------------------------------------- worker side

class ModelRef:
    """A picklable handle on a model file for worker processes: each loads it once, on first use."""

    def __init__(self, path: str):
        self.path = path

    def get(self) -> Moderator:
        return _load_once(self.path)


@functools.lru_cache(maxsize=2)
def _load_once(path: str) -> Moderator:
    return Moderator.load(path)


def _preload(ref: ModelRef) -> None:
    """Pool initializer: load the model before the first task, so a bad model fails every worker at once."""
    ref.get()


Model = Union[Moderator, ModelRef]


def _moderator(model: Model) -> Moderator:
    return model.get() if isinstance(model, ModelRef) else model


def _score_texts(model: Model, texts: list[str]) -> np.ndarray:
    return _moderator(model).predict_proba(texts)


def _score_page(model: Model, data: bytes, name: str, fmt: str) -> tuple[list, np.ndarray]:
    """Decode, segment and score one page; InputError (binary, bad UTF-8) reaches the parent."""
    comments = segment_page(decode_bytes(data, name), format=fmt).comments
    return comments, _moderator(model).predict_proba([c.text for c in comments])


def explain_texts(model: Model, texts: list[str]) -> list[dict[str, list[dict]]]:
    """Evidence per label for each text, as report.html shows it."""
    m = _moderator(model)
    return [{lab: [e.to_dict() for e in ev] for lab, ev in m.explain(t).items()} for t in texts]


class _InlineExecutor(Executor):
    """`--jobs 1`: run each step at submission, in this process, with the same interface as a pool."""

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        fut: Future = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except Exception as exc:   # delivered to the consumer like a worker's exception
            fut.set_exception(exc)
        return fut


# --------------------------------------------------------------------------- the pipeline

@dataclass
class Step:
    """One unit of work for one input, consumed in order: reuse, error, page, batch or end."""
    source: InputFile
    kind: str
    key: dict = field(default_factory=dict)
    payload: Any = None                  # reuse: input id; error: message; batch: records
    fn: Callable | None = None
    args: tuple = ()


def _input_key(src: InputFile, sha: str, model_version: str, args: argparse.Namespace) -> dict:
    options = f"segment={SEGMENTER_VERSION}" if src.kind == "page" else f"text={args.text_column};id={args.id_column}"
    return {"path": str(src.path), "sha256": sha, "model_version": model_version, "options": options}


def _steps(sources: Iterable[InputFile], engine, model: Model, model_version: str,
           args: argparse.Namespace) -> Iterator[Step]:
    """Turn inputs into steps, skipping inputs the store already has `done` for this model."""
    for src in sources:
        if src.kind == "parquet":
            yield Step(src, "error", _input_key(src, "", model_version, args),
                       f"{src.name}: Parquet input is read by the Dask engine (--engine dask)")
            continue
        try:
            data = src.path.read_bytes() if src.kind == "page" else None
            sha = hashlib.sha256(data).hexdigest() if data is not None else sha256_file(src.path)
        except OSError as exc:
            key = _input_key(src, "", model_version, args)
            yield Step(src, "error", key, f"{src.name}: cannot read ({exc.strerror})")
            continue
        key = _input_key(src, sha, model_version, args)
        with engine.connect() as conn:
            row = store.find_input(conn, key)
        if row is not None and row["status"] == "done":
            yield Step(src, "reuse", key, row["id"])
        elif src.kind == "page":
            yield Step(src, "page", key, fn=_score_page, args=(model, data, src.name, src.page_format))
        else:
            yield from _table_steps(src, key, model, args)


def _table_steps(src: InputFile, key: dict, model: Model, args: argparse.Namespace) -> Iterator[Step]:
    """Batches of a CSV/JSONL file, then `end`; a read error mid-file becomes an `error` step."""
    try:
        with open(src.path, "rb") as fh:
            records = iter_records(fh, src.name, src.kind, text_column=args.text_column,
                                   id_column=args.id_column, keep=KEEP_COLUMNS)
            while batch := list(itertools.islice(records, args.batch_size)):
                yield Step(src, "batch", key, batch, _score_texts, (model, [r.text for r in batch]))
    except (InputError, OSError) as exc:
        yield Step(src, "error", key, str(exc) if isinstance(exc, InputError) else f"{src.name}: {exc}")
        return
    yield Step(src, "end", key)


def _ordered(steps: Iterator[Step], executor: Executor, window: int) -> Iterator[tuple[Step, Any]]:
    """Submit steps ahead (at most `window` in flight) and yield (step, result or exception) in order."""
    pending: deque[tuple[Step, Future | None]] = deque()

    def resolve(item: tuple[Step, Future | None]) -> tuple[Step, Any]:
        step, fut = item
        if fut is None:
            return step, None
        try:
            return step, fut.result()
        except InputError as exc:
            return step, exc

    for step in steps:
        pending.append((step, executor.submit(step.fn, *step.args) if step.fn else None))
        if len(pending) >= window:
            yield resolve(pending.popleft())
    while pending:
        yield resolve(pending.popleft())


@dataclass
class AuditResult:
    """What a run did, for the summary and for callers (tests, scripts)."""
    run_id: int
    counts: dict[str, int]
    totals: dict[str, int]            # comments and flags over all the run's inputs, earlier runs included
    skipped: list[str]                # why each unreadable input was skipped
    outputs: list[Path]
    notes: list[str] = field(default_factory=list)    # more lines for the summary (the Dask engine's)


class _Writer:
    """The parent's side: writes each input's results in one transaction and keeps the run's counters."""

    def __init__(self, engine, run_id: int, moderator: Moderator, thresholds: dict, progress: Progress):
        self.conn = engine.connect()
        self.run_id, self.moderator, self.thresholds, self.progress = run_id, moderator, thresholds, progress
        self.counts = {"inputs_scored": 0, "inputs_reused": 0, "inputs_failed": 0, "comments_scored": 0}
        self.skipped: list[str] = []
        self.position = 0
        self.txn = None
        self.input_id: int | None = None
        self.n = 0

    def handle(self, step: Step, result: Any) -> None:
        if isinstance(result, InputError):
            step = Step(step.source, "error", step.key, str(result))
        if step.kind == "reuse":
            with self.conn.begin():
                store.link_input(self.conn, self.run_id, step.payload, self._next_position())
            self.counts["inputs_reused"] += 1
            self.progress.update(files=1)
        elif step.kind == "error":
            self._fail(step)
        elif step.kind == "page":
            comments, probs = result
            self._begin(step)
            self._write([{"position": c.index, "ext_id": None, "text": c.text,
                          "line_first": c.lines[0] if c.lines else None,
                          "line_last": c.lines[1] if c.lines else None,
                          "dom_path": c.path, "author": c.author, "date": c.date, "url": None}
                         for c in comments], probs)
            self._commit()
        elif step.kind == "batch":
            if self.txn is None:
                self._begin(step)
            base = self.n
            self._write([{"position": base + i, "ext_id": r.id, "text": r.text, "line_first": r.line,
                          "line_last": r.line, "dom_path": None, "author": _str(r.extra.get("author")),
                          "date": _str(r.extra.get("date")), "url": _str(r.extra.get("url"))}
                         for i, r in enumerate(step.payload)], result)
        elif step.kind == "end":
            if self.txn is None:          # a table with a header and no rows
                self._begin(step)
            self._commit()

    def _next_position(self) -> int:
        self.position += 1
        return self.position

    def _begin(self, step: Step) -> None:
        self.txn = self.conn.begin()
        self.input_id = store.add_input(self.conn, self.run_id, step.key, step.source.kind, "pending")
        self.n = 0

    def _write(self, rows: list[dict], probs: np.ndarray) -> None:
        version = self.moderator.version
        for row, verdict in zip(rows, judge(probs, self.thresholds)):
            row.update(verdict.scores, flagged=verdict.flagged, model_version=version, input_id=self.input_id)
        store.add_comments(self.conn, rows)
        self.n += len(rows)
        self.counts["comments_scored"] += len(rows)
        self.progress.update(comments=len(rows))

    def _commit(self) -> None:
        store.mark_done(self.conn, self.input_id, self.n)
        store.link_input(self.conn, self.run_id, self.input_id, self._next_position())
        self.txn.commit()
        self.txn = None
        self.counts["inputs_scored"] += 1
        self.progress.update(files=1)

    def _fail(self, step: Step) -> None:
        if self.txn is not None:          # the file broke mid-way: drop what it had written
            self.counts["comments_scored"] -= self.n
            self.txn.rollback()
            self.txn = None
        with self.conn.begin():
            input_id = store.add_input(self.conn, self.run_id, step.key, step.source.kind, "error", step.payload)
            store.link_input(self.conn, self.run_id, input_id, self._next_position())
        self.counts["inputs_failed"] += 1
        self.skipped.append(step.payload)          # listed once, in the summary at the end
        self.progress.update(files=1)

    def close(self) -> None:
        if self.txn is not None:
            self.txn.rollback()
        self.conn.close()


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


# --------------------------------------------------------------------------- entry points

def prepare_out(out: Path) -> None:
    """Create the output folder, or say in one line why it cannot be written."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test.tmp"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise InputError(f"output folder {out} is not writable ({exc.strerror})") from None


def parse_formats(spec: str | None, allowed: tuple[str, ...] = OUTPUT_FORMATS, why: str = "") -> list[str]:
    """The `--format` list (default: every allowed output); `why` says why some outputs are not allowed."""
    if spec is None:
        return list(allowed)
    formats = [f.strip().lower() for f in spec.split(",") if f.strip()]
    bad = [f for f in formats if f not in allowed]
    if bad or not formats:
        raise InputError(f"--format {spec!r}: choose among {', '.join(allowed)} (comma-separated){why}")
    return formats


def run_audit(args: argparse.Namespace) -> AuditResult:
    """Score the inputs into the store (skipping what it has), then write the requested outputs."""
    out = Path(args.out)
    formats = parse_formats(args.formats)
    if args.jobs < 1 or args.batch_size < 1:
        raise InputError("--jobs and --batch-size must be at least 1")
    prepare_out(out)
    url = args.db or f"sqlite:///{(out / 'audit.sqlite').resolve()}"
    engine = store.open_store(url)
    exclude = [out] + ([Path(engine.url.database)] if engine.dialect.name == "sqlite" and engine.url.database else [])
    sources = discover(args.inputs, exclude)
    moderator = Moderator.load(args.model)
    thresholds = {**moderator.thresholds, **(args.threshold or {})}
    with engine.connect() as conn:
        run_id = store.start_run(conn, moderator.version, {
            "inputs": list(args.inputs), "thresholds": thresholds, "text_column": args.text_column,
            "id_column": args.id_column, "only_flagged": args.only_flagged, "formats": formats,
            "jobs": args.jobs, "batch_size": args.batch_size, "model": str(moderator.path)})

    # --jobs 1 scores with the model loaded here; worker processes each load the file once
    model: Model = moderator if args.jobs == 1 else ModelRef(str(moderator.path))
    executor: Executor = (_InlineExecutor() if args.jobs == 1 else
                          ProcessPoolExecutor(args.jobs, initializer=_preload, initargs=(model,)))
    progress = Progress(len(sources))
    writer = _Writer(engine, run_id, moderator, thresholds, progress)
    try:
        for step, result in _ordered(_steps(sources, engine, model, moderator.version, args), executor, 4 * args.jobs):
            writer.handle(step, result)
        progress.close()                  # the bar ends before the report messages
        with engine.connect() as conn:
            store.finish_run(conn, run_id, writer.counts)
            explain = lambda texts: _explain_parallel(executor, model, texts, args.jobs)  # noqa: E731
            outputs, totals = write_outputs(conn, run_id, out, formats, thresholds, moderator.version, explain,
                                            only_flagged=args.only_flagged,
                                            lang=getattr(args, "lang", None) or default_language())
    finally:
        progress.close()
        writer.close()
        executor.shutdown(cancel_futures=True)
        engine.dispose()
    return AuditResult(run_id, writer.counts, totals, writer.skipped, outputs)


def _explain_parallel(executor: Executor, model: Model, texts: list[str], jobs: int) -> list[dict]:
    """Evidence for the comments shown in the HTML report, spread over the workers."""
    size = max(1, -(-len(texts) // (4 * jobs)))
    chunks = [texts[i:i + size] for i in range(0, len(texts), size)]
    return [ev for part in executor.map(functools.partial(explain_texts, model), chunks) for ev in part]
