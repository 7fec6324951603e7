"""The review queue: flagged comments nobody has decided yet, highest score first, and the progress counter.

A comment is flagged at the thresholds the service applies now (its site's when
a thresholds file names the site), not at those of the run that scored it, so
tuning thresholds changes the queue. Filters: one label (that label over its
threshold, ranked by its score), one site, one audit run.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Connection

from ..audit.store import comments, inputs, run_inputs, runs, top_score
from ..labels import LABELS
from ..thresholds import SiteThresholds
from .decisions import reviewed_ids


@dataclass(frozen=True)
class Filters:
    """What part of the queue a moderator works on; None means no restriction."""
    label: str | None = None
    site: str | None = None
    run: int | None = None


def _over(thresholds: Mapping[str, float], labels=LABELS):
    """SQL: some of `labels` at or over its threshold."""
    return or_(*(comments.c[lab] >= thresholds[lab] for lab in labels))


def flagged_condition(thresholds: SiteThresholds, label: str | None = None):
    """SQL: the comment passes its site's threshold for `label` (any label when None)."""
    labels = (label,) if label else LABELS
    own = thresholds.sites()
    parts = [and_(inputs.c.site == site, _over(thresholds.for_site(site), labels)) for site in own]
    default = _over(thresholds.for_site(None), labels)
    parts.append(and_(or_(inputs.c.site.is_(None), inputs.c.site.not_in(own)), default) if own else default)
    return or_(*parts)


def _where(thresholds: SiteThresholds, filters: Filters) -> list:
    """The conditions shared by the queue and its progress: flagged, and the filters."""
    cond = [flagged_condition(thresholds, filters.label)]
    if filters.site is not None:
        cond.append(inputs.c.site == filters.site)
    if filters.run is not None:
        cond.append(inputs.c.id.in_(select(run_inputs.c.input_id).where(run_inputs.c.run_id == filters.run)))
    return cond


def _base(*columns):
    """SELECT columns FROM comments joined to their input (site, path, kind)."""
    return select(*columns).select_from(comments.join(inputs, inputs.c.id == comments.c.input_id))


def ranked_ids(thresholds: SiteThresholds, filters: Filters, limit: int, exclude: tuple[int, ...] = ()):
    """SQL: the ids of the next `limit` flagged comments without a decision, best first (by the top-score
    index when no label is picked: the database reads the top few instead of sorting them all)."""
    rank = comments.c[filters.label] if filters.label else top_score()
    ids = (_base(comments.c.id).where(*_where(thresholds, filters), comments.c.id.not_in(reviewed_ids()))
           .order_by(rank.desc(), comments.c.id).limit(limit))
    return ids.where(comments.c.id.not_in(exclude)) if exclude else ids


def pending(conn: Connection, thresholds: SiteThresholds, filters: Filters, limit: int = 20,
            exclude: tuple[int, ...] = ()) -> list[dict[str, Any]]:
    """The next `limit` flagged comments without a decision in force, highest score first.

    Ranks ids only, then reads the `limit` rows: sorting whole rows (texts
    included) over tens of thousands of flagged comments costs more than the query.
    """
    order = list(conn.execute(ranked_ids(thresholds, filters, limit, exclude)).scalars())
    if not order:
        return []
    q = _base(comments.c.id, comments.c.text, comments.c.ext_id, comments.c.line_first, comments.c.line_last,
              comments.c.dom_path, comments.c.author, comments.c.date, comments.c.url, comments.c.model_version,
              *[comments.c[lab] for lab in LABELS], inputs.c.path, inputs.c.site, inputs.c.kind
              ).where(comments.c.id.in_(order))
    found = {r["id"]: dict(r) for r in conn.execute(q).mappings()}
    return [found[i] for i in order if i in found]


def progress(conn: Connection, thresholds: SiteThresholds, filters: Filters) -> dict[str, int]:
    """How many flagged comments the filters cover and how many of them have a decision in force."""
    where = _where(thresholds, filters)
    total = conn.execute(_base(func.count()).where(*where)).scalar_one()
    reviewed = conn.execute(_base(func.count()).where(*where, comments.c.id.in_(reviewed_ids()))).scalar_one()
    return {"total": int(total), "reviewed": int(reviewed)}


def choices(conn: Connection) -> dict[str, list]:
    """What the filters can pick: the sites in the store and the runs (newest first)."""
    sites = [s for s in conn.execute(select(inputs.c.site).distinct().order_by(inputs.c.site)).scalars()
             if s is not None]
    run_rows = conn.execute(select(runs.c.id, runs.c.started, runs.c.model_version)
                            .order_by(runs.c.id.desc()).limit(200)).mappings()
    return {"labels": list(LABELS), "sites": sites, "runs": [dict(r) for r in run_rows]}
