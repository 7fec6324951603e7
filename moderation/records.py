"""Reading comment records from JSONL, CSV or plain-text lines, streamed, with precise errors.

Shared by `moderation score` and the audit so both accept the same formats and
report bad input the same way (file and line number). CSV files may use any of
the usual delimiters (the French Excel default is `;`): the header line decides.
A `Chunk` lets a distributed audit read one byte range of a large file with the
same parser, the same line numbers and the same ids as a read of the whole file.
"""
from __future__ import annotations

import csv
import io
import itertools
import json
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterator

from .textio import InputError

RECORD_FORMATS = ("auto", "jsonl", "csv", "lines")
CSV_DELIMITERS = ",;\t|"

log = logging.getLogger("moderation.records")


@dataclass(frozen=True)
class Chunk:
    """A byte range of a CSV/JSONL file read on its own: the file's header, the range's first line, and
    whether the range ends the file (a quoted field still open at the end of an inner range means the range
    was cut inside a record, which is an error, not a warning)."""
    header: bytes = b""
    first_line: int = 1
    final: bool = True


@dataclass
class Record:
    """One comment to score: its text, an id, and where it came from (1-based line or row)."""
    text: str
    id: str
    line: int
    extra: dict = field(default_factory=dict)


def detect_format(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".csv", ".tsv"):
        return "csv"
    return "lines"


def _decoded_lines(stream: IO[bytes], source: str, first: int = 1) -> Iterator[tuple[int, str]]:
    for n, raw in enumerate(stream, first):
        if b"\x00" in raw:
            raise InputError(f"{source}: line {n} contains NUL bytes; this looks like a binary file")
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"{source}: line {n} is not valid UTF-8 (byte 0x{raw[exc.start]:02x}); "
                             "re-encode the file as UTF-8, e.g. `iconv -f latin1 -t utf-8`") from None
        if n == 1:
            line = line.lstrip("\ufeff")
        yield n, line.rstrip("\r\n")


def iter_records(stream: IO[bytes], source: str, fmt: str = "lines", text_column: str = "text",
                 id_column: str = "id", keep: tuple[str, ...] = (), chunk: Chunk | None = None) -> Iterator[Record]:
    """Yield records from a binary stream; `keep` names extra CSV/JSON fields to carry along.

    With `chunk`, the stream is one byte range of a larger file (see `Chunk`).
    """
    if fmt not in RECORD_FORMATS[1:]:
        raise InputError(f"unknown input format {fmt!r}; choose one of {', '.join(RECORD_FORMATS)}")
    chunk = chunk or Chunk()
    lines = _decoded_lines(stream, source, chunk.first_line)
    if chunk.header:
        lines = itertools.chain(_decoded_lines(io.BytesIO(chunk.header), source), lines)
    if fmt == "lines":
        for n, line in lines:
            if line.strip():
                yield Record(line, str(n), n)
    elif fmt == "jsonl":
        for n, line in lines:
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{source}: line {n} is not valid JSON ({exc.msg} at column {exc.colno})") from None
            if not isinstance(obj, dict) or not isinstance(obj.get(text_column), str):
                raise InputError(f"{source}: line {n} needs a JSON object with a string `{text_column}` field")
            yield Record(obj[text_column], str(obj.get(id_column, n)), n, {k: obj.get(k) for k in keep if k in obj})
    else:
        yield from _csv_records(lines, source, text_column, id_column, keep, chunk.final)


def _delimiter(header_line: str) -> str:
    """The delimiter of a CSV file, from its header line: the listed character that splits it most."""
    counts = {d: header_line.count(d) for d in CSV_DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_records(lines: Iterator[tuple[int, str]], source: str, text_column: str, id_column: str,
                 keep: tuple[str, ...], final: bool = True) -> Iterator[Record]:
    header = None
    # csv needs whole logical records (quoted newlines), so feed it the decoded lines lazily
    line_numbers: list[int] = []
    first = next(lines, None)
    if first is None:
        return

    def feed() -> Iterator[str]:
        for n, line in itertools.chain([first], lines):
            line_numbers.append(n)
            yield line + "\n"

    reader = csv.reader(feed(), delimiter=_delimiter(first[1]), strict=True)
    pos = 0             # index in line_numbers of the next record's first line

    def record_start() -> int:
        return line_numbers[pos] if pos < len(line_numbers) else (line_numbers[-1] + 1 if line_numbers else 1)

    try:
        for row in reader:
            start, n = line_numbers[pos], line_numbers[-1]
            pos = len(line_numbers)
            if header is None:
                header = row
                if text_column not in header:
                    raise InputError(f"{source}: no `{text_column}` column in the CSV header "
                                     f"(found: {', '.join(header) or 'nothing'}); use --text-column")
                ti = header.index(text_column)
                ii = header.index(id_column) if id_column in header else None
                extra_idx = {k: header.index(k) for k in keep if k in header}
                continue
            if not row:
                continue
            if len(row) != len(header):
                raise InputError(f"{source}: line {start} has {len(row)} fields, the header has {len(header)}")
            # the default id is the record's last line minus the header's: what the csv module's line_num
            # gives on a whole file, computed from absolute line numbers so that a chunk gives the same
            ident = row[ii] if ii is not None and row[ii] else str(n - 1)
            yield Record(row[ti], ident, start, {k: row[i] for k, i in extra_idx.items()})
    except csv.Error as exc:
        if "unexpected end of data" in str(exc) and header is not None and not final:
            raise InputError(f"{source}: line {record_start()} opens a quoted field still open at line "
                             f"{line_numbers[-1]}, where the file was split: its quotes do not pair up as CSV "
                             "quoting; fix them, or use a --partition-size larger than the file") from None
        if "unexpected end of data" in str(exc) and header is not None:
            log.warning("%s: line %d opens a quoted field that is never closed; the rest of the file "
                        "(lines %d-%d) was not read: close the quote and run again",
                        source, record_start(), record_start(), line_numbers[-1])
            return
        raise InputError(f"{source}: malformed CSV near line {line_numbers[-1] if line_numbers else 1} ({exc})") from None


def open_input(path: str | None) -> tuple[IO[bytes], str]:
    """Open a file (or stdin for None / '-') as a binary stream, with a name for messages."""
    if path in (None, "-"):
        return sys.stdin.buffer, "<stdin>"
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file")
    if p.is_dir():
        raise InputError(f"{p}: is a directory; `moderation score` reads one file (use `moderation audit` for folders)")
    return open(p, "rb"), str(p)
