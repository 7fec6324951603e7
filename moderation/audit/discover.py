"""Which files an audit reads: files named, and files found under folders, each with its kind.

Local paths are walked here; a URL (`s3://bucket/comments/`, `file:///...`) is listed with fsspec
for the Dask engine, whose workers read it with the same driver.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Sequence

from ..records import detect_format
from ..textio import InputError
from .report import display_name

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
PARQUET_SUFFIXES = (".parquet", ".parq", ".pq")


@dataclass(frozen=True)
class InputFile:
    """One input file: where it is, how to read it, and how to name it in messages and reports."""
    location: str       # absolute local path, or a URL that fsspec reads
    kind: str           # page | csv | jsonl | parquet
    name: str           # as shown to the user (relative to the working directory when possible)

    @property
    def path(self) -> Path:
        return Path(self.location)

    @property
    def is_url(self) -> bool:
        return is_url(self.location)

    @property
    def page_format(self) -> str:
        return "html" if PurePosixPath(self.location).suffix.lower() in HTML_SUFFIXES else "auto"


def is_url(arg: str) -> bool:
    """A location with a protocol (`s3://`, `gs://`, `file://`...), read with fsspec."""
    return "://" in arg


def input_kind(name: str) -> str:
    """page | csv | jsonl | parquet, from the file name."""
    if PurePosixPath(name).suffix.lower() in PARQUET_SUFFIXES:
        return "parquet"
    fmt = detect_format(name)
    return "page" if fmt == "lines" else fmt


def discover(args_inputs: Sequence[str], exclude: Sequence[Path], urls: bool = False) -> list[InputFile]:
    """Files named or found under the folders (sorted, hidden and excluded paths skipped, no duplicates).

    URLs are accepted only with `urls` (the Dask engine); the local engine reads local paths.
    """
    exclude = [p.resolve() for p in exclude]
    found: dict[str, str] = {}          # location -> display name

    def excluded(p: Path) -> bool:
        return any(p == e or e in p.parents for e in exclude)

    for arg in args_inputs:
        if is_url(arg):
            if not urls:
                raise InputError(f"{arg}: URLs are read by the Dask engine (--engine dask)")
            for location in _list_url(arg):
                found.setdefault(location, location)
            continue
        root = Path(arg)
        if not root.exists():
            raise InputError(f"{arg}: no such file or folder")
        if root.is_file():
            found.setdefault(str(root.resolve()), display_name(root.resolve()))
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            here = Path(dirpath).resolve()
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and not excluded(here / d))
            for f in sorted(filenames):
                p = here / f
                if not f.startswith(".") and not excluded(p) and p.is_file():
                    found.setdefault(str(p), display_name(p))
    if not found:
        raise InputError(f"no input files found in {', '.join(args_inputs)}")
    return [InputFile(loc, input_kind(loc), name) for loc, name in found.items()]


def _list_url(url: str) -> list[str]:
    """The files at a URL: itself, or those under it (sorted, hidden ones skipped), as full URLs."""
    try:
        import fsspec
        fs, root = fsspec.core.url_to_fs(url)
    except ImportError as exc:          # fsspec knows the protocol, its driver is not installed
        raise InputError(f"{url}: {exc}") from None
    except ValueError as exc:           # an unknown protocol
        raise InputError(f"{url}: {exc}") from None
    try:
        if fs.isfile(root):
            paths = [root]
        elif fs.isdir(root):
            base = root.rstrip("/")
            paths = [p for p in sorted(fs.find(root))
                     if not any(part.startswith((".", "_")) for part in p[len(base):].split("/"))]
        else:
            raise InputError(f"{url}: no such file or folder")
    except OSError as exc:
        raise InputError(f"{url}: cannot list ({exc})") from None
    return [fs.unstrip_protocol(p) for p in paths]
