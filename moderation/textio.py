"""Text in and out: decoding user-supplied bytes with errors a user can act on, and JSON output.

Every entry point (CLI, audit, API, segmenter) goes through here so that binary
files and wrong encodings are reported the same way everywhere.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable

import orjson


class InputError(ValueError):
    """Input the tool cannot use; the message says what is wrong and where."""


def decode_bytes(data: bytes, source: str = "input") -> str:
    """Decode UTF-8 (with or without BOM); refuse binary data and other encodings clearly.

    Non-UTF-8 input is reported with the 1-based line number of the first bad
    byte, so a user can find and fix (or re-encode) the offending record.
    """
    if b"\x00" in data[:8192]:
        raise InputError(f"{source}: looks like a binary file (NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"{source}: line {line} is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "re-encode the file as UTF-8, e.g. `iconv -f latin1 -t utf-8`"
        ) from None
    return text


def read_bytes(path: str | Path, hint: str = "expected a file") -> bytes:
    """A file's bytes; a missing path, a folder or an unreadable file raise InputError saying which."""
    p = Path(path)
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{p}: is a directory; {hint}") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot read ({exc.strerror})") from None


def read_text(path: str | Path) -> str:
    """Read a text file as UTF-8 via :func:`decode_bytes`; missing files raise InputError."""
    return decode_bytes(read_bytes(path), str(path))


def json_bytes(obj: Any) -> bytes:
    """Compact UTF-8 JSON: orjson (several times faster), else `json` for what orjson refuses.

    orjson refuses integers beyond 64 bits and lone surrogates (valid in JSON
    input); the fallback writes those, replacing surrogates, so output never fails.
    """
    try:
        return orjson.dumps(obj)
    except TypeError:       # orjson.JSONEncodeError is a TypeError
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace")


def json_line(obj: Any) -> str:
    """One JSON Lines record, newline included."""
    return json_bytes(obj).decode("utf-8") + "\n"


def atomic_write(path: str | Path, write: Callable[[Path], Any]) -> None:
    """Write a file so that it is either wholly there or not at all.

    ``write`` fills a temporary file beside ``path``; it is flushed to disk and
    renamed over ``path`` only once complete, so a crash (or an exception in
    ``write``) leaves any previous file intact and no half-written one behind.
    """
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
