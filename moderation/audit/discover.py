"""Which files an audit reads: files named, and files found under folders, each with its kind."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..records import detect_format
from ..textio import InputError
from .report import display_name

HTML_SUFFIXES = (".html", ".htm", ".xhtml")


@dataclass(frozen=True)
class InputFile:
    """One input file: where it is, how to read it, and how to name it in messages and reports."""
    path: Path          # absolute
    kind: str           # page | csv | jsonl
    name: str           # as shown to the user (relative to the working directory when possible)

    @property
    def page_format(self) -> str:
        return "html" if self.path.suffix.lower() in HTML_SUFFIXES else "auto"


def discover(args_inputs: Sequence[str], exclude: Sequence[Path]) -> list[InputFile]:
    """Files named or found under the folders (sorted, hidden and excluded paths skipped, no duplicates)."""
    exclude = [p.resolve() for p in exclude]
    found: dict[Path, None] = {}

    def excluded(p: Path) -> bool:
        return any(p == e or e in p.parents for e in exclude)

    for arg in args_inputs:
        root = Path(arg)
        if not root.exists():
            raise InputError(f"{arg}: no such file or folder")
        if root.is_file():
            found.setdefault(root.resolve())
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            here = Path(dirpath).resolve()
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and not excluded(here / d))
            for f in sorted(filenames):
                p = here / f
                if not f.startswith(".") and not excluded(p) and p.is_file():
                    found.setdefault(p)
    if not found:
        raise InputError(f"no input files found in {', '.join(args_inputs)}")
    sources = []
    for p in found:
        fmt = detect_format(p.name)
        sources.append(InputFile(p, "page" if fmt == "lines" else fmt, display_name(p)))
    return sources
