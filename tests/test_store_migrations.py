"""The store's schema upgrades: a store written by 0.2.0 (before migrations) opens, upgrades without loss,
and takes decisions; on SQLite and on a real PostgreSQL server."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import (Boolean, Column, Float, ForeignKey, Integer, MetaData, String, Table, Text, UniqueConstraint,
                        create_engine, insert, inspect, select, text)

from moderation.audit import store
from moderation.review import decisions
from moderation.textio import InputError


def release_020_schema() -> MetaData:
    """The tables exactly as moderation 0.2.0 declared them (and created them with metadata.create_all)."""
    md = MetaData()
    Table("runs", md, Column("id", Integer, primary_key=True), Column("started", String(32), nullable=False),
          Column("finished", String(32)), Column("model_version", String(64), nullable=False),
          Column("args", Text, nullable=False), Column("inputs_scored", Integer, nullable=False, default=0),
          Column("inputs_reused", Integer, nullable=False, default=0),
          Column("inputs_failed", Integer, nullable=False, default=0),
          Column("comments_scored", Integer, nullable=False, default=0))
    Table("inputs", md, Column("id", Integer, primary_key=True), Column("path", Text, nullable=False),
          Column("sha256", String(64), nullable=False), Column("model_version", String(64), nullable=False),
          Column("options", String(255), nullable=False), Column("kind", String(16), nullable=False),
          Column("status", String(16), nullable=False), Column("error", Text),
          Column("n_comments", Integer, nullable=False, default=0),
          Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
          UniqueConstraint("path", "sha256", "model_version", "options", name="uq_input_key"))
    Table("run_inputs", md, Column("run_id", Integer, ForeignKey("runs.id"), primary_key=True),
          Column("input_id", Integer, ForeignKey("inputs.id", ondelete="CASCADE"), primary_key=True),
          Column("position", Integer, nullable=False))
    Table("comments", md, Column("id", Integer, primary_key=True),
          Column("input_id", Integer, ForeignKey("inputs.id", ondelete="CASCADE"), nullable=False),
          Column("position", Integer, nullable=False), Column("ext_id", String(255)), Column("text", Text, nullable=False),
          Column("line_first", Integer), Column("line_last", Integer), Column("dom_path", Text), Column("author", Text),
          Column("date", String(64)), Column("url", Text),
          *[Column(lab, Float, nullable=False) for lab in ("insult", "masked", "hostility")],
          Column("flagged", Boolean, nullable=False), Column("model_version", String(64), nullable=False),
          UniqueConstraint("input_id", "position", name="uq_comment_position"))
    return md


def make_release_020_store(url: str) -> dict[str, list]:
    """A store as 0.2.0 left it after auditing two files (one of them twice, by two model versions)."""
    md = release_020_schema()
    engine = create_engine(url)
    md.create_all(engine)
    t = md.tables
    with engine.begin() as conn:
        for run in (1, 2):
            conn.execute(insert(t["runs"]).values(id=run, started=f"2026-01-0{run}T00:00:00+00:00",
                                                  model_version=f"0.{run}.0", args=json.dumps({"inputs": ["pages"]}),
                                                  inputs_scored=1, inputs_reused=0, inputs_failed=0,
                                                  comments_scored=2))
        files = [(1, "/data/pages/maliweb/a.txt", "0.1.0", 1), (2, "/data/pages/lefaso/b.csv", "0.1.0", 1),
                 (3, "/data/pages/maliweb/a.txt", "0.2.0", 2)]
        for iid, path, version, run in files:
            conn.execute(insert(t["inputs"]).values(id=iid, path=path, sha256="ab" * 32, model_version=version,
                                                    options="segment=1", kind="page", status="done", n_comments=2,
                                                    run_id=run))
            conn.execute(insert(t["run_inputs"]).values(run_id=run, input_id=iid, position=iid))
            for pos in range(2):
                conn.execute(insert(t["comments"]).values(
                    input_id=iid, position=pos, ext_id=None, text=f"commentaire {iid}-{pos} « bande de chiens »",
                    line_first=10 + pos, line_last=10 + pos, dom_path=None, author="Awa", date="hier", url=None,
                    insult=0.9, masked=0.01, hostility=0.8, flagged=True, model_version=version))
    with engine.connect() as conn:
        before = {name: conn.execute(select(table).order_by(*table.primary_key.columns)).all()
                  for name, table in t.items()}
    engine.dispose()
    return before


def check_upgrade(url: str) -> None:
    before = make_release_020_store(url)
    engine = store.open_store(url)
    try:
        with engine.connect() as conn:
            assert store.schema_revision(conn) == "0002"
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0002"
            for name, rows in before.items():             # every old row and value is still there
                table = store.metadata.tables[name]
                cols = [table.c[c] for c in rows[0]._fields]
                assert conn.execute(select(*cols).order_by(*table.primary_key.columns)).all() == rows, name
            sites = dict(conn.execute(select(store.inputs.c.id, store.inputs.c.site)).all())
            assert sites == {1: "maliweb", 2: "lefaso", 3: "maliweb"}
            cols = {c["name"] for c in inspect(conn).get_columns("decisions")}
            assert {"comment_id", "insult", "masked", "hostility", "action", "moderator", "decided_at",
                    "model_version", "undoes"} <= cols
        with engine.connect() as conn:                # the upgraded store takes decisions on the old comments
            target = decisions.Target(comment_id=1)
            out, replayed = decisions.record(conn, [decisions.NewDecision(target, {"insult": "no"}, "keep", "awa")])
        assert not replayed and out[0]["model_version"] == "0.1.0" and out[0]["labels"]["insult"] == "no"
    finally:
        engine.dispose()
    again = store.open_store(url)                     # opening again is a no-op
    with again.connect() as conn:
        assert store.schema_revision(conn) == "0002"
        assert conn.execute(select(store.decisions.c.id)).all() == [(1,)]
    again.dispose()


def test_a_020_sqlite_store_upgrades_without_loss(tmp_path):
    check_upgrade(f"sqlite:///{tmp_path / 'audit.sqlite'}")


@pytest.mark.postgres
def test_a_020_postgresql_store_upgrades_without_loss(pg_url):
    check_upgrade(pg_url)


def schema_differences(conn) -> list:
    """What Alembic's autogenerate finds between the migrated database and store.metadata.

    The expression index on the top score is left out of that comparison: SQLite cannot reflect it
    and PostgreSQL reflects it in its own spelling; its presence is checked on its own."""
    import warnings

    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        diff = compare_metadata(MigrationContext.configure(conn), store.metadata)
    index_names = {"ix_comments_top"}
    return [d for d in diff if not (isinstance(d, tuple) and getattr(d[1], "name", None) in index_names)]


def test_a_new_store_is_created_at_the_latest_revision_and_matches_the_code(tmp_path):
    engine = store.open_store(f"sqlite:///{tmp_path / 'new.sqlite'}")
    with engine.connect() as conn:
        assert store.schema_revision(conn) == "0002"
        assert schema_differences(conn) == []
        ddl = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'ix_comments_top'")).scalar()
        assert "CASE WHEN" in ddl and "DESC" in ddl
    engine.dispose()


@pytest.mark.postgres
def test_migrations_build_on_postgresql_exactly_the_schema_the_code_declares(pg_url):
    engine = store.open_store(pg_url)
    with engine.connect() as conn:
        assert schema_differences(conn) == []
        ddl = conn.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_comments_top'")).scalar()
        assert "CASE" in ddl and "DESC" in ddl
    engine.dispose()


def test_the_queue_reads_the_top_scores_through_the_index(tmp_path):
    """With many comments the queue must not sort them all: SQLite's plan scans the top-score index."""
    from sqlalchemy.dialects import sqlite

    from moderation.review import queue
    from moderation.thresholds import SiteThresholds

    engine = store.open_store(f"sqlite:///{tmp_path / 'plan.sqlite'}")
    th = SiteThresholds({"insult": 0.5, "masked": 0.5, "hostility": 0.5})
    q = queue.ranked_ids(th, queue.Filters(), 20, exclude=(3, 4))
    sql = str(q.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    with engine.connect() as conn:
        plan = " ".join(r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    engine.dispose()
    assert "USING INDEX ix_comments_top" in plan and "TEMP B-TREE" not in plan, plan


def test_an_unreachable_or_unknown_database_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="not a database URL"):
        store.open_store("not a url")
    with pytest.raises(InputError, match="cannot open the store"):
        store.open_store(f"sqlite:///{tmp_path / 'missing-folder' / 'x.sqlite'}")
    with pytest.raises(InputError, match="cannot open the store"):
        store.open_store("postgresql+psycopg://nobody@127.0.0.1:1/none")
