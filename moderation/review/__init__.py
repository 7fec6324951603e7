"""The review loop: moderators' decisions on scored comments, the queue they work through, and the review page.

`decisions.py` records decisions (append-only, idempotent replays) and reads the
latest one per comment; `queue.py` is the queue of flagged comments and its
progress; `routes.py` serves the page (`static/`) and the JSON endpoints.
"""
