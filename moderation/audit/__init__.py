"""The batch audit: folders of pages and comment exports -> a store of scored comments -> ranked reports.

`pipeline.py` runs an audit (discover inputs, score in order, commit per file),
`store.py` is the database, `report.py` renders report.html, flagged.csv and results.jsonl.
`dask_engine.py` runs the same audit on a Dask cluster (`partitions.py` cuts the inputs,
`dask_worker.py` scores a partition on a worker).
"""


class AuditError(RuntimeError):
    """An audit could not finish for a reason other than its input (a cluster that keeps losing workers)."""
