"""`moderation audit --engine dask`: the batch audit on a Dask cluster, for archives past one machine.

The client plans, the workers do the work. The client lists the inputs (local
paths or fsspec URLs) and cuts them into partitions (`partitions.py`); rows are
read on the workers in partitions with `dask.dataframe` (`from_map` for pages
and CSV/JSONL byte ranges, `read_parquet` for Parquet) and scored there
(`dask_worker.py`) with the model each worker received once. Each partition
writes its own results Parquet file, flagged rows and "done" marker, named by
input, model and index, so a rerun skips the partitions already written and a
worker killed mid-run costs only its partition, which Dask runs again.

Only small things come back to the client: per-partition counts and each
partition's best-ranked comments. From them it writes the store summary (runs
and inputs, with counts; the comments themselves stay in the Parquet files),
report.html (through `report.write_html`, as the local engine does) and
flagged.csv (the partitions' flagged rows, concatenated in input order).
"""
from __future__ import annotations

import argparse
import contextlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ..labels import LABELS
from ..scoring import Moderator
from ..scoring.modelfile import manifest_path
from ..textio import InputError, atomic_write
from . import AuditError, store
from .discover import InputFile, discover, is_url
from .partitions import (PartSpec, block_stats, digest, empty_rows, fingerprint, page_groups, pages_hash,
                         parquet_columns, part_name, read_pages, read_table, table_ranges)
from .pipeline import AuditResult, explain_texts, parse_formats, prepare_out
from .progress import Progress
from .report import CSV_FIELDS, HTML_LIMIT, NEAR_MISS_LIMIT, TopN, totals_of, write_html
from .texts import default_language

DASK_FORMATS = ("html", "csv")
DEFAULT_PARTITION_SIZE = "16MB"   # ~10x that in Python objects on a worker: near Dask's advice of ~100-200 MB
WORKER_MEMORY = 1 << 30     # the local cluster's memory per worker: model ~0.45 GB + a 16 MB partition's rows
_SEQ = 1 << 32              # report order of a comment: partition order * _SEQ + its row in the partition


@dataclass
class _Input:
    """One input file as the client tracks it: its key parts, its partitions, and what became of it."""
    src: InputFile
    fingerprint: str = ""
    options: str = ""
    specs: list[PartSpec] = field(default_factory=list)
    error: str | None = None
    scored: bool = False              # some of its partitions were scored in this run
    size: int = 0                     # bytes, from the listing

    @property
    def input_hash(self) -> str:
        """The input's key: kind, location, fingerprint and the options that change its rows."""
        return digest(self.src.kind, self.src.location, self.fingerprint, self.options)


@dataclass
class _Tally:
    """What came back from the partitions: counts per input, errors, and the best-ranked comments."""
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    top: TopN = field(default_factory=lambda: TopN(HTML_LIMIT))
    near: TopN = field(default_factory=lambda: TopN(NEAR_MISS_LIMIT))
    comments_scored: int = 0
    more: list[tuple[str, str, int, float]] = field(default_factory=list)   # (list, partition, order, next rank)

    def add(self, summary: dict, ranked: bool = True) -> None:
        """Fold one partition's summary (a task's result or a marker) in."""
        for name, c in summary["sources"].items():
            mine = self.counts.setdefault(name, {"n": 0, "flagged": 0, **{lab: 0 for lab in LABELS}})
            for k, v in c.items():
                mine[k] += v
        self.errors.update(summary["errors"])
        if ranked:
            self.rank(summary)

    def rank(self, summary: dict) -> None:
        """Offer a partition's best-ranked comments to the report's lists, in the run's source order."""
        for which in ("top", "near"):
            self._offer(which, summary[which], summary["order"])
            if summary.get(f"{which}_more") is not None:
                self.more.append((which, summary["name"], summary["order"], summary[f"{which}_more"]))

    def _offer(self, which: str, items: list, order: int) -> None:
        """Add (rank, row, record) items of the partition at `order` to the top or near list."""
        heap: TopN = getattr(self, which)
        for rank, row, rec in items:
            heap.add(rank, rec, order * _SEQ + row)

    def complete(self, results: str) -> None:
        """Fetch the rest of the candidates of the partitions whose next comment could still enter a list.

        Exact: a partition's unsent comments rank at most as high as its first unsent one, and a list's
        lowest rank only rises as comments are added, so a partition below it is never needed.
        """
        from .dask_worker import SENT_RANKED, read_json

        for which, name, order, next_rank in sorted(self.more, key=lambda m: -m[3]):
            heap: TopN = getattr(self, which)
            if len(heap.heap) == heap.limit and next_rank < heap.heap[0][0]:
                continue
            ranked = read_json(results, f"_ranked/{name}.json")
            if ranked is None:
                raise AuditError(f"{name}: its report candidates (_ranked/{name}.json) are missing; "
                                 "delete its _done marker and run again")
            self._offer(which, ranked[which][SENT_RANKED:], order)
        self.more.clear()


# --------------------------------------------------------------------------- the cluster

@contextlib.contextmanager
def _connect(args: argparse.Namespace, progress: Progress) -> Iterator:
    """A client on the scheduler given, else on a local cluster of one single-threaded worker process per core."""
    from distributed import Client, LocalCluster

    if args.scheduler:
        if args.workers is not None:
            raise InputError("--workers sizes the local cluster; with --scheduler the cluster has its own workers")
        try:
            client = Client(args.scheduler, timeout="15s")
        except (OSError, TimeoutError) as exc:
            raise InputError(f"cannot reach the Dask scheduler at {args.scheduler} ({exc})") from None
        cluster = None
    else:
        workers = args.workers if args.workers is not None else _machine_workers()
        if workers < 1:
            raise InputError("--workers must be at least 1")
        # one thread per worker: the scoring holds the GIL outside its compiled kernel
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":8787")
        client = Client(cluster)
    try:
        info = client.scheduler_info()
        progress.log(f"Dask scheduler {client.scheduler.address}, {len(info.get('workers', {}))} workers")
        if "dashboard" in info.get("services", {}):
            progress.log(f"Dask dashboard: {client.dashboard_link}")
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _ship_model(client, moderator: Moderator, model_sha: str) -> None:
    """Send the model file to every worker once (a worker plugin); workers that already hold it keep it.

    The scheduler keeps the plugin, so a worker that joins or restarts later gets it too.
    """
    from .dask_worker import ModelPlugin, has_model, plugin_name

    loaded = client.run(has_model, plugin_name(model_sha))
    if loaded and all(loaded.values()):
        return
    plugin = ModelPlugin(moderator.path.read_bytes(), manifest_path(moderator.path).read_bytes(), model_sha)
    client.register_plugin(plugin, name=plugin.name)


def _machine_workers() -> int:
    """One worker per core, as many as memory allows at WORKER_MEMORY each (a worker peaks near 0.7 GB)."""
    import psutil          # a dependency of distributed

    return max(1, min(os.cpu_count() or 1, psutil.virtual_memory().total // WORKER_MEMORY))


# --------------------------------------------------------------------------- planning

def _plan(client, inputs: list[_Input], args: argparse.Namespace, block: int, model_sha: str, results: str) -> None:
    """Give every readable input its partitions, in input order (consecutive pages share partitions)."""
    import fsspec

    from .dask_worker import publish, read_json

    for inp in inputs:
        if inp.src.kind not in ("page", "csv", "jsonl", "parquet"):
            continue
        try:
            fs, path = fsspec.core.url_to_fs(inp.src.location)
            info = fs.info(path)
        except OSError as exc:
            inp.error = f"{inp.src.name}: cannot read ({exc})"
            continue
        inp.fingerprint = fingerprint(info)
        inp.size = int(info.get("size") or 0)
        inp.options = {"page": f"segment={_segmenter_version()}",
                       "parquet": f"text={args.text_column};id={args.id_column}"}.get(
            inp.src.kind, f"text={args.text_column};id={args.id_column};block={block}")

    # tables: their cut points, from the plan cache or from block statistics computed on the workers
    tables = [inp for inp in inputs if inp.error is None and inp.src.kind in ("csv", "jsonl")]
    ranges: dict[str, list[dict]] = {}
    todo = []
    for inp in tables:
        cached = read_json(results, f"_plans/{inp.input_hash}.json")
        if cached is not None:
            ranges[inp.src.location] = cached
        else:
            todo.append(inp)
    from distributed import wait

    jobs = [(inp, i) for inp in todo for i in range(-(-inp.size // block))]
    futures = client.map(block_stats, [inp.src.location for inp, _ in jobs], [i * block for _, i in jobs],
                         [min((i + 1) * block, inp.size) for inp, i in jobs],
                         [inp.src.kind == "csv" for inp, _ in jobs], pure=False) if jobs else []
    wait(futures)
    by_input: dict[str, list[dict]] = {}
    for (inp, _), fut in zip(jobs, futures):
        if fut.status == "error":
            if not isinstance(fut.exception(), OSError):
                fut.result()                        # not the file's fault: let it stop the run
            inp.error = inp.error or f"{inp.src.name}: cannot read ({fut.exception()})"
        else:
            by_input.setdefault(inp.src.location, []).append(fut.result())
    for inp in todo:
        if inp.error is not None:
            continue
        ranges[inp.src.location] = table_ranges(inp.src.kind, inp.size, block, by_input.get(inp.src.location, []))
        publish(results, f"_plans/{inp.input_hash}.json", _json(ranges[inp.src.location]))

    order = 0
    pages: list[_Input] = []

    def flush_pages() -> None:
        nonlocal order
        group_input = [(p.src.location, p.src.name, p.src.page_format, p.size, p.fingerprint) for p in pages]
        by_name = {p.src.name: p for p in pages}
        for group in page_groups(group_input, block):
            spec = PartSpec(part_name("pages", pages_hash(group), model_sha, 0), "pages", order,
                            tuple(name for _, name, _, _, _ in group),
                            pages=tuple((loc, name, fmt) for loc, name, fmt, _, _ in group))
            for name in spec.sources:
                by_name[name].specs.append(spec)
            order += 1
        pages.clear()

    for inp in inputs:
        if inp.error is not None:
            continue
        if inp.src.kind == "page":
            pages.append(inp)
            continue
        flush_pages()
        if inp.src.kind == "parquet":
            inp.specs.append(PartSpec(part_name("parquet", inp.input_hash, model_sha, 0), "parquet", order,
                                      (inp.src.name,), location=inp.src.location))
            order += 1
        else:
            for i, r in enumerate(ranges[inp.src.location]):
                inp.specs.append(PartSpec(part_name(inp.src.kind, inp.input_hash, model_sha, i), inp.src.kind, order,
                                          (inp.src.name,), location=inp.src.location, **r))
                order += 1
    flush_pages()


def _segmenter_version() -> str:
    """The segmenter version (pages are segmented again when it changes)."""
    from ..segment import SEGMENTER_VERSION
    return SEGMENTER_VERSION


def _json(obj) -> bytes:
    """UTF-8 JSON bytes."""
    import json
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


# --------------------------------------------------------------------------- running the partitions

def _graph(specs: list[PartSpec], ctx, rejudge: dict[str, dict], inputs_by_name: dict[str, _Input]):
    """Delayed tasks, one per partition to compute: read rows (dask.dataframe) then score, or rejudge."""
    import dask
    import dask.dataframe as dd

    from .dask_worker import rejudge_partition, score_partition

    tasks: list[tuple[PartSpec, object]] = []
    for spec in specs:
        if spec.name in rejudge:
            tasks.append((spec, dask.delayed(rejudge_partition, pure=False)(
                spec, ctx, rejudge[spec.name]["errors"], dask_key_name=f"rejudge-{spec.name}")))
    readers = {"pages": lambda todo: dd.from_map(read_pages, todo, meta=empty_rows(), enforce_metadata=False,
                                                 label="read-pages"),
               "table": lambda todo: dd.from_map(read_table, todo, args=[ctx.text_column, ctx.id_column],
                                                 meta=empty_rows(), enforce_metadata=False, label="read-table")}
    todo = [s for s in specs if s.name not in rejudge]
    for kind, group in (("pages", [s for s in todo if s.kind == "pages"]),
                        ("table", [s for s in todo if s.kind in ("csv", "jsonl")])):
        if group:
            parts = readers[kind](group).to_delayed()
            tasks += [(s, dask.delayed(score_partition, pure=False)(p, s, ctx, dask_key_name=f"score-{s.name}"))
                      for s, p in zip(group, parts)]
    parquet = [s for s in todo if s.kind == "parquet"]
    parts = _parquet_parts(parquet, ctx, inputs_by_name)
    tasks += [(s, dask.delayed(score_partition, pure=False)(p, s, ctx, dask_key_name=f"score-{s.name}"))
              for s, p in zip(parquet[len(parquet) - len(parts):], parts)]
    return tasks


def _parquet_parts(specs: list[PartSpec], ctx, inputs_by_name: dict[str, _Input]) -> list:
    """One delayed partition per Parquet file, read by dask.dataframe.read_parquet (a file is one partition).

    The schema comes from the first file: when that file cannot be used it is marked failed and the
    next one is tried; a later file that differs fails in its own task.
    """
    import dask.dataframe as dd

    for skip, spec in enumerate(specs):
        first = inputs_by_name[spec.sources[0]]
        try:
            frame = dd.read_parquet([s.location for s in specs[skip:]], split_row_groups=False)
            columns = parquet_columns(list(frame.columns), ctx.text_column, ctx.id_column, first.src.name)
        except InputError as exc:
            first.error = str(exc)
            continue
        except Exception as exc:    # pyarrow and fsspec raise many kinds for an unreadable file
            first.error = f"{first.src.name}: cannot read as Parquet ({type(exc).__name__}: {exc})"
            continue
        parts = frame[columns].to_delayed()
        if len(parts) != len(specs) - skip:
            raise AuditError(f"dask.dataframe.read_parquet made {len(parts)} partitions of {len(specs) - skip} files")
        return parts
    return []


def _run_tasks(client, tasks, progress: Progress, tally: _Tally, inputs_by_name: dict[str, _Input]) -> None:
    """Compute the partitions, folding each summary into the tally as it arrives."""
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    futures = client.compute([d for _, d in tasks])
    spec_of = {f.key: s for f, (s, _) in zip(futures, tasks)}
    try:
        for fut in as_completed(futures):
            spec = spec_of[fut.key]
            if fut.status == "error":
                exc = fut.exception()
                if isinstance(exc, KilledWorker):
                    raise AuditError(f"the workers running partition {spec.name} died too often (out of memory? "
                                     "see the workers' logs); the partitions written so far are kept: run the "
                                     "audit again to resume") from None
                message = _input_failure(spec, exc)
                if message is None:
                    raise AuditError(f"partition {spec.name} failed: {type(exc).__name__}: {exc}") from None
                inp = inputs_by_name[spec.sources[0]]
                inp.error = inp.error or (message if inp.src.name in message else f"{inp.src.name}: {message}")
                progress.update(files=1)
            else:
                summary = fut.result()
                tally.add(summary)
                if summary["scored"]:
                    tally.comments_scored += summary["rows"]
                    for name in spec.sources:
                        inputs_by_name[name].scored = True
                progress.update(files=1, comments=summary["rows"])
            fut.release()
    except BaseException:
        client.cancel(futures)
        raise


def _input_failure(spec: PartSpec, exc: BaseException) -> str | None:
    """Why a failed partition makes its input unusable, or None when the failure is the run's, not the input's.

    Pages fail one by one inside their partition, so a pages partition that raises is never the input's fault.
    """
    if spec.kind == "pages":
        return None
    try:
        from pyarrow import ArrowException
    except ImportError:             # pragma: no cover - pyarrow comes with the extra
        ArrowException = InputError
    if isinstance(exc, (InputError, OSError, ArrowException)):
        return str(exc)
    if spec.kind == "parquet" and isinstance(exc, KeyError):
        return f"its columns differ from the first Parquet file's ({exc})"
    return None


# --------------------------------------------------------------------------- outputs

def _write_flagged_csv(out: Path, results: str, specs: list[PartSpec]) -> Path:
    """flagged.csv: the header, then each partition's flagged rows in input order (streamed, never all in memory)."""
    import csv
    import io

    from .dask_worker import open_result

    def write(tmp: Path) -> None:
        header = io.StringIO()
        csv.writer(header).writerow(CSV_FIELDS)
        with open(tmp, "wb") as fh:
            fh.write(header.getvalue().encode("utf-8"))
            for spec in specs:
                with open_result(results, f"_flagged/{spec.name}.csv") as part:
                    while chunk := part.read(1 << 20):
                        fh.write(chunk)

    path = out / "flagged.csv"
    atomic_write(path, write)
    return path


def _clean(results: str, keep: set[str], plans: set[str]) -> None:
    """Remove result files of partitions not in this run (other inputs or models, failed inputs) and leftovers."""
    from .dask_worker import list_results, remove_result

    for relative in list_results(results):
        folder, _, filename = relative.rpartition("/")
        stem = filename.split(".", 1)[0]
        if filename.endswith(".tmp"):
            remove_result(results, relative)
        elif folder == "_plans":
            if stem not in plans:
                remove_result(results, relative)
        elif folder in ("", "_done", "_flagged", "_ranked") and stem not in keep:
            remove_result(results, relative)


def _store_inputs(engine, run_id: int, inputs: list[_Input], tally: _Tally, model_version: str) -> list[dict]:
    """Record the run's inputs in the store (reusing the rows of inputs already done) and return the report's
    per-input summary rows, in input order."""
    rows = []
    with engine.connect() as conn, conn.begin():
        for position, inp in enumerate(inputs, 1):
            key = {"path": inp.src.location, "sha256": inp.fingerprint or digest(inp.src.location)[:64],
                   "model_version": model_version, "options": f"dask;{inp.options}"}
            error = inp.error or tally.errors.get(inp.src.name)
            counts = tally.counts.get(inp.src.name, {"n": 0, "flagged": 0, **{lab: 0 for lab in LABELS}})
            old = store.find_input(conn, key)
            if error is None and old is not None and old["status"] == "done" and not inp.scored:
                input_id, origin = old["id"], old["run_id"]
            else:
                input_id = store.add_input(conn, run_id, key, inp.src.kind, "error" if error else "done", error)
                origin = run_id
                if error is None:
                    store.mark_done(conn, input_id, counts["n"])
            store.link_input(conn, run_id, input_id, position)
            rows.append({"id": input_id, "path": inp.src.location, "kind": inp.src.kind,
                         "status": "error" if error else "done", "error": error, "run_id": origin,
                         **(counts if error is None else {k: 0 for k in counts})})
    return rows


# --------------------------------------------------------------------------- entry point

def run_dask_audit(args: argparse.Namespace) -> AuditResult:
    """Score the inputs on a Dask cluster into partitioned Parquet, then write the store summary and reports."""
    try:
        import dask
        import dask.dataframe  # noqa: F401
        import distributed  # noqa: F401
        import pyarrow  # noqa: F401
        from dask.utils import parse_bytes
    except ImportError as exc:
        raise InputError(f"--engine dask needs the Dask extra: pip install 'moderation[dask]' "
                         f"({exc.name} is not installed)") from None
    from .dask_worker import RunContext, cpu_seconds, peak_rss_mb, plugin_name

    out = Path(args.out)
    formats = parse_formats(args.formats, DASK_FORMATS, "; with --engine dask the results are Parquet files")
    try:
        block = parse_bytes(args.partition_size or DEFAULT_PARTITION_SIZE)
    except (ValueError, TypeError):
        raise InputError(f"--partition-size {args.partition_size!r}: give a size such as 16MB") from None
    if block < 1:
        raise InputError("--partition-size must be at least 1 byte")
    prepare_out(out)
    results = args.results or str((out / "results").resolve())
    engine = store.open_store(args.db or f"sqlite:///{(out / 'audit.sqlite').resolve()}")
    exclude = [out] + ([Path(engine.url.database)] if engine.dialect.name == "sqlite" and engine.url.database else [])
    if not is_url(results):
        exclude.append(Path(results))
    sources = discover(args.inputs, exclude, urls=True)
    moderator = Moderator.load(args.model)
    thresholds = {**moderator.thresholds, **(args.threshold or {})}
    model_sha = moderator.manifest["sha256"]
    with engine.connect() as conn:
        run_id = store.start_run(conn, moderator.version, {
            "engine": "dask", "inputs": list(args.inputs), "thresholds": thresholds, "text_column": args.text_column,
            "id_column": args.id_column, "only_flagged": args.only_flagged, "formats": formats,
            "scheduler": args.scheduler, "partition_size": block, "results": results, "model": str(moderator.path)})

    progress = Progress(0, unit="partitions")
    inputs = [_Input(src) for src in sources]
    by_name = {inp.src.name: inp for inp in inputs}
    tally = _Tally()
    notes: list[str] = []
    t0 = time.monotonic()
    try:
        with _connect(args, progress) as client:
            _ship_model(client, moderator, model_sha)
            _plan(client, inputs, args, block, model_sha, results)
            ctx = RunContext(results, thresholds, args.only_flagged, model_sha, moderator.version, plugin_name(model_sha),
                             run_id, args.text_column, args.id_column)
            specs = list({s.name: s for inp in inputs for s in inp.specs}.values())
            progress.n_files = len(specs)
            todo, rejudge = _sort_out(specs, ctx, tally, progress)
            # rows stay Python objects: converting them to Arrow strings would cost a task and a copy per partition
            with dask.config.set({"dataframe.convert-string": False}):
                tasks = _graph(todo, ctx, rejudge, by_name)
            cpu = client.run(cpu_seconds)
            t_scoring = time.monotonic()
            _run_tasks(client, tasks, progress, tally, by_name)
            t_scoring = time.monotonic() - t_scoring
            cpu = sum(t - cpu.get(w, 0.0) for w, t in client.run(cpu_seconds).items())
            rss = client.run(peak_rss_mb)
        progress.close()
        failed = {inp.src.name for inp in inputs if inp.error and inp.src.kind != "page"}
        kept = [s for s in specs if not failed.intersection(s.sources)]
        if failed:            # a table that broke mid-way: none of its rows count, so rank again without them
            tally = _retally(results, kept, tally)
        tally.complete(results)
        summary = _store_inputs(engine, run_id, inputs, tally, moderator.version)
        _clean(results, {s.name for s in kept},
               {inp.input_hash for inp in inputs if inp.src.kind in ("csv", "jsonl") and inp.src.name not in failed})
        counts = {"inputs_scored": sum(r["status"] == "done" and r["run_id"] == run_id for r in summary),
                  "inputs_reused": sum(r["status"] == "done" and r["run_id"] != run_id for r in summary),
                  "inputs_failed": sum(r["status"] == "error" for r in summary),
                  "comments_scored": tally.comments_scored}
        with engine.connect() as conn:
            store.finish_run(conn, run_id, counts)
        outputs: list[Path] = []
        if "html" in formats:
            tally.top.seen = sum(r["flagged"] for r in summary)
            tally.near.seen = sum(r["n"] - r["flagged"] for r in summary)
            outputs.append(write_html(out, run_id, moderator.version, thresholds, summary, tally.top, tally.near,
                                      lambda texts: explain_texts(moderator, texts),
                                      getattr(args, "lang", None) or default_language()))
        if "csv" in formats:
            outputs.append(_write_flagged_csv(out, results, kept))
        notes.append(f"results: {results} ({len(kept)} Parquet files, "
                     f"{'flagged comments only' if args.only_flagged else 'every comment'})")
        if tally.comments_scored:
            rate = tally.comments_scored / max(t_scoring, 1e-9)
            notes.append(f"scoring: {tally.comments_scored:,} comments in {t_scoring:,.1f} s on {len(rss)} workers, "
                         f"{rate:,.0f} comments/s ({rate / max(len(rss), 1):,.0f} per worker); workers' CPU "
                         f"{cpu:,.1f} s, {tally.comments_scored / max(cpu, 1e-9):,.0f} comments per CPU-second")
        notes.append(f"{len(rss)} workers, peak RSS per worker " +
                     ", ".join(f"{mb:,.0f} MB" for mb in sorted(rss.values())) +
                     f"; {time.monotonic() - t0:,.1f} s")
    finally:
        progress.close()
        engine.dispose()
    skipped = [r["error"] for r in summary if r["status"] == "error"]
    return AuditResult(run_id, counts, totals_of(summary), skipped, outputs, notes)


def _sort_out(specs: list[PartSpec], ctx, tally: _Tally, progress: Progress) -> tuple[list[PartSpec], dict]:
    """Which partitions to compute, which to judge again from stored scores, and (tallied now) which to reuse.

    Reused: a marker and results file for this model, thresholds and --only-flagged. Judged again: stored
    with every comment under other thresholds or --only-flagged. Computed: everything else.
    """
    from .dask_worker import read_json

    todo, rejudge = [], {}
    for spec in specs:
        marker = read_json(ctx.results, f"_done/{spec.name}.json")
        if marker is None or marker.get("model_sha") != ctx.model_sha or not _exists(ctx.results, spec):
            todo.append(spec)
        elif marker["thresholds"] == ctx.thresholds and marker["only_flagged"] == ctx.only_flagged:
            tally.add(marker)
            progress.update(files=1)
        else:
            if not marker["only_flagged"]:
                rejudge[spec.name] = marker
            todo.append(spec)
    return todo, rejudge


def _exists(results: str, spec: PartSpec) -> bool:
    """Whether a partition's results file is still there (a marker alone is not enough to skip it)."""
    from .dask_worker import result_exists
    return result_exists(results, f"{spec.name}.parquet")


def _retally(results: str, kept: list[PartSpec], old: _Tally) -> _Tally:
    """The tally again from the kept partitions' markers (all written by now), for when an input failed."""
    from .dask_worker import read_json

    tally = _Tally(comments_scored=old.comments_scored)
    for spec in kept:
        marker = read_json(results, f"_done/{spec.name}.json")
        if marker is not None:
            tally.add(marker)
    return tally
