"""The `moderation` command: train, evaluate, score, segment, audit, serve, review.

Each sub-command is a thin shell over one stage (training, scoring, segment,
audit, service); errors a user can fix are printed as one line, exit code 2.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from . import __version__
from .audit.texts import REPORT_LANGUAGES
from .labels import LABEL_DESCRIPTIONS, LABELS
from .textio import InputError, json_line

EPILOG = "labels:\n" + "\n".join(f"  {k:<10} {v}" for k, v in LABEL_DESCRIPTIONS.items())


def _threshold_overrides(items: list[str] | None) -> dict[str, float]:
    """Parse repeated `label=value` options into a dict, refusing unknown labels and bad values."""
    out: dict[str, float] = {}
    for item in items or []:
        label, sep, value = item.partition("=")
        if not sep or label not in LABELS:
            raise InputError(f"--threshold expects label=value with label in {', '.join(LABELS)}; got {item!r}")
        try:
            out[label] = float(value)
        except ValueError:
            raise InputError(f"--threshold {item!r}: {value!r} is not a number") from None
        if not 0.0 <= out[label] <= 1.0:
            raise InputError(f"--threshold {item!r}: thresholds are probabilities in [0, 1]")
    return out


def _thresholds(args: argparse.Namespace, moderator) -> dict[str, float]:
    """The thresholds a command applies: the model's, then --thresholds FILE (its --site entry, else "all"),
    then each --threshold label=value."""
    from .thresholds import SiteThresholds, load_thresholds

    overrides = _threshold_overrides(args.threshold) if isinstance(args.threshold, list) else (args.threshold or {})
    if getattr(args, "thresholds", None):
        found = load_thresholds(args.thresholds, moderator.thresholds, moderator.version)
        if args.site is not None and args.site not in found.sites():
            raise InputError(f"--site {args.site!r}: {args.thresholds} has no entry for it (it has: "
                             f"{', '.join(found.sites()) or 'only all'})")
    elif getattr(args, "site", None) is not None:
        raise InputError("--site picks an entry of a --thresholds file; give the file too")
    else:
        found = SiteThresholds(dict(moderator.thresholds))
    return found.with_overrides(overrides).for_site(getattr(args, "site", None))


def cmd_score(args: argparse.Namespace) -> int:
    from .records import detect_format, iter_records, open_input
    from .scoring import Moderator

    moderator = Moderator.load(args.model)
    thresholds = _thresholds(args, moderator)
    stream, source = open_input(args.input)
    fmt = args.format if args.format != "auto" else ("lines" if source == "<stdin>" else detect_format(source))
    records = iter_records(stream, source, fmt, text_column=args.text_column, id_column=args.id_column)
    out = sys.stdout
    batch: list = []

    def flush() -> None:
        for rec, verdict in zip(batch, moderator.verdicts([r.text for r in batch], thresholds, args.explain)):
            out.write(json_line({"id": rec.id, **verdict.flat()}))
        batch.clear()

    try:
        for rec in records:
            batch.append(rec)
            if len(batch) >= 2048:
                flush()
        if batch:
            flush()
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from .training.train import train

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    from .training.wordvectors import VectorsError

    frames = []
    if args.decisions:
        from .training.decisions import load_decisions
        if args.decisions_weight <= 0:
            raise InputError(f"--decisions-weight {args.decisions_weight}: the weight must be positive")
        frames = [load_decisions(url).assign(weight=args.decisions_weight) for url in args.decisions]
    try:
        manifest = train(args.data, args.extra, args.out, use_pack=not args.no_pack, version=args.version,
                         newsroom=not args.no_newsroom, frames=frames)
    except VectorsError as exc:
        raise InputError(str(exc)) from None
    metrics = manifest["metrics"]
    print(f"{'label':<10} {'threshold':>9} {'held-out ROC AUC':>16} {'precision at stream':>19} {'recall':>6} "
          f"{'pack held-out AUC':>17}", file=sys.stderr)
    for lab in LABELS:
        cal = metrics["calibration_rows"].get(lab, {})
        at = metrics["calibration_rows_at_threshold"].get(lab, {})
        pack = metrics["pack_test_split"].get(lab, {})
        print(f"{lab:<10} {manifest['thresholds'][lab]:>9.3f} {cal.get('roc_auc', float('nan')):>16.4f} "
              f"{at.get('precision_at_stream_prevalence', float('nan')):>19.3f} {at.get('recall', float('nan')):>6.3f} "
              f"{pack.get('roc_auc', float('nan')):>17.4f}", file=sys.stderr)
    print("(held-out: newsroom calibration rows, the model never trained on them; full figures: "
          "python scripts/evaluate.py)", file=sys.stderr)
    return 0


def cmd_segment(args: argparse.Namespace) -> int:
    from .segment import segment_page
    from .textio import decode_bytes, read_bytes

    if args.input in (None, "-"):
        data, name = sys.stdin.buffer.read(), "<stdin>"
    else:
        data, name = read_bytes(args.input, hint="`moderation segment` reads one page (use `moderation audit` "
                                                  "for folders)"), str(args.input)
    result = segment_page(decode_bytes(data, name), format=args.format)
    if args.jsonl:
        for c in result.comments:
            sys.stdout.write(json_line(c.to_dict()))
    else:
        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """`moderation evaluate`: agreement with the moderators' decisions, proposed thresholds."""
    from .training.agreement import main as evaluate_main
    return evaluate_main(args)


def cmd_audit(args: argparse.Namespace) -> int:
    from .audit.command import main as audit_main
    args.threshold = _threshold_overrides(args.threshold)
    if args.thresholds or args.site is not None:
        from .scoring import Moderator
        args.threshold = _thresholds(args, Moderator.load(args.model))
    return audit_main(args)


def cmd_serve(args: argparse.Namespace) -> int:
    from .service.serve import main as serve_main
    return serve_main(args)


def cmd_review(args: argparse.Namespace) -> int:
    """`moderation review --db URL`: the service with that store, for its review page."""
    from .service.serve import main as serve_main
    args.store = args.db
    return serve_main(args, command="review")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="moderation", description="Score French reader comments for insult, masking and hostility, with evidence.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"moderation {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    model_help = "model file (default: $MODERATION_MODEL, else the model shipped with the package)"

    p = sub.add_parser("score", help="score comments from JSONL, CSV or plain lines; one JSON line out per comment",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", nargs="?", help="input file (.jsonl, .csv or text, one comment per line); stdin if omitted or -")
    p.add_argument("--format", choices=["auto", "jsonl", "csv", "lines"], default="auto",
                   help="input format (default: from the file extension; stdin: lines)")
    p.add_argument("--text-column", default="text", help="CSV column or JSON field with the comment (default: text)")
    p.add_argument("--id-column", default="id", help="CSV column or JSON field with the id (default: id, else the line number)")
    p.add_argument("--explain", action="store_true", help="add the n-grams behind each score, with character spans")
    p.add_argument("--threshold", action="append", metavar="LABEL=VALUE", help="override a label's threshold (repeatable)")
    _thresholds_options(p)
    p.add_argument("--model", help=model_help)
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("train", help="train the model from the data pack and/or labelled files")
    p.add_argument("--data", help="data pack folder (default: ../shared/data beside the repository)")
    p.add_argument("--extra", action="append", default=[], metavar="FILE",
                   help="extra labelled CSV/JSONL: a `text` column plus any of insult, masked, hostility (repeatable)")
    p.add_argument("--no-pack", action="store_true", help="train on --extra files only")
    p.add_argument("--no-newsroom", action="store_true",
                   help="leave out the project's newsroom comment set (data/newsroom/train.jsonl)")
    p.add_argument("--out", help="model file to write (default: the shipped model file, replaced)")
    p.add_argument("--version", dest="version", help="version string recorded in the manifest (default: the package version + the first 8 hex digits of the file's SHA-256)")
    p.add_argument("--decisions", action="append", default=[], metavar="URL",
                   help="also train on the moderators' decisions in this store (SQLAlchemy URL; repeatable)")
    p.add_argument("--decisions-weight", type=float, default=1.0, metavar="W",
                   help="multiply the training weight of every decision row by W (default: 1)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="how the model agrees with the moderators' decisions; propose thresholds",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--decisions", required=True, metavar="URL", help="the store holding the decisions (SQLAlchemy URL)")
    p.add_argument("--precision", type=float, default=0.9,
                   help="target precision of the proposed thresholds (default: 0.9)")
    p.add_argument("--min-decisions", type=int, default=20, metavar="N",
                   help="propose a site's threshold for a label only from N decisions on it, "
                        "both classes present (default: 20)")
    p.add_argument("--out", metavar="FILE", help="write the proposed thresholds here (for --thresholds FILE)")
    p.add_argument("--json", action="store_true", help="print the figures as one JSON document")
    p.add_argument("--model", help=model_help)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("segment", help="find the reader comments in one article page (text dump or HTML)")
    p.add_argument("input", nargs="?", help="page file; stdin if omitted or -")
    p.add_argument("--format", choices=["auto", "text", "html"], default="auto", help="page format (default: auto)")
    p.add_argument("--jsonl", action="store_true", help="one JSON line per comment instead of one JSON document")
    p.set_defaults(func=cmd_segment)

    p = sub.add_parser("audit", help="score folders of pages and comment exports into ranked reports")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files or folders (recursed): page dumps, HTML, CSV, JSONL")
    p.add_argument("--out", default="audit-report", help="output folder (default: audit-report)")
    p.add_argument("--text-column", default="text", help="CSV/JSONL column with the comment text (default: text)")
    p.add_argument("--id-column", default="id", help="CSV/JSONL id column (default: id)")
    p.add_argument("--db", help="SQLAlchemy URL of the audit store (default: sqlite:///OUT/audit.sqlite)")
    p.add_argument("--threshold", action="append", metavar="LABEL=VALUE", help="override a label's threshold (repeatable)")
    p.add_argument("--only-flagged", action="store_true", help="write only flagged comments to results.jsonl")
    p.add_argument("--format", dest="formats", default=None,
                   help="comma-separated outputs among html, csv, jsonl (default: all; with --engine dask: html, csv, "
                        "results being Parquet)")
    p.add_argument("--lang", choices=REPORT_LANGUAGES, default=None,
                   help="language of report.html (default: French if your locale is French, else English)")
    p.add_argument("--jobs", type=int, default=1, help="worker processes for scoring (default: 1)")
    p.add_argument("--batch-size", type=int, default=2048, help="comments scored per batch (default: 2048)")
    _thresholds_options(p)
    p.add_argument("--model", help=model_help)
    p.add_argument("--engine", choices=["local", "dask"], default="local",
                   help="local: this machine's processes (--jobs); dask: a Dask cluster, results as partitioned "
                        "Parquet (needs moderation[dask]; default: local)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="dask: address of a running Dask scheduler (default: start a local cluster sized to the machine)")
    p.add_argument("--workers", type=int, help="dask: worker processes of the local cluster (default: one per core, at most one per GB "
                        "of memory)")
    p.add_argument("--partition-size", metavar="SIZE",
                   help="dask: bytes of input per partition, e.g. 64MB (default: 16MB; a Parquet file is one partition)")
    p.add_argument("--results", metavar="FOLDER_OR_URL",
                   help="dask: where workers write the results Parquet files; every worker must reach it "
                        "(default: OUT/results)")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("serve", help="run the HTTP scoring service (FastAPI + uvicorn)")
    p.add_argument("--host", default=os.environ.get("MODERATION_HOST"),
                   help="bind address (default: $MODERATION_HOST, else 127.0.0.1)")
    p.add_argument("--port", type=int, default=int(os.environ.get("MODERATION_PORT", "8000")),
                   help="port (default: $MODERATION_PORT or 8000)")
    p.add_argument("--workers", type=int, default=int(os.environ.get("MODERATION_WORKERS", "1")),
                   help="worker processes (default: $MODERATION_WORKERS or 1)")
    p.add_argument("--model", default=os.environ.get("MODERATION_MODEL"), help=model_help)
    p.add_argument("--log-text", action="store_true", help="debug: include comment text in access logs")
    p.add_argument("--store", default=os.environ.get("MODERATION_STORE"), metavar="URL",
                   help="record scored comments and decisions in this store (SQLAlchemy URL; default: "
                        "$MODERATION_STORE); serves the review page at /review")
    p.add_argument("--thresholds", metavar="FILE",
                   help="per-site thresholds (from `moderation evaluate --out`); a request's `site` picks its entry")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("review", help="serve the review page over an audit store (moderators confirm or overturn flags)")
    p.add_argument("--db", required=True, metavar="URL",
                   help="the audit store (SQLAlchemy URL, e.g. sqlite:///audit-report/audit.sqlite)")
    p.add_argument("--host", default=os.environ.get("MODERATION_HOST"),
                   help="bind address (default: $MODERATION_HOST, else 127.0.0.1)")
    p.add_argument("--port", type=int, default=int(os.environ.get("MODERATION_PORT", "8000")),
                   help="port (default: $MODERATION_PORT or 8000)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default: 1)")
    p.add_argument("--thresholds", metavar="FILE", help="per-site thresholds deciding what is flagged (default: the model's)")
    p.add_argument("--model", default=os.environ.get("MODERATION_MODEL"), help=model_help)
    p.set_defaults(func=cmd_review)
    return parser


def _thresholds_options(p: argparse.ArgumentParser) -> None:
    """--thresholds FILE and --site, as `score` and `audit` take them."""
    p.add_argument("--thresholds", metavar="FILE",
                   help="thresholds file (from `moderation evaluate --out`): its \"all\" entry replaces the model's")
    p.add_argument("--site", help="use this site's entry of the --thresholds file instead of \"all\"")


class _StderrWarnings(logging.Handler):
    """Writes to whatever sys.stderr is when a warning comes (the CLI can be called in-process, as tests do)."""

    def emit(self, record: logging.LogRecord) -> None:
        sys.stderr.write(self.format(record) + "\n")


def _warnings_to_stderr(command: str) -> None:
    """Warnings from any module (a CSV quote never closed, ...) as `moderation CMD: warning: ...` lines."""
    logger = logging.getLogger("moderation")
    handler = next((h for h in logger.handlers if isinstance(h, _StderrWarnings)), None)
    if handler is None:
        handler = _StderrWarnings(logging.WARNING)
        logger.addHandler(handler)
    handler.setFormatter(logging.Formatter(f"moderation {command}: warning: %(message)s"))


def main(argv: list[str] | None = None) -> int:
    from .audit import AuditError
    from .scoring import ModelError

    args = build_parser().parse_args(argv)
    _warnings_to_stderr(args.command)
    try:
        return args.func(args)
    except (InputError, ModelError, AuditError, ValueError) as exc:
        print(f"moderation {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print(f"moderation {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
