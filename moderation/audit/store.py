"""The audit store: runs, inputs, scored comments and moderators' decisions in any SQLAlchemy database.

Why a database rather than files: an audit over thousands of pages must survive
being killed and must not rescore what it already scored. An input is keyed by
(path, content SHA-256, model version, parse options); its comments and its
`done` status are committed in one transaction, and unique constraints make a
duplicate row impossible, so a rerun simply skips keys already `done`.
Reports are rendered from here, so they include earlier runs' results.

Decisions are append-only: a later decision on a comment supersedes an earlier
one without deleting it, and an undo is itself a row (`action` "undo",
`undoes` naming the decision it cancels). The schema is versioned with Alembic
(`migrations/`): `open_store` brings any store, including one written by
0.2.0 before migrations existed, to the latest revision.
"""
from __future__ import annotations

import functools
import json
import re
from datetime import datetime, timezone
from pathlib import Path, PurePath
from typing import Any, Iterator, Mapping, Sequence

from sqlalchemy import (Boolean, Column, Float, ForeignKey, Index, Integer, MetaData, String, Table, Text,
                        UniqueConstraint, and_, bindparam, case, create_engine, delete, event, func, inspect, insert,
                        or_, select, text, update)
from sqlalchemy.engine import Connection, Dialect, Engine, Row, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.sql.expression import Grouping

from ..labels import LABELS
from ..textio import InputError

metadata = MetaData()

runs = Table(
    "runs", metadata,
    Column("id", Integer, primary_key=True),
    Column("started", String(32), nullable=False),
    Column("finished", String(32)),
    Column("model_version", String(64), nullable=False),
    Column("args", Text, nullable=False),                  # JSON: inputs, thresholds, options
    Column("inputs_scored", Integer, nullable=False, default=0),
    Column("inputs_reused", Integer, nullable=False, default=0),
    Column("inputs_failed", Integer, nullable=False, default=0),
    Column("comments_scored", Integer, nullable=False, default=0),
)

inputs = Table(
    "inputs", metadata,
    Column("id", Integer, primary_key=True),
    Column("path", Text, nullable=False),                  # absolute path
    Column("sha256", String(64), nullable=False),
    Column("model_version", String(64), nullable=False),
    Column("options", String(255), nullable=False),        # parse options that change the comments
    Column("kind", String(16), nullable=False),            # page | csv | jsonl
    Column("status", String(16), nullable=False),          # done | error
    Column("error", Text),
    Column("n_comments", Integer, nullable=False, default=0),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("site", String(255)),                           # see site_of(); added by revision 0002
    UniqueConstraint("path", "sha256", "model_version", "options", name="uq_input_key"),
    Index("ix_inputs_site", "site"),
)

run_inputs = Table(
    "run_inputs", metadata,
    Column("run_id", Integer, ForeignKey("runs.id"), primary_key=True),
    Column("input_id", Integer, ForeignKey("inputs.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, nullable=False),           # order of the input in that run
)

comments = Table(
    "comments", metadata,
    Column("id", Integer, primary_key=True),
    Column("input_id", Integer, ForeignKey("inputs.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),           # 0-based order inside the input
    Column("ext_id", String(255)),                         # id column of a table, else None
    Column("text", Text, nullable=False),
    Column("line_first", Integer),
    Column("line_last", Integer),
    Column("dom_path", Text),
    Column("author", Text),
    Column("date", String(64)),
    Column("url", Text),
    *[Column(lab, Float, nullable=False) for lab in LABELS],
    Column("flagged", Boolean, nullable=False),            # at the thresholds of the run that scored it
    Column("model_version", String(64), nullable=False),
    UniqueConstraint("input_id", "position", name="uq_comment_position"),
    Index("ix_comments_ext_id", "ext_id"),
)

#: A moderator's verdict on a comment. Label columns: True = yes, False = no, NULL = not judged.
decisions = Table(
    "decisions", metadata,
    Column("id", Integer, primary_key=True),
    Column("comment_id", Integer, ForeignKey("comments.id"), nullable=False),
    *[Column(lab, Boolean) for lab in LABELS],
    Column("action", String(8), nullable=False),           # keep | hide | undo
    Column("undoes", Integer, ForeignKey("decisions.id")),  # the decision an undo cancels
    Column("moderator", String(255), nullable=False),
    Column("key_id", String(16)),                          # the API key used, when keys are set
    Column("decided_at", String(32), nullable=False),
    Column("model_version", String(64), nullable=False),   # the model that scored the comment
    Column("idempotency_key", String(255)),                # the request's Idempotency-Key header
    Column("request_item", Integer),                       # this decision's place in that request
    Column("request_sha256", String(64)),                  # what a replay of that key must match
    UniqueConstraint("undoes", name="uq_decision_undoes"),
    UniqueConstraint("idempotency_key", "request_item", name="uq_decision_request"),
    Index("ix_decisions_comment", "comment_id"),
)

def top_score(table: Table = comments):
    """A comment's highest label score, as portable SQL (SQLite has no GREATEST). The review queue ranks by it,
    through the index below; the expression must stay exactly this for the databases to use that index."""
    a, b, c = (table.c[lab] for lab in LABELS)
    return case((and_(a >= b, a >= c), a), (b >= c, b), else_=c)


# parenthesised: PostgreSQL wants an index expression in parentheses
Index("ix_comments_top", Grouping(top_score()).desc())

COMMENT_FIELDS = ("position", "ext_id", "text", "line_first", "line_last", "dom_path", "author", "date", "url")


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(value: str) -> str:
    """Text as every database and driver can hold it: NUL (refused by PostgreSQL) and lone surrogates (valid
    JSON escapes, but not encodable as UTF-8) become U+FFFD, one for one, so character offsets are kept."""
    return _UNSTORABLE.sub("\ufffd", value)


def now(timespec: str = "seconds") -> str:
    """UTC time in ISO 8601, as every time in the store is written."""
    return datetime.now(timezone.utc).isoformat(timespec=timespec)


def site_of(path: str) -> str:
    """The site an audited file belongs to: the name of the folder holding it (`pages/maliweb/a.txt` -> maliweb)."""
    return PurePath(path).parent.name or "/"


def store_url(url: str) -> str:
    """The URL SQLAlchemy is given: a bare `postgresql://` uses psycopg 3 (the driver the
    `[postgres]` extra installs) unless psycopg2 is installed; anything else is passed as is."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InputError(f"--db {url!r} is not a database URL; e.g. sqlite:///audit.sqlite or "
                         "postgresql://user@host/moderation") from None
    if parsed.drivername == "postgresql":
        import importlib.util
        if importlib.util.find_spec("psycopg2") is None and importlib.util.find_spec("psycopg") is not None:
            return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def open_store(url: str, upgrade: bool = True) -> Engine:
    """The engine of a store, its schema brought to the latest revision (created when empty).

    SQLite gets WAL and foreign keys (fast, crash-safe commits). A URL whose
    driver is not installed, or a server that cannot be reached, is an
    InputError saying so.
    """
    try:
        engine = create_engine(store_url(url))
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise InputError(f"--db {url!r}: {exc}; for PostgreSQL install the driver: "
                         "pip install 'moderation[postgres]'") from None
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()
    if upgrade:
        try:
            migrate(engine)
        except OperationalError as exc:
            engine.dispose()
            raise InputError(f"cannot open the store {engine.url.render_as_string(hide_password=True)}: "
                             f"{str(exc.orig).strip().splitlines()[0]}") from None
    return engine


#: Revision of the schema 0.2.0 wrote with create_all, before migrations: a store with tables but no
#: alembic_version table is at this revision.
BASELINE_REVISION = "0001"
#: Any number, the same in every process: PostgreSQL's advisory lock that serialises migrations.
_MIGRATION_LOCK = 7_413_021


def _alembic_config(conn: Connection):
    """Alembic's configuration for this package's migrations, migrating `conn` (see migrations/env.py)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    cfg.attributes["connection"] = conn
    return cfg


def schema_revision(conn: Connection) -> str | None:
    """The store's Alembic revision; BASELINE_REVISION for a 0.2.0 store, None for an empty database."""
    tables = set(inspect(conn).get_table_names())
    if "alembic_version" in tables:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return BASELINE_REVISION if "runs" in tables else None


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the latest revision in one transaction (PostgreSQL and SQLite roll DDL back,
    so a failed upgrade leaves the store as it was); concurrent openers wait for each other."""
    from alembic import command
    from alembic.script import ScriptDirectory

    with engine.connect() as conn:
        cfg = _alembic_config(conn)
        head = ScriptDirectory.from_config(cfg).get_current_head()
        if schema_revision(conn) == head:
            return
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        elif conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")   # the write lock now, not at the first DDL
        cfg = _alembic_config(conn)
        revision = schema_revision(conn)
        if revision == head:
            return
        if revision == BASELINE_REVISION and "alembic_version" not in inspect(conn).get_table_names():
            command.stamp(cfg, BASELINE_REVISION)
        command.upgrade(cfg, "head")


def start_run(conn: Connection, model_version: str, args: Mapping[str, Any]) -> int:
    with conn.begin():
        return conn.execute(insert(runs).values(started=now(), model_version=model_version,
                                                args=json.dumps(args, ensure_ascii=False))).inserted_primary_key[0]


def finish_run(conn: Connection, run_id: int, counts: Mapping[str, int]) -> None:
    with conn.begin():
        conn.execute(update(runs).where(runs.c.id == run_id).values(finished=now(), **counts))


def find_input(conn: Connection, key: Mapping[str, str]) -> Mapping | None:
    """The stored row for an input key (path, sha256, model_version, options), if any."""
    cond = and_(*(inputs.c[k] == v for k, v in key.items()))
    return conn.execute(select(inputs).where(cond)).mappings().first()


def link_input(conn: Connection, run_id: int, input_id: int, position: int) -> None:
    """Record that this run covers an input (its results belong in this run's reports)."""
    conn.execute(insert(run_inputs).values(run_id=run_id, input_id=input_id, position=position))


def add_input(conn: Connection, run_id: int, key: Mapping[str, str], kind: str, status: str,
              error: str | None = None) -> int:
    """Insert an input row (replacing a failed attempt with the same key); returns its id."""
    old = find_input(conn, key)
    if old is not None:
        conn.execute(delete(comments).where(comments.c.input_id == old["id"]))
        conn.execute(delete(run_inputs).where(run_inputs.c.input_id == old["id"]))
        conn.execute(delete(inputs).where(inputs.c.id == old["id"]))
    return conn.execute(insert(inputs).values(run_id=run_id, kind=kind, status=status, error=error,
                                              site=site_of(key["path"]), **key)).inserted_primary_key[0]


_INSERT_KEYS = ("input_id", *COMMENT_FIELDS, *LABELS, "flagged", "model_version")


@functools.lru_cache(maxsize=8)
def _compiled_insert(dialect: Dialect):
    return insert(comments).values({k: bindparam(k) for k in _INSERT_KEYS}).compile(dialect=dialect)


def add_comments(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Bulk insert of comment rows as one driver-level executemany.

    The statement is compiled once for the connection's dialect and the rows go
    to the driver as plain tuples (or dicts for named paramstyles): twice as
    fast as Core's per-row parameter processing, which matters at 10^5 rows/s.
    The values are plain str/int/float/bool, so no type processing is lost.
    """
    if not rows:
        return
    compiled = _compiled_insert(conn.dialect)
    if compiled.positional:
        keys = compiled.positiontup
        params: list = [tuple(r[k] for k in keys) for r in rows]
    else:
        params = [{k: r[k] for k in _INSERT_KEYS} for r in rows]
    conn.exec_driver_sql(str(compiled), params)


def add_service_comments(conn: Connection, run_id: int, site: str, model_version: str,
                         rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Store comments scored over HTTP as one done input (kind "api", path "api:<site>") of the service's run,
    in one transaction; returns their ids in order, for decisions to name."""
    import secrets

    with conn.begin():
        input_id = conn.execute(insert(inputs).values(
            path=f"api:{site}", sha256=secrets.token_hex(32), model_version=model_version, options="api",
            kind="api", status="done", n_comments=len(rows), run_id=run_id, site=site)).inserted_primary_key[0]
        link_input(conn, run_id, input_id, input_id)
        add_comments(conn, [{**r, "input_id": input_id} for r in rows])
        return list(conn.execute(select(comments.c.id).where(comments.c.input_id == input_id)
                                 .order_by(comments.c.position)).scalars())


def mark_done(conn: Connection, input_id: int, n_comments: int) -> None:
    conn.execute(update(inputs).where(inputs.c.id == input_id).values(status="done", n_comments=n_comments))


# --------------------------------------------------------------------------- queries for the reports

def _label_hits(thresholds: Mapping[str, float]) -> list:
    return [comments.c[lab] >= thresholds[lab] for lab in LABELS]


def flagged_condition(thresholds: Mapping[str, float]):
    """SQL condition: any label at or over its threshold."""
    return or_(*_label_hits(thresholds))


def run_inputs_summary(conn: Connection, run_id: int, thresholds: Mapping[str, float]) -> list[dict]:
    """One row per input of the run, in run order: path, kind, status, error, comment and flag counts."""
    hits = _label_hits(thresholds)
    counts = (select(comments.c.input_id, func.count().label("n"),
                     func.sum(case((flagged_condition(thresholds), 1), else_=0)).label("flagged"),
                     *[func.sum(case((h, 1), else_=0)).label(lab) for h, lab in zip(hits, LABELS)])
              .group_by(comments.c.input_id).subquery())
    q = (select(inputs.c.id, inputs.c.path, inputs.c.kind, inputs.c.status, inputs.c.error, inputs.c.run_id,
                func.coalesce(counts.c.n, 0).label("n"), func.coalesce(counts.c.flagged, 0).label("flagged"),
                *[func.coalesce(counts.c[lab], 0).label(lab) for lab in LABELS])
         .select_from(run_inputs.join(inputs, inputs.c.id == run_inputs.c.input_id)
                      .outerjoin(counts, counts.c.input_id == inputs.c.id))
         .where(run_inputs.c.run_id == run_id).order_by(run_inputs.c.position))
    return [dict(r) for r in conn.execute(q).mappings()]


def iter_run_comments(conn: Connection, run_id: int, thresholds: Mapping[str, float] | None = None,
                      batch: int = 5000) -> Iterator[Sequence[Row]]:
    """Stream the run's comments in batches (only flagged ones when thresholds are given), in input then page order.

    Rows are named tuples (``row.text``, ``row.insult``...), cheaper than mappings at this volume.
    """
    q = (select(inputs.c.path, *[c for c in comments.c if c.name not in ("id", "input_id", "flagged")])
         .select_from(run_inputs.join(inputs, inputs.c.id == run_inputs.c.input_id)
                      .join(comments, comments.c.input_id == inputs.c.id))
         .where(run_inputs.c.run_id == run_id)
         .order_by(run_inputs.c.position, comments.c.position))
    if thresholds is not None:
        q = q.where(flagged_condition(thresholds))
    yield from conn.execution_options(yield_per=batch).execute(q).partitions()
