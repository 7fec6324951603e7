"""The Dask engine's worker side: the model shipped once per worker, and scoring one partition into its outputs.

`ModelPlugin` carries the model file's bytes and its manifest to each worker
when the client registers it (once per worker process, and again only for a
worker that joins or restarts); the worker writes them to its local folder and
loads them with `Moderator.load`, which refuses a file whose SHA-256 differs
from the manifest. Tasks then find the loaded model on the plugin.

`score_partition` scores a partition's rows with `Moderator.predict_proba` (the
fast path of `moderation score`), judges them with `verdict.judge`, and writes,
each file whole or not at all: the results Parquet file, the partition's
flagged.csv rows, and last its "done" marker, which holds the partition's
counts and best-ranked comments. A retried task rewrites the same files under
the same names, so a killed worker can neither lose nor duplicate a row.
`rejudge_partition` reuses stored scores when only the thresholds changed.
"""
from __future__ import annotations

import contextlib
import csv
import heapq
import io
import json
import os
import resource
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd
from distributed import WorkerPlugin

from .. import __version__
from ..labels import LABELS
from ..scoring import ModelError, Moderator, judge
from .partitions import PartSpec, parquet_rows
from .report import HTML_LIMIT, NEAR_MISS_LIMIT, csv_row, html_rank, result_record

#: results Parquet columns: the fields of results.jsonl, scores unrounded
RESULT_COLUMNS = ("source", "line", "line_last", "dom_path", "id", "author", "date", "url", *LABELS, "labels",
                  "flagged", "model_version", "text")
_FIELDS = {"line_first": "line", "line_last": "line_last", "dom_path": "dom_path", "ext_id": "id",
           "author": "author", "date": "date", "url": "url", "text": "text"}


#: best-ranked comments a partition sends back (and keeps in its marker); the rest of its report.html
#: candidates wait in `_ranked/NAME.json` for the few partitions whose next one could still make the list
SENT_RANKED = 100


def plugin_name(model_sha: str) -> str:
    """The plugin's name on the workers: one per model, so audits with different models can share a cluster."""
    return f"moderation-model-{model_sha[:16]}"


class ModelPlugin(WorkerPlugin):
    """A Dask worker plugin: the model file's bytes, loaded and verified once on each worker it reaches.

    `loads` counts the loads in this worker process (the tests read it to show one load per worker).
    """

    idempotent = False

    def __init__(self, model_bytes: bytes, manifest_bytes: bytes, model_sha: str):
        self.name = plugin_name(model_sha)
        self.model_sha = model_sha
        self.version = __version__
        self.model_bytes, self.manifest_bytes = model_bytes, manifest_bytes
        self.moderator: Moderator | None = None
        self.loads = 0

    def setup(self, worker) -> None:
        """On the worker: write the model and manifest to its local folder, load and verify them, warm up."""
        if self.version != __version__:
            raise ModelError(f"worker {worker.address} runs moderation {__version__}, the client "
                             f"{self.version}: install the same version on every worker")
        folder = Path(worker.local_directory) / f"model-{self.model_sha[:16]}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "model.joblib").write_bytes(self.model_bytes)
        (folder / "model.json").write_bytes(self.manifest_bytes)
        self.moderator = Moderator.load(folder / "model.joblib")      # checks SHA-256 against the manifest
        self.moderator.predict_proba(["warm-up"])                    # compiled kernel loaded before the first task
        self.loads += 1
        self.model_bytes = self.manifest_bytes = b""                 # the loaded model is what stays

    def teardown(self, worker) -> None:
        """Drop the model when the plugin is replaced or the worker closes."""
        self.moderator = None


def has_model(name: str, dask_worker=None) -> bool:
    """Whether this worker holds a loaded model plugin of that name (run with `Client.run`)."""
    plugin = dask_worker.plugins.get(name) if dask_worker is not None else None
    return getattr(plugin, "moderator", None) is not None


@dataclass(frozen=True)
class RunContext:
    """What every partition task needs to know about the run (small; sent with each task)."""
    results: str                     # folder or URL of the results
    thresholds: dict
    only_flagged: bool
    model_sha: str
    model_version: str
    plugin: str
    run_id: int
    text_column: str
    id_column: str
    batch_size: int = 8192


def _moderator(ctx: RunContext) -> Moderator:
    """The model the plugin loaded on this worker."""
    from distributed import get_worker
    plugin = get_worker().plugins.get(ctx.plugin)
    if plugin is None or plugin.moderator is None:
        raise ModelError(f"the model plugin {ctx.plugin} is not loaded on this worker")
    return plugin.moderator


def _load_count(ctx: RunContext) -> int:
    """How many times this worker process loaded the model (recorded in each marker)."""
    from distributed import get_worker
    return get_worker().plugins[ctx.plugin].loads


# --------------------------------------------------------------------------- storage (local folder or URL)

def _fs(results: str):
    """The fsspec filesystem and root path of the results location."""
    import fsspec
    return fsspec.core.url_to_fs(results)


def publish(results: str, relative: str, data: bytes) -> None:
    """Write a file under the results location whole or not at all.

    Locally: a temporary file renamed into place. An object store publishes an object only once
    its upload completes, so there it is written directly.
    """
    from fsspec.implementations.local import LocalFileSystem

    fs, root = _fs(results)
    path = f"{root.rstrip('/')}/{relative}"
    fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
    if isinstance(fs, LocalFileSystem):
        tmp = f"{path}.{uuid.uuid4().hex}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    else:
        with fs.open(path, "wb") as fh:
            fh.write(data)


def _path(results: str, relative: str):
    """The filesystem and full path of a file under the results location."""
    fs, root = _fs(results)
    return fs, f"{root.rstrip('/')}/{relative}"


def read_json(results: str, relative: str):
    """A JSON file under the results location (a partition's marker, a table's cut points), or None."""
    fs, path = _path(results, relative)
    try:
        with fs.open(path, "rb") as fh:
            return json.loads(fh.read())
    except FileNotFoundError:
        return None


def open_result(results: str, relative: str):
    """A file under the results location, opened for reading bytes."""
    fs, path = _path(results, relative)
    return fs.open(path, "rb")


def result_exists(results: str, relative: str) -> bool:
    """Whether a file exists under the results location."""
    fs, path = _path(results, relative)
    return fs.exists(path)


def list_results(results: str) -> list[str]:
    """Every file under the results location, as paths relative to it."""
    fs, root = _fs(results)
    root = root.rstrip("/")
    if not fs.exists(root):
        return []
    return [p[len(root) + 1:] for p in fs.find(root)]


def remove_result(results: str, relative: str) -> None:
    """Delete a file under the results location (gone already is fine)."""
    fs, path = _path(results, relative)
    with contextlib.suppress(FileNotFoundError):
        fs.rm_file(path)


# --------------------------------------------------------------------------- one partition

def _values(frame: pd.DataFrame, column: str) -> list:
    """A column as Python values, missing ones as None (pandas may hold them as NA or NaN); line numbers as int."""
    values = frame[column].astype(object)
    out = values.where(values.notna(), None).tolist()
    return [None if v is None else int(v) for v in out] if column.startswith("line") else out


def _top(candidates: list[tuple[float, int]], limit: int) -> list[tuple[float, int]]:
    """The `limit` best (rank, row): highest rank first, the earlier row on ties."""
    return heapq.nsmallest(limit, candidates, key=lambda c: (-c[0], c[1]))


def _finish(frame: pd.DataFrame, probs: np.ndarray, spec: PartSpec, ctx: RunContext, errors: dict,
            scored: bool) -> dict:
    """Judge scored rows, write the partition's outputs and marker, and return its summary."""
    verdicts = judge(probs, ctx.thresholds)
    cols = {f: _values(frame, f) for f in _FIELDS}
    sources = _values(frame, "source")
    counts = {name: {"n": 0, "flagged": 0, **{lab: 0 for lab in LABELS}} for name in spec.sources}
    flagged_rows, near_rows = [], []
    for i, (src, v) in enumerate(zip(sources, verdicts)):
        c = counts[src]
        c["n"] += 1
        for lab in v.labels:
            c[lab] += 1
        if v.flagged:
            c["flagged"] += 1
            flagged_rows.append(i)
        else:
            near_rows.append(i)

    def record(i: int) -> dict:
        fields = {k: cols[k][i] for k in _FIELDS}
        return result_record({**fields, "model_version": ctx.model_version}, verdicts[i], sources[i])

    top = _top([(html_rank(verdicts[i], ctx.thresholds), i) for i in flagged_rows], HTML_LIMIT)
    near = _top([(html_rank(verdicts[i], ctx.thresholds), i) for i in near_rows], NEAR_MISS_LIMIT)

    _write_results(spec, ctx, cols, sources, probs, verdicts, flagged_rows if ctx.only_flagged else None)
    buf = io.StringIO()
    out = csv.writer(buf)
    for i in flagged_rows:
        out.writerow(csv_row(record(i)))
    publish(ctx.results, f"_flagged/{spec.name}.csv", buf.getvalue().encode("utf-8"))
    ranked = {"top": [[r, i, record(i)] for r, i in top], "near": [[r, i, record(i)] for r, i in near]}
    if any(len(v) > SENT_RANKED for v in ranked.values()):
        publish(ctx.results, f"_ranked/{spec.name}.json", json.dumps(ranked, ensure_ascii=False).encode("utf-8"))
    summary = {"name": spec.name, "order": spec.order, "sources": counts, "errors": errors,
               **{k: v[:SENT_RANKED] for k, v in ranked.items()},
               **{f"{k}_more": v[SENT_RANKED][0] if len(v) > SENT_RANKED else None for k, v in ranked.items()},
               "thresholds": ctx.thresholds, "only_flagged": ctx.only_flagged, "model_sha": ctx.model_sha,
               "run_id": ctx.run_id, "rows": len(verdicts),
               "written": len(flagged_rows) if ctx.only_flagged else len(verdicts), "scored": scored,
               "pid": os.getpid(), "model_loads": _load_count(ctx) if scored else None}
    publish(ctx.results, f"_done/{spec.name}.json", json.dumps(summary, ensure_ascii=False).encode("utf-8"))
    return summary


def _write_results(spec: PartSpec, ctx: RunContext, cols: dict, sources: list, probs: np.ndarray, verdicts: list,
                   keep: list[int] | None) -> None:
    """The partition's results Parquet file: the kept rows (None: all), scores unrounded, zstd-compressed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    def pick(values: list) -> list:
        return values if keep is None else [values[i] for i in keep]

    rows = np.arange(len(verdicts)) if keep is None else np.asarray(keep, dtype=np.int64)
    kept = pick(verdicts)
    table = pa.table({
        "source": pa.array(pick(sources), pa.string()),
        **{_FIELDS[f]: pa.array(pick(cols[f]), pa.int64() if f.startswith("line") else pa.string())
           for f in ("line_first", "line_last", "dom_path", "ext_id", "author", "date", "url")},
        **{lab: pa.array(probs[rows, j] if len(rows) else np.empty(0), pa.float64()) for j, lab in enumerate(LABELS)},
        "labels": pa.array([list(v.labels) for v in kept], pa.list_(pa.string())),
        "flagged": pa.array([v.flagged for v in kept], pa.bool_()),
        "model_version": pa.array([ctx.model_version] * len(kept), pa.string()),
        "text": pa.array(pick(cols["text"]), pa.string()),
    })
    buf = pa.BufferOutputStream()
    pq.write_table(table.select(list(RESULT_COLUMNS)), buf, compression="zstd")
    publish(ctx.results, f"{spec.name}.parquet", buf.getvalue().to_pybytes())


def score_partition(frame: pd.DataFrame, spec: PartSpec, ctx: RunContext) -> dict:
    """Score one partition's rows (read by a dask.dataframe task) with the worker's model; see the module doc."""
    if spec.kind == "parquet":
        frame = parquet_rows(frame, spec, ctx.text_column, ctx.id_column)
    failed = frame["error"].notna()
    errors = dict(zip(_values(frame[failed], "source"), _values(frame[failed], "error")))
    frame = frame[~failed].reset_index(drop=True)
    moderator = _moderator(ctx)
    texts = ["" if t is None else t for t in _values(frame, "text")]
    parts = [moderator.predict_proba(texts[i:i + ctx.batch_size]) for i in range(0, len(texts), ctx.batch_size)]
    probs = np.vstack(parts) if parts else np.empty((0, len(LABELS)))
    return _finish(frame, probs, spec, ctx, errors, scored=True)


def rejudge_partition(spec: PartSpec, ctx: RunContext, errors: Mapping[str, str]) -> dict:
    """A partition stored with every row under other thresholds: judge its stored scores again, no scoring."""
    import pyarrow.parquet as pq

    fs, root = _fs(ctx.results)
    with fs.open(f"{root.rstrip('/')}/{spec.name}.parquet", "rb") as fh:
        table = pq.read_table(fh)
    frame = pd.DataFrame({"source": pd.Series(table.column("source").to_pylist(), dtype=object),
                          **{f: pd.Series(table.column(c).to_pylist(), dtype="Int64" if f.startswith("line") else object)
                             for f, c in _FIELDS.items()}})
    probs = np.column_stack([table.column(lab).to_numpy() for lab in LABELS]) if table.num_rows else \
        np.empty((0, len(LABELS)))
    return _finish(frame, probs, spec, ctx, dict(errors), scored=False)


def cpu_seconds() -> float:
    """CPU time (user + system) this process has used (a worker's, when run with `Client.run`)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB (a worker's, when run with `Client.run`)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

