"""Per-site thresholds read from a file (`--thresholds FILE`): what `moderation evaluate` proposes,
and what `moderation serve`, `audit` and `score` apply.

The file is JSON: ``{"format": "moderation-thresholds/1", "model_version": ...,
"thresholds": {"all": {"insult": 0.62, ...}, "<site>": {...}}}``. The "all"
entry replaces the model's shipped thresholds everywhere; a site's entry
replaces them for that site's comments. An entry may name only some labels:
the others fall back to "all", then to the model's. Anything else in the
file (the target precision, how many decisions backed each value) is kept
for people to read and ignored here.
"""
from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .labels import LABELS
from .textio import InputError, atomic_write, read_text

FORMAT = "moderation-thresholds/1"
ALL = "all"

log = logging.getLogger("moderation.thresholds")


@dataclass(frozen=True)
class SiteThresholds:
    """Complete label -> threshold maps: one for every comment, and one per site the file names."""
    default: dict[str, float]
    per_site: dict[str, dict[str, float]] = field(default_factory=dict)

    def for_site(self, site: str | None) -> dict[str, float]:
        """The thresholds a comment of `site` is judged with (the default for None or an unnamed site)."""
        return self.per_site.get(site, self.default) if site is not None else self.default

    def sites(self) -> tuple[str, ...]:
        """The sites with an entry of their own."""
        return tuple(self.per_site)

    def with_overrides(self, overrides: Mapping[str, float]) -> "SiteThresholds":
        """The same with `--threshold label=value` options applied on top, for every site."""
        if not overrides:
            return self
        return SiteThresholds({**self.default, **overrides},
                              {s: {**t, **overrides} for s, t in self.per_site.items()})

    def to_dict(self) -> dict[str, dict[str, float]]:
        """The resolved thresholds in the file's shape ("all" plus one entry per site)."""
        return {ALL: dict(self.default), **{s: dict(t) for s, t in self.per_site.items()}}


def _entry(value: Any, where: str) -> dict[str, float]:
    """One entry of the file, validated: known labels, numbers in [0, 1]; InputError naming the key otherwise."""
    if not isinstance(value, dict):
        raise InputError(f"{where} must be an object of label -> threshold")
    out = {}
    for label, th in value.items():
        if label not in LABELS:
            raise InputError(f"{where}: unknown label {label!r} (labels: {', '.join(LABELS)})")
        if isinstance(th, bool) or not isinstance(th, (int, float)) or not math.isfinite(th) or not 0 <= th <= 1:
            raise InputError(f"{where}.{label}: {th!r} is not a threshold; thresholds are numbers in [0, 1]")
        out[label] = float(th)
    return out


def parse_thresholds(obj: Any, base: Mapping[str, float], source: str = "thresholds file") -> SiteThresholds:
    """Validate a thresholds document and resolve it against the model's thresholds."""
    if not isinstance(obj, dict) or not isinstance(obj.get("thresholds"), dict):
        raise InputError(f'{source}: expected a JSON object with a "thresholds" object, e.g. '
                         '{"thresholds": {"all": {"insult": 0.6}, "maliweb": {"hostility": 0.7}}}')
    if obj.get("format", FORMAT) != FORMAT:
        raise InputError(f"{source}: format {obj.get('format')!r} is not {FORMAT!r}")
    entries = {}
    for site, value in obj["thresholds"].items():
        if not site.strip():
            raise InputError(f"{source}: a site name is empty")
        entries[site] = _entry(value, f"{source}: thresholds.{site}")
    default = {**{lab: float(base[lab]) for lab in LABELS}, **entries.pop(ALL, {})}
    return SiteThresholds(default, {site: {**default, **t} for site, t in entries.items()})


def load_thresholds(path: str | Path, base: Mapping[str, float], model_version: str | None = None) -> SiteThresholds:
    """Read and validate a thresholds file; a file made for another model version is used with a warning."""
    text = read_text(path)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    result = parse_thresholds(obj, base, str(path))
    made_for = obj.get("model_version")
    if model_version and made_for and made_for != model_version:
        log.warning("%s was proposed for model %s; the loaded model is %s: check the thresholds with "
                    "`moderation evaluate --decisions URL`", path, made_for, model_version)
    return result


def write_thresholds(path: str | Path, entries: Mapping[str, Mapping[str, float]], **about: Any) -> None:
    """Write a thresholds file atomically; `about` (model version, target precision, support) is kept for readers."""
    doc = {"format": FORMAT, **about, "thresholds": {site: dict(t) for site, t in entries.items()}}
    atomic_write(path, lambda p: p.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"))
