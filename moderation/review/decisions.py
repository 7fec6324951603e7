"""Recording moderators' decisions in the store, and reading back the one in force for each comment.

Decisions are never updated or deleted: a later decision on a comment
supersedes an earlier one, and an undo is a row of its own naming the decision
it cancels. The decision in force on a comment is its latest decision that is
neither an undo nor undone. A request carrying an `Idempotency-Key` is stored
with that key and a hash of its content, so a replay (a client retrying after a
timeout) gets the original decisions back instead of recording them twice.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Sequence

from sqlalchemy import and_, exists, func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ..audit.store import comments, decisions, inputs, now
from ..labels import LABELS

ACTIONS = ("keep", "hide")
VERDICTS = {"yes": True, "no": False, None: None}


class DecisionError(ValueError):
    """A decision the store cannot take; `status` is the HTTP status that says why (404, 409)."""

    def __init__(self, status: int, message: str):
        """A message for the user and the HTTP status that goes with it."""
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Target:
    """Which comment a decision is about: the store's id, or the id a client scored it under (and its site)."""
    comment_id: int | None = None
    ext_id: str | None = None
    site: str | None = None

    def describe(self) -> str:
        """How error messages name the target, as the client named it."""
        if self.comment_id is not None:
            return f"comment_id {self.comment_id}"
        return f"id {self.ext_id!r}" + (f" of site {self.site!r}" if self.site is not None else "")


@dataclass(frozen=True)
class NewDecision:
    """One decision as received: its comment, a verdict per label ("yes", "no" or None), the action, who."""
    target: Target
    labels: Mapping[str, str | None]
    action: str
    moderator: str


def request_digest(payload: Any) -> str:
    """SHA-256 of a request's content in canonical JSON: key order and spacing do not make a replay differ."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False,
                                     separators=(",", ":")).encode("utf-8")).hexdigest()


def decision_out(row: Mapping[str, Any]) -> dict[str, Any]:
    """The public shape of a stored decision (the API's and the page's)."""
    return {"decision_id": row["id"], "comment_id": row["comment_id"], "action": row["action"],
            "labels": {lab: None if row[lab] is None else ("yes" if row[lab] else "no") for lab in LABELS},
            "undoes": row["undoes"], "moderator": row["moderator"], "decided_at": row["decided_at"],
            "model_version": row["model_version"]}


def _resolve(conn: Connection, target: Target) -> Mapping[str, Any]:
    """The comment row (id, model_version) a target names; DecisionError 404 when the store has none."""
    q = select(comments.c.id, comments.c.model_version)
    if target.comment_id is not None:
        q = q.where(comments.c.id == target.comment_id)
    else:
        q = q.select_from(comments.join(inputs, inputs.c.id == comments.c.input_id)).where(
            comments.c.ext_id == target.ext_id)
        if target.site is not None:
            q = q.where(inputs.c.site == target.site)
        q = q.order_by(comments.c.id.desc()).limit(1)
    row = conn.execute(q).mappings().first()
    if row is None:
        hint = ("" if target.comment_id is not None else
                "; a comment gets an id in the store when it is audited or scored through /v1/score by a "
                "service started with --store")
        raise DecisionError(404, f"{target.describe()}: no such comment in the store{hint}")
    return row


def _replayed(conn: Connection, key: str, digest: str) -> list[dict] | None:
    """The decisions stored under an Idempotency-Key, if any; DecisionError 409 if they were another request."""
    rows = conn.execute(select(decisions).where(decisions.c.idempotency_key == key)
                        .order_by(decisions.c.request_item)).mappings().all()
    if not rows:
        return None
    if rows[0]["request_sha256"] != digest:
        raise DecisionError(409, "this Idempotency-Key was already used for a different request; "
                                 "use a new key for a new decision")
    return [decision_out(r) for r in rows]


def record(conn: Connection, items: Sequence[NewDecision], idempotency_key: str | None = None,
           digest: str | None = None, key_id: str | None = None) -> tuple[list[dict], bool]:
    """Store decisions in one transaction; returns them and whether they are a replay of an earlier request.

    All or nothing: an unknown comment in the list stores none of them. A
    concurrent request with the same key loses the race on the unique
    (key, item) constraint and answers with the winner's decisions.
    """
    try:
        with conn.begin():
            if idempotency_key is not None and (done := _replayed(conn, idempotency_key, digest)) is not None:
                return done, True
            stamp, out = now("milliseconds"), []   # decisions made within a second stay apart
            for i, item in enumerate(items):
                target = _resolve(conn, item.target)
                values = {"comment_id": target["id"], "action": item.action, "moderator": item.moderator,
                          "key_id": key_id, "decided_at": stamp, "model_version": target["model_version"],
                          "idempotency_key": idempotency_key, "request_item": i if idempotency_key else None,
                          "request_sha256": digest if idempotency_key else None,
                          **{lab: VERDICTS[item.labels.get(lab)] for lab in LABELS}}
                new_id = conn.execute(insert(decisions).values(values)).inserted_primary_key[0]
                out.append(decision_out({**values, "id": new_id, "undoes": None}))
            return out, False
    except IntegrityError:
        if idempotency_key is None:
            raise
        with conn.begin():
            done = _replayed(conn, idempotency_key, digest)
        if done is None:
            raise
        return done, True


def undo(conn: Connection, decision_id: int, moderator: str, key_id: str | None = None) -> tuple[dict, bool]:
    """Cancel a decision with an undo row; returns it and whether it already existed (undo is idempotent)."""
    def existing() -> Mapping | None:
        """The undo row already cancelling this decision, if any."""
        return conn.execute(select(decisions).where(decisions.c.undoes == decision_id)).mappings().first()

    try:
        with conn.begin():
            target = conn.execute(select(decisions).where(decisions.c.id == decision_id)).mappings().first()
            if target is None:
                raise DecisionError(404, f"decision {decision_id}: no such decision in the store")
            if target["action"] == "undo":
                raise DecisionError(409, f"decision {decision_id} is an undo; it cannot be undone "
                                         "(record a new decision on the comment instead)")
            if (done := existing()) is not None:
                return decision_out(done), True
            values = {"comment_id": target["comment_id"], "action": "undo", "undoes": decision_id,
                      "moderator": moderator, "key_id": key_id, "decided_at": now("milliseconds"),
                      "model_version": target["model_version"], **{lab: None for lab in LABELS}}
            new_id = conn.execute(insert(decisions).values(values)).inserted_primary_key[0]
            return decision_out({**values, "id": new_id}), False
    except IntegrityError:          # a concurrent undo of the same decision won
        with conn.begin():
            done = existing()
        if done is None:
            raise
        return decision_out(done), True


# --------------------------------------------------------------------------- reading

def live_decisions():
    """Decisions that count: not undo rows, and not undone by one."""
    undo_rows = decisions.alias("undo_rows")
    return and_(decisions.c.action != "undo", ~exists().where(undo_rows.c.undoes == decisions.c.id))


def reviewed_ids():
    """SQL subquery: the ids of the comments with a decision in force.

    Not correlated with the comments being filtered, so the database computes
    this small set once and probes it, instead of running a subquery per comment
    (which made the queue over 100,000 comments several times slower).
    """
    return select(decisions.c.comment_id).where(live_decisions())


def latest_decisions(conn: Connection, batch: int = 5000) -> Iterator[Mapping[str, Any]]:
    """For each comment with a decision in force, that decision with the comment's text, site and input.

    Streams rows (text, site, input path and id, comment id, per-label verdicts as True/False/None, action,
    moderator, decided_at, the version of the model that scored it), oldest comment first.
    """
    ranked = (select(decisions.c.id, func.row_number().over(partition_by=decisions.c.comment_id,
                                                             order_by=decisions.c.id.desc()).label("rank"))
              .where(live_decisions()).subquery())
    q = (select(comments.c.id.label("comment_id"), comments.c.text, comments.c.input_id, inputs.c.site,
                inputs.c.path, *[decisions.c[lab] for lab in LABELS], decisions.c.action, decisions.c.moderator,
                decisions.c.decided_at, decisions.c.model_version, decisions.c.id.label("decision_id"))
         .select_from(ranked.join(decisions, decisions.c.id == ranked.c.id)
                      .join(comments, comments.c.id == decisions.c.comment_id)
                      .join(inputs, inputs.c.id == comments.c.input_id))
         .where(ranked.c.rank == 1).order_by(comments.c.id))
    for part in conn.execution_options(yield_per=batch).execute(q).mappings().partitions():
        yield from part
