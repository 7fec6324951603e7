#!/usr/bin/env python3
"""Scoring speed on one core, against the obvious alternatives, in one run.

Corpus: at least 10,000 French comments of realistic length (the data pack's
texts; the seed page's lines repeated when the pack is absent). Measured, each
on the same corpus and one core (BLAS, numba and joblib pinned to 1 thread):

* ours: `Moderator.predict_proba` (three labels, fast path), batch throughput
  and single-comment latency (p50, p99);
* ours through the plain scikit-learn pipeline (same model, reference path);
* `alt-profanity-check` `predict_prob` (English word TF-IDF model, one label);
* a French word-list filter (`safetext` lookup);
* a bare `re.findall(r"\\w+", text.lower())` pass: the floor.

Usage: python scripts/bench.py [--n 10000] [--single 2000]
"""
from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS", "LOKY_MAX_CPU_COUNT"):
    os.environ[var] = "1"

import argparse  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def corpus(n: int) -> tuple[list[str], str]:
    from moderation.training.sources import DEFAULT_DATA_DIR, load_pack
    if DEFAULT_DATA_DIR.is_dir():
        texts = load_pack()["text"].tolist()
        rng = np.random.default_rng(0)
        picked = [texts[i] for i in rng.permutation(len(texts))[:n]]
        return picked, f"{len(picked)} comments from the data pack"
    lines = [l for l in (ROOT / "seeds" / "002_2ede61ddf366503b.txt").read_text(encoding="utf-8").split("\n")[13:] if l]
    return (lines * (n // len(lines) + 1))[:n], f"{n} comments: the seed thread repeated (data pack absent)"


def throughput(scorers: dict[str, tuple], rounds: int = 5) -> dict[str, float]:
    """Comments per second of each scorer, best of `rounds`.

    Rounds are interleaved (every scorer once per round) so that drift in the
    machine's speed during the run hits all scorers alike and the ratios hold.
    """
    best = {name: float("inf") for name in scorers}
    for _ in range(rounds):
        for name, (fn, texts) in scorers.items():
            t0 = time.perf_counter()
            fn(texts)
            best[name] = min(best[name], (time.perf_counter() - t0) / len(texts))
    return {name: 1.0 / t for name, t in best.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10000, help="corpus size (default 10000)")
    ap.add_argument("--single", type=int, default=2000, help="comments timed one by one (default 2000)")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    from threadpoolctl import threadpool_limits
    threadpool_limits(1)

    from moderation import Moderator
    texts, what = corpus(args.n)
    print(f"corpus: {what}, mean length {np.mean([len(t) for t in texts]):.0f} characters; one core")
    m = Moderator.load()
    m.predict_proba(texts[:100])                      # compile the numba kernels once
    scorers: dict[str, tuple] = {
        "ours: Moderator.predict_proba (3 labels)": (m.predict_proba, texts),
        "ours through the scikit-learn pipeline (same model)": (m.pipeline.predict_proba,
                                                                texts[: max(1000, args.n // 10)]),
    }
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from profanity_check import predict_prob
            predict_prob(["warm up"])
        scorers["alt-profanity-check predict_prob (1 label)"] = (predict_prob, texts)
    except ImportError:
        print("alt-profanity-check not installed (pip install -e '.[bench]'); skipped")
    from moderation.scoring.lexicon import offensive_words
    words = offensive_words()
    word = re.compile(r"\w+")
    scorers["French word list (safetext words, set lookup)"] = (
        lambda ts: [any(w in words for w in word.findall(t.lower())) for t in ts], texts)
    scorers["floor: re.findall(r'\\w+', text.lower())"] = (lambda ts: [word.findall(t.lower()) for t in ts], texts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = throughput(scorers)

    lat = []
    for t in texts[: args.single]:
        t0 = time.perf_counter()
        m.predict_proba([t])
        lat.append(time.perf_counter() - t0)
    p50, p99 = np.percentile(lat, 50) * 1e3, np.percentile(lat, 99) * 1e3

    ours = results["ours: Moderator.predict_proba (3 labels)"]
    width = max(map(len, results))
    print(f"\n{'scorer':<{width}}  {'comments/s':>11}  {'ours / it':>9}")
    for name, rate in results.items():
        print(f"{name:<{width}}  {rate:>11,.0f}  {ours / rate:>9.2f}")
    print(f"\nours, one comment at a time: p50 {p50:.3f} ms, p99 {p99:.3f} ms over {len(lat)} comments")
    return 0


if __name__ == "__main__":
    sys.exit(main())
