"""`moderation audit`: run the audit on the chosen engine and print a short summary."""
from __future__ import annotations

import argparse

from ..labels import LABELS
from ..textio import InputError
from .pipeline import run_audit

DASK_ONLY = ("scheduler", "workers", "partition_size", "results")


def main(args: argparse.Namespace) -> int:
    """CLI entry: run the audit on the chosen engine and print a short summary; exit 0 whatever was flagged."""
    engine = getattr(args, "engine", "local")
    if engine == "dask":
        from .dask_engine import run_dask_audit
        res = run_dask_audit(args)
    else:
        given = [f"--{name.replace('_', '-')}" for name in DASK_ONLY if getattr(args, name, None) is not None]
        if given:
            raise InputError(f"{', '.join(given)}: only with --engine dask")
        res = run_audit(args)
    c, t = res.counts, res.totals
    print(f"audit: {c['inputs_scored'] + c['inputs_reused'] + c['inputs_failed']} files "
          f"({c['inputs_scored']} scored, {c['inputs_reused']} already in the store, {c['inputs_failed']} skipped); "
          f"{t['comments']:,} comments ({c['comments_scored']:,} newly scored), {t['flagged']:,} flagged ("
          + ", ".join(f"{lab} {t[lab]:,}" for lab in LABELS) + ")")
    for reason in res.skipped:
        print(f"  skipped {reason}")
    for path in res.outputs:
        print(f"  wrote {path}")
    for note in res.notes:
        print(f"  {note}")
    return 0
