"""How the Dask engine cuts inputs into partitions of comment rows, and reads one partition on a worker.

Pages are grouped (a partition is a run of whole pages, segmented on the worker);
a CSV/JSONL file is cut into byte ranges at record ends, each parsed by
`records.iter_records` with the file's header and absolute line numbers (so ids
and lines equal a whole-file read); a Parquet file is one partition read by
`dask.dataframe.read_parquet`. Where a CSV record ends is found on the workers:
each block reports its newlines and quote count (`block_stats`), and the client
cuts only at newlines outside quoted fields (`table_ranges`). A file whose quotes
are not all at field edges (a stray `"` inside a field) is not cut at all.

Every partition has a name that changes whenever its rows could: the input's
location and fingerprint (size and modification time, or the object store's
ETag, from fsspec: never a read of the data on the client), the parse options
and the model's SHA-256. Results and "done" markers are stored under that name.
"""
from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from ..records import Chunk, iter_records
from ..segment import SEGMENTER_VERSION, segment_page
from ..textio import InputError, decode_bytes

#: Columns of a partition's rows (None where a kind has no such field); `error` rows stand for a page that
#: could not be read, and carry no comment.
ROW_COLUMNS = ("source", "line_first", "line_last", "dom_path", "ext_id", "author", "date", "url", "text", "error")
KEEP_COLUMNS = ("author", "date", "url")
_QUOTE, _NEWLINE = 34, 10
#: bytes a regular CSV quote may touch on one side: a delimiter, a line end, or (doubled quotes) another quote
_QUOTE_NEIGHBOURS = np.frombuffer(b',;\t|\r\n"', dtype=np.uint8)


@dataclass(frozen=True)
class PartSpec:
    """One partition: its stored name, its place in the run, the inputs it covers and where its bytes are."""
    name: str                                       # results file stem: kind-inputhash-modelsha-index
    kind: str                                       # pages | csv | jsonl | parquet
    order: int                                      # place in the run (the report's source order)
    sources: tuple[str, ...]                        # display names of the inputs it covers
    pages: tuple[tuple[str, str, str], ...] = ()    # pages: (location, name, page format)
    location: str = ""                              # csv | jsonl | parquet: the file
    start: int = 0                                  # csv | jsonl: byte range [start, end)
    end: int = 0
    header_end: int = 0                             # csv: the header is bytes [0, header_end)
    first_line: int = 1
    final: bool = True


def digest(*parts: Any) -> str:
    """SHA-256 (hex) of a JSON rendering of `parts`: the key of an input or a partition."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def fingerprint(info: dict) -> str:
    """What tells that a file changed, from fsspec's `info`: size, times and ETag, not its bytes."""
    keep = {k: v for k, v in info.items() if k in ("name", "size", "mtime", "ETag", "etag", "LastModified",
                                                  "last_modified", "md5Hash", "generation", "ino", "created")}
    return digest(keep)


def part_name(kind: str, input_hash: str, model_sha: str, index: int) -> str:
    """A partition's file stem: what it reads, from which input, with which model, which piece."""
    return f"{kind}-{input_hash[:16]}-{model_sha[:8]}-{index:05d}"


def page_groups(pages: Sequence[tuple[str, str, str, int, str]], max_bytes: int,
                max_pages: int = 1000) -> list[list[tuple[str, str, str, int, str]]]:
    """Consecutive runs of (location, name, format, size, fingerprint) pages, each under `max_bytes`."""
    groups: list[list] = []
    size = 0
    for page in pages:
        if not groups or size + page[3] > max_bytes or len(groups[-1]) >= max_pages:
            groups.append([])
            size = 0
        groups[-1].append(page)
        size += page[3]
    return groups


def pages_hash(group: Iterable[tuple[str, str, str, int, str]]) -> str:
    """The key of a run of pages: their locations, formats and fingerprints, and the segmenter version."""
    return digest("pages", SEGMENTER_VERSION, [(loc, fmt, fp) for loc, _, fmt, _, fp in group])


# --------------------------------------------------------------------------- cutting tables (CSV, JSONL)

def _open(location: str):
    """A local path or URL opened for reading bytes, through fsspec."""
    import fsspec
    return fsspec.open(location, "rb").open()


def block_stats(location: str, start: int, end: int, csv: bool) -> dict:
    """Newline and quote facts of bytes [start, end) of a file, enough to cut it at record ends.

    `first[p]` is (offset in the block, newlines up to it) of the first newline outside quotes when the
    block starts with quote parity p; JSONL has no multi-line records, so any newline is a record end.
    """
    with _open(location) as fh:
        fh.seek(max(0, start - 1))
        data = fh.read(end - start + (1 if start else 0) + 1)
    prev = data[0] if start else _NEWLINE
    block = data[1:] if start else data
    after = block[end - start] if len(block) > end - start else _NEWLINE
    arr = np.frombuffer(block[:end - start], dtype=np.uint8)
    newlines = np.flatnonzero(arr == _NEWLINE)
    quotes = np.flatnonzero(arr == _QUOTE) if csv else np.empty(0, dtype=np.int64)
    irregular = 0
    if len(quotes):
        padded = np.concatenate(([prev], arr, [after])).astype(np.uint8)
        before, behind = padded[quotes], padded[quotes + 2]
        irregular = int((~(np.isin(before, _QUOTE_NEIGHBOURS) | np.isin(behind, _QUOTE_NEIGHBOURS))).sum())
    parity = np.searchsorted(quotes, newlines) % 2
    first = {}
    for p in (0, 1):
        hit = np.flatnonzero((parity + p) % 2 == 0)
        first[p] = (int(newlines[hit[0]]), int(hit[0]) + 1) if len(hit) else None
    return {"quotes": len(quotes), "newlines": len(newlines), "irregular": irregular, "first": first}


def table_ranges(kind: str, size: int, block: int, stats: Sequence[dict]) -> list[dict]:
    """Byte ranges of a table cut at record ends, from its blocks' `block_stats` (in order).

    Each range: start, end, header_end, first_line, final. A CSV whose quotes are not all at field edges,
    or whose header does not end in the first block, is one range (the whole file, read as by the local engine).
    """
    whole = [{"start": 0, "end": size, "header_end": 0, "first_line": 1, "final": True}] if size else []
    if kind == "csv" and (any(s["irregular"] for s in stats) or not stats or stats[0]["first"][0] is None):
        return whole
    starts: list[tuple[int, int]] = []        # (byte, line number)
    header_end = 0
    if kind == "csv":
        pos, k = stats[0]["first"][0]
        header_end = pos + 1
        starts.append((header_end, k + 1))
    else:
        starts.append((0, 1))
    quotes = lines = 0
    for i, s in enumerate(stats):
        if i:
            hit = s["first"][quotes % 2]
            if hit is not None:
                at = i * block + hit[0] + 1
                if at > starts[-1][0]:
                    starts.append((at, lines + hit[1] + 1))
        quotes += s["quotes"]
        lines += s["newlines"]
    ranges = []
    for (a, line), (b, _) in zip(starts, [*starts[1:], (size, 0)]):
        if a < b:
            ranges.append({"start": a, "end": b, "header_end": header_end, "first_line": line, "final": b == size})
    if ranges:
        ranges[-1]["final"] = True
    return ranges


# --------------------------------------------------------------------------- reading a partition (on a worker)

def empty_rows() -> pd.DataFrame:
    """The rows frame with no rows (the `meta` Dask needs)."""
    return pd.DataFrame({c: pd.Series(dtype="Int64" if c.startswith("line") else object) for c in ROW_COLUMNS})


def _frame(rows: Iterable[dict]) -> pd.DataFrame:
    """Row dicts as the rows frame (missing fields None, line numbers nullable integers), built column by column:
    a dict per row held for a whole partition would cost several times the text it carries."""
    columns: dict[str, list] = {c: [] for c in ROW_COLUMNS}
    for row in rows:
        for c, values in columns.items():
            values.append(row.get(c))
    return pd.DataFrame({c: pd.Series(v, dtype="Int64" if c.startswith("line") else object)
                         for c, v in columns.items()}, columns=list(ROW_COLUMNS))


def read_pages(spec: PartSpec) -> pd.DataFrame:
    """Fetch, decode and segment each page of a pages partition; a page that fails becomes one error row."""
    rows: list[dict] = []
    for location, name, fmt in spec.pages:
        try:
            with _open(location) as fh:
                data = fh.read()
            comments = segment_page(decode_bytes(data, name), format=fmt).comments
        except InputError as exc:
            rows.append({"source": name, "error": str(exc)})
            continue
        except OSError as exc:
            rows.append({"source": name, "error": f"{name}: cannot read ({exc})"})
            continue
        rows.extend({"source": name, "line_first": c.lines[0] if c.lines else None,
                     "line_last": c.lines[1] if c.lines else None, "dom_path": c.path, "author": c.author,
                     "date": c.date, "text": c.text} for c in comments)
    return _frame(rows)


def read_table(spec: PartSpec, text_column: str, id_column: str) -> pd.DataFrame:
    """Parse one byte range of a CSV/JSONL file; a malformed record raises InputError for the whole input."""
    name = spec.sources[0]
    with _open(spec.location) as fh:
        header = fh.read(spec.header_end) if spec.header_end else b""
        fh.seek(spec.start)
        data = fh.read(spec.end - spec.start)
    chunk = Chunk(header, spec.first_line, spec.final)
    records = iter_records(io.BytesIO(data), name, spec.kind, text_column=text_column, id_column=id_column,
                           keep=KEEP_COLUMNS, chunk=chunk)
    return _frame({"source": name, "line_first": r.line, "line_last": r.line, "ext_id": r.id, "text": r.text,
                   **{k: None if r.extra.get(k) is None else str(r.extra[k]) for k in KEEP_COLUMNS}}
                  for r in records)


def parquet_columns(available: Sequence[str], text_column: str, id_column: str, name: str) -> list[str]:
    """The columns to read from a Parquet input; InputError when the text column is missing."""
    if text_column not in available:
        raise InputError(f"{name}: no `{text_column}` column in the Parquet schema "
                         f"(found: {', '.join(map(str, available)) or 'nothing'}); use --text-column")
    return [c for c in dict.fromkeys((text_column, id_column, *KEEP_COLUMNS)) if c in available]


def parquet_rows(frame: pd.DataFrame, spec: PartSpec, text_column: str, id_column: str) -> pd.DataFrame:
    """A Parquet file's rows as partition rows: `line` is the 1-based row number, the default id too."""
    name = spec.sources[0]
    if text_column not in frame.columns:
        raise InputError(f"{name}: no `{text_column}` column (found: {', '.join(map(str, frame.columns))})")
    n = len(frame)
    numbers = pd.array(np.arange(1, n + 1), dtype="Int64")

    def text(col: str) -> list:
        values = frame[col].astype(object)
        return [None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else str(v)
                for v in values.tolist()]

    ids = text(id_column) if id_column in frame.columns else [str(i) for i in range(1, n + 1)]
    out = pd.DataFrame({"source": [name] * n, "line_first": numbers, "line_last": numbers,
                        "dom_path": [None] * n, "ext_id": ids,
                        **{k: text(k) if k in frame.columns else [None] * n for k in KEEP_COLUMNS},
                        "text": [t or "" for t in text(text_column)], "error": [None] * n}, columns=list(ROW_COLUMNS))
    for c in ROW_COLUMNS:
        if not c.startswith("line"):
            out[c] = out[c].astype(object)
    return out
