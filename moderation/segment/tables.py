"""Read the segmenter's learnt tables (line weights, line typing, line CRF) stored as JSON beside this module.

One loader for all three: a missing table means "not learnt, use what comes before it"; an unreadable one, or one
built for other features, is refused with a warning that says what the segmenter does instead and how to rebuild
it, never an import error.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Callable

log = logging.getLogger(__name__)


def read_table(path: Path, fits: Callable[[dict], bool], instead: str, rebuild: str) -> dict | None:
    """The table at ``path`` when it exists, parses and ``fits`` the current features, else None (with a warning
    naming what the segmenter does ``instead`` and the ``rebuild`` command when the file is there but unusable)."""
    if not path.exists():
        return None
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
        ok = isinstance(table, dict) and fits(table)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("%s is unreadable (%s): %s; rebuild it with `%s`", path.name, exc, instead, rebuild)
        return None
    if not ok:
        log.warning("%s was built for other line features: %s; rebuild it with `%s`", path.name, instead, rebuild)
        return None
    return table
