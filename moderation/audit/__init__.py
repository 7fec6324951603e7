"""The batch audit: folders of pages and comment exports -> a store of scored comments -> ranked reports.

`pipeline.py` runs an audit (discover inputs, score in order, commit per file),
`store.py` is the database, `report.py` renders report.html, flagged.csv and results.jsonl.
"""
