"""The model's features: TF-IDF over word and character n-grams, word vectors, and a few cues.

`NgramTfidf` is a scikit-learn transformer over the columns `hashing` computes.
Columns seen in fewer than ``min_df`` training documents get IDF 0 and so drop
out, like a pruned vocabulary. Rows are L1-normalised: the norm is then a plain
sum over n-gram occurrences, which is what lets `moderation.scoring.fast`
score a comment as one gather and one sum, with no per-document grouping.

With ``vectors`` set, each row also carries the sum of its words' pretrained
French word vectors (read at training time by `moderation.training.wordvectors`),
divided by the same L1 norm. That keeps the model linear in word counts, so each
word's vector part folds into one weight per label and costs one lookup per word
at scoring time, while words the training data never showed still score by
their neighbours in the vector space. Only whole words look up vectors, never
character n-grams: they share the hashed columns, and a character n-gram that
collides with a word's column must not carry its vector.

`CueFeatures` counts masking artifacts, flagged words (listed insults and
"near insults", words whose vector lies close to one of a short core list of
French insults (`lexicon/core_insults.txt`). That last cue carries an insult the
data never showed, as long as its vector sits among insults.
"""
from __future__ import annotations

import functools
from typing import Iterable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..wordlists import word_list
from .hashing import NgramHasher, Occurrences, word_columns
from .lexicon import core_insults, offensive_words
from .masking import insult_spellings, mask_counts
from .normalise import fold_batch, prepare_batch, split_batch

WORD_LEXICON, WORD_VIOLENCE, WORD_DEHUMANISING, WORD_VIOLENCE_CALL = 1, 2, 32, 64   # bit flags in CueFeatures.word_flags_
# "near insult" bands: cosine similarity of a word's vector to its nearest core insult's vector
NEAR_INSULT_BANDS = (0.5, 0.6, 0.7)
WORD_NEAR_INSULT = (4, 8, 16)
# the word flags CueFeatures counts per comment: their cue names and bits, in column order
FLAG_NAMES = ("insult_words", "violence_words", *(f"near_insult_{int(b * 100)}" for b in NEAR_INSULT_BANDS),
              "dehumanising_words", "violence_calls")
FLAG_BITS = np.array((WORD_LEXICON, WORD_VIOLENCE) + WORD_NEAR_INSULT + (WORD_DEHUMANISING, WORD_VIOLENCE_CALL),
                     dtype=np.int8)
MASK_CUES = ("mask_inner", "mask_edge", "mask_run")

@functools.lru_cache(maxsize=2)
def vector_columns(package: str, n_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Column -> row of the returned vectors for every word of the vector vocabulary (-1: none).

    Vocabulary words go through our own normalisation, so they land in the
    columns our tokens hash to; when several fold together (or collide), the
    lower-case spelling and then the most frequent (lowest row) wins. Returns
    only the vectors some column uses, as float32 (callers must not modify them).
    Cached (the only cache of the vector files): the tokens and cues of a training run, and the
    several models an evaluation trains, read the 500,000-word vocabulary once.
    """
    from ..training.wordvectors import load_word_vectors

    words, rows, vectors = load_word_vectors(package)
    order = np.lexsort((rows, np.array([w != w.lower() for w in words])))
    rows = rows[order]
    column = word_columns([words[i] for i in order], n_bits)
    keep = np.flatnonzero(column >= 0)
    index = np.full(1 << n_bits, -1, dtype=np.int32)
    cols = column[keep]
    first = np.unique(cols, return_index=True)[1]          # first (best) word per column
    used, remap = np.unique(rows[keep][first], return_inverse=True)
    index[cols[first]] = remap
    return index, vectors[used]


def row_norm(idf_sums, prior_mass: float) -> np.ndarray:
    """What a TF-IDF row is divided by: its summed IDF weights (its L1 norm) plus the prior mass.

    The prior mass is a virtual "no evidence" token present in every comment (its own column,
    ``prior_mass / norm``): a long comment is scored by its words, a short one partly and an empty
    one wholly by that token's learnt weight, so a comment of function words alone scores the
    model's prior instead of whatever its one character n-gram weighed. One definition for the
    pipeline, the fast path and `explain`, so the three cannot drift apart.
    """
    norm = np.asarray(idf_sums, dtype=np.float64) + prior_mass
    return np.where(norm == 0, 1.0, norm)


class NgramTfidf(TransformerMixin, BaseEstimator):
    """Normalise, hash word and char n-grams, weight by IDF, L1-normalise each row.

    Parameters follow `TfidfVectorizer`: ``char_ngrams`` and ``word_ngrams`` are
    (min_n, max_n) ranges, ``min_df`` prunes rare columns, ``n_bits`` sets the
    hashed width (2**n_bits columns).
    """

    def __init__(self, char_ngrams: tuple[int, int] = (2, 5), word_ngrams: tuple[int, int] = (1, 2),
                 n_bits: int = 20, min_df: int = 2, batch_size: int = 4096,
                 vectors: str | None = None, vector_scale: float = 0.3, prior_mass: float = 0.0):
        self.char_ngrams = char_ngrams
        self.word_ngrams = word_ngrams
        self.n_bits = n_bits
        self.min_df = min_df
        self.batch_size = batch_size
        self.vectors = vectors
        self.vector_scale = vector_scale
        self.prior_mass = prior_mass

    @property
    def n_columns(self) -> int:
        return 1 << self.n_bits

    @property
    def n_vector_columns(self) -> int:
        vecs = getattr(self, "vectors_", None)
        return 0 if vecs is None else vecs.shape[1]

    @property
    def n_features_out(self) -> int:
        """Hashed n-gram columns, then the word-vector dimensions (if any), then the prior column (if any)."""
        return self.n_columns + self.n_vector_columns + (1 if self.prior_mass else 0)

    def hasher(self) -> NgramHasher:
        if getattr(self, "_hasher", None) is None:
            self._hasher = NgramHasher(tuple(self.char_ngrams), tuple(self.word_ngrams), self.n_bits)
        return self._hasher

    def _batches(self, texts: Iterable[str]):
        texts = list(texts)
        for i in range(0, len(texts), self.batch_size):
            codes, bounds = fold_batch(prepare_batch(texts[i:i + self.batch_size])[1])
            yield i, split_batch(codes, bounds)

    def fit(self, texts: Iterable[str], y=None) -> "NgramTfidf":
        df = np.zeros(self.n_columns, dtype=np.int64)
        n_docs = 0
        index, vectors = vector_columns(self.vectors, self.n_bits) if self.vectors else (None, None)
        used = np.zeros(0 if vectors is None else len(vectors))
        for _, batch in self._batches(texts):
            occ = self.hasher().occurrences(batch)
            pairs = np.unique(occ.doc * self.n_columns + occ.column)
            df += np.bincount(pairs % self.n_columns, minlength=self.n_columns)
            n_docs += len(batch)
            if vectors is not None:
                rows = index[occ.word_column]
                used += np.bincount(rows[rows >= 0], minlength=len(vectors))
        idf = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
        idf[df < self.min_df] = 0.0
        self.idf_ = idf
        self.n_documents_ = n_docs
        self.vector_index_, self.vectors_ = index, None
        if vectors is not None:
            # centred on the training text's average word vector: an empty comment (no words) then
            # sits at the average rather than far off along the direction all vectors share
            mean = used @ vectors.astype(np.float64) / max(used.sum(), 1.0)
            self.vectors_ = (vectors - mean).astype(np.float16)
        return self

    def _vector_part(self, occ: Occurrences, n_docs: int, norm: np.ndarray) -> sp.csr_matrix:
        """Per document: its words' vectors summed (every word whose column has one) / norm."""
        rows = self.vector_index_[occ.word_column]
        has = rows >= 0
        used, col = np.unique(rows[has], return_inverse=True)    # only the vectors this batch uses
        counts = sp.csr_matrix((np.ones(len(col)), (occ.word_doc[has], col)), shape=(n_docs, len(used)))
        summed = counts @ self.vectors_[used].astype(np.float64)
        return sp.csr_matrix(summed * (self.vector_scale / norm)[:, None])

    def column_weights(self, coef: np.ndarray) -> np.ndarray:
        """(n_columns, n_labels): IDF x coefficient, what one occurrence of each column adds to a logit x norm.

        ``coef`` holds the labels' coefficients over this transformer's output columns.
        """
        check_is_fitted(self, "idf_")
        return (coef[:, :self.n_columns] * self.idf_).T

    def word_vector_weights(self, coef: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """What one occurrence of a word adds to each logit x norm through its vector.

        Returns (``vector_index_``, (n_vectors, n_labels) weights): a word in
        column c adds ``weights[vector_index_[c]]`` when that index is >= 0.
        Without vectors, an empty index and no weights.
        """
        check_is_fitted(self, "idf_")
        n_labels = coef.shape[0]
        if getattr(self, "vectors_", None) is None:
            return np.zeros(0, dtype=np.int32), np.zeros((0, n_labels))
        along = coef[:, self.n_columns:self.n_columns + self.n_vector_columns].T * self.vector_scale
        weights = np.empty((len(self.vectors_), n_labels))
        for a in range(0, len(self.vectors_), 2048):         # in slices: no float64 copy of all vectors
            weights[a:a + 2048] = self.vectors_[a:a + 2048].astype(np.float64) @ along
        return self.vector_index_, weights

    def transform(self, texts: Iterable[str]) -> sp.csr_matrix:
        check_is_fitted(self, "idf_")
        blocks = []
        for _, batch in self._batches(texts):
            occ = self.hasher().occurrences(batch)
            x = sp.csr_matrix((self.idf_[occ.column], (occ.doc, occ.column)),
                              shape=(len(batch), self.n_columns))
            x.sum_duplicates()
            norm = row_norm(np.asarray(x.sum(axis=1)).ravel(), self.prior_mass)
            parts = [sp.diags(1.0 / norm) @ x]
            if getattr(self, "vectors_", None) is not None:
                parts.append(self._vector_part(occ, len(batch), norm))
            if self.prior_mass:
                parts.append(sp.csr_matrix((self.prior_mass / norm)[:, None]))
            blocks.append(sp.hstack(parts).tocsr())
        if not blocks:
            return sp.csr_matrix((0, self.n_features_out))
        return sp.vstack(blocks).tocsr()

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_hasher", None)   # power tables are rebuilt on demand
        return state


class CueFeatures(TransformerMixin, BaseEstimator):
    """A few dense cues that TF-IDF rows cannot carry because they are length-normalised.

    Masking artifacts (counted by `moderation.scoring.masking` on the repaired text:
    the only features `masked` is scored from, and never seen by insult or
    hostility), listed insult words, listed words of violence and expulsion, listed verb forms that call
    for or wish violence ("tuez", "périssent": reports use other forms), listed nouns that
    dehumanise (vermin, disease, animals: "sont des cafards"), near insults (words whose vector is within
    each band of `NEAR_INSULT_BANDS` of a core insult's; only with ``vectors``) and
    exclamation marks; counts are log-scaled so one long comment cannot
    dominate. Words are matched by their hashed column, the same way the fast
    path does, so both compute identical values. No shouting cue: many readers of
    the target sites write every comment in capitals.
    """

    names = (*MASK_CUES, *FLAG_NAMES, "exclaim")

    def __init__(self, n_bits: int = 20, vectors: str | None = None):
        self.n_bits = n_bits
        self.vectors = vectors

    def fit(self, texts=None, y=None) -> "CueFeatures":
        flags = np.zeros(1 << self.n_bits, dtype=np.int8)
        for words, bit in ((offensive_words() | set(insult_spellings().values()), WORD_LEXICON),
                           (word_list(__package__, "violence_words"), WORD_VIOLENCE),
                           (word_list(__package__, "dehumanising_words"), WORD_DEHUMANISING),
                           (word_list(__package__, "violence_calls"), WORD_VIOLENCE_CALL)):
            columns = word_columns(sorted(words), self.n_bits)
            flags[columns[columns >= 0]] |= bit
        if self.vectors:
            flags |= self._near_insult_flags()
        self.word_flags_ = flags
        return self

    def _near_insult_flags(self) -> np.ndarray:
        """Per column, the band bits of its word's cosine similarity to the nearest core insult."""
        index, vectors = vector_columns(self.vectors, self.n_bits)
        unit = vectors.astype(np.float64)
        unit /= np.maximum(np.linalg.norm(unit, axis=1, keepdims=True), 1e-12)
        columns = word_columns(sorted(core_insults()), self.n_bits)
        seeds = index[columns[columns >= 0]]
        nearest = (unit @ unit[np.unique(seeds[seeds >= 0])].T).max(axis=1)
        flags = np.zeros(1 << self.n_bits, dtype=np.int8)
        has = np.flatnonzero(index >= 0)
        for band, bit in zip(NEAR_INSULT_BANDS, WORD_NEAR_INSULT):
            flags[has[nearest[index[has]] >= band]] |= bit
        return flags

    def transform(self, texts: Iterable[str]) -> sp.csr_matrix:
        check_is_fitted(self, "word_flags_")
        texts = list(texts)
        n = len(texts)
        repaired, prepared = prepare_batch(texts)
        codes, bounds = fold_batch(prepared)
        normalised = split_batch(codes, bounds)
        occ = NgramHasher((1, 0), (1, 1), self.n_bits).occurrences(normalised)
        flags = self.word_flags_[occ.word_column]
        # per comment: how many of its words carry each flag (the fast path counts the same in its kernel)
        counts = np.column_stack([np.bincount(occ.word_doc, (flags & bit) > 0, minlength=n) for bit in FLAG_BITS])
        exclaim = np.array([t.count("!") for t in normalised], dtype=float)
        return sp.csr_matrix(cue_matrix(repaired, counts, exclaim))


def cue_matrix(repaired: Sequence[str], flag_counts, exclaim) -> np.ndarray:
    """Turn raw per-comment counts into the cue feature values both scoring paths use.

    ``flag_counts`` is (n, len(FLAG_BITS)): the words carrying each flag, per comment.
    """
    n = len(repaired)
    masks = np.zeros((n, 3))
    for i, r in enumerate(repaired):
        if "*" in r:
            masks[i] = mask_counts(r)
    return np.column_stack([np.log1p(masks), np.log1p(np.asarray(flag_counts, dtype=float)),
                            np.log1p(exclaim)])
