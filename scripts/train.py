#!/usr/bin/env python3
"""Rebuild the shipped model from the data pack: `python scripts/train.py [--data DIR] [--extra FILE] [--out PATH]`.

Same options as `moderation train`; deterministic for the same data and library versions.
"""
import sys

from moderation.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]]))
