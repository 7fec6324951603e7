"""Progress of a long audit: a bar on a terminal, a log line every few seconds otherwise."""
from __future__ import annotations

import sys
import time

LOG_EVERY_S = 5.0


class Progress:
    """A tqdm bar (comments, rate, files) on a terminal; a plain log line every few seconds otherwise.

    `unit` names what `files` counts (the Dask engine counts partitions).
    """

    def __init__(self, n_files: int, stream=None, unit: str = "files"):
        self.stream = stream or sys.stderr
        self.n_files, self.files, self.comments, self.unit = n_files, 0, 0, unit
        self.t0 = self.last = time.monotonic()
        self.bar = None
        if self.stream.isatty():
            from tqdm import tqdm
            self.bar = tqdm(unit=" comments", unit_scale=True, file=self.stream, desc="audit", dynamic_ncols=True)

    def update(self, files: int = 0, comments: int = 0) -> None:
        self.files += files
        self.comments += comments
        if self.bar is not None:
            self.bar.update(comments)
            if files:
                self.bar.set_postfix_str(f"{self.files}/{self.n_files} {self.unit}")
        elif time.monotonic() - self.last >= LOG_EVERY_S:
            self.last = time.monotonic()
            self.log(f"{self.files}/{self.n_files} {self.unit}, {self.comments:,} comments "
                     f"({self.comments / (self.last - self.t0):,.0f}/s)")

    def log(self, message: str) -> None:
        line = f"audit: {message}"
        if self.bar is not None:
            self.bar.write(line, file=self.stream)
        else:
            print(line, file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
