"""Training: data pack and labelled files -> augmented rows -> fitted pipeline -> model file + manifest.

Needs the `[train]` extra (word vectors, the safetext word list); scoring never imports this package.
"""
