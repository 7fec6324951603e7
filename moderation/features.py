"""TF-IDF features over word and character n-grams, vectorised across a batch.

`NgramTfidf` is a scikit-learn transformer. Instead of a Python loop per
n-gram (what makes `TfidfVectorizer` slow on character n-grams), it turns a
whole batch into one array of code points and hashes every n-gram with numpy:
a polynomial prefix hash gives any substring's hash in O(1), so character
n-grams, words and word bigrams all come out of a handful of array operations.
Hashed n-grams land in ``2**n_bits`` columns (the hashing trick); columns seen
in fewer than ``min_df`` training documents get IDF 0 and so drop out, like a
pruned vocabulary. Rows are L1-normalised: the norm is then a plain sum over
n-gram occurrences, which is what lets `moderation.model` score a comment as
one gather and one sum, with no per-document grouping.

With ``vectors`` set, each row also carries the sum of its words' pretrained
French word vectors (`moderation.wordvectors`), divided by the same L1 norm.
That keeps the model linear in word counts, so each word's vector part folds
into one weight per label (`NgramTfidf.word_vector_weights`) and costs one
lookup per word at scoring time, while words the training data never showed
still score by their neighbours in the vector space. Only whole words look up
vectors, never character n-grams: they share the hashed columns, and a
character n-gram that collides with a word's column must not carry its vector.

`CueFeatures` counts flagged words: listed insults, second-person address, and
"near insults", words whose vector lies close to one of a short core list of
French insults (`moderation.masking.CORE_INSULTS`). That last cue carries an
insult the data never showed, as long as its vector sits among insults.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .masking import CORE_INSULTS, mask_counts, offensive_words
from .normalise import fold_batch, repair, split_batch

_U64 = np.uint64
_R = 0x100000001B3                       # odd multiplier of the prefix hash
_R_INV = pow(_R, -1, 1 << 64)            # its inverse mod 2**64 makes hashes position-free
_MIX = 0x9E3779B97F4A7C15                # Fibonacci hashing for column selection
_KIND_WORD, _KIND_BIGRAM = 101, 102      # namespaces, so a word never shares a column with a char n-gram
_SEP = "\x00"                            # document separator inside a batch

# word characters of the Basic Multilingual Plane: letters, digits, underscore and the
# masking star (so `u*****` is one word); astral characters (emoji) are not word characters
IS_WORD = np.fromiter((chr(i).isalnum() for i in range(0x10000)), dtype=bool, count=0x10000)
IS_WORD[[ord("_"), ord("*")]] = True

_EMPTY = np.zeros(0, dtype=np.int64)
WORD_LEXICON, WORD_SECOND_PERSON = 1, 2     # bit flags in CueFeatures.word_flags_
# "near insult" bands: cosine similarity of a word's vector to its nearest core insult's vector
NEAR_INSULT_BANDS = (0.5, 0.6, 0.7)
WORD_NEAR_INSULT = (4, 8, 16)
# the word flags CueFeatures counts per comment: their cue names and bits, in column order
FLAG_NAMES = ("insult_words", "second_person", *(f"near_insult_{int(b * 100)}" for b in NEAR_INSULT_BANDS))
FLAG_BITS = np.array((WORD_LEXICON, WORD_SECOND_PERSON) + WORD_NEAR_INSULT, dtype=np.int8)
SECOND_PERSON = ("tu", "toi", "te", "t", "ta", "ton", "tes", "vous", "vos", "votre")


def _powers(base: int, n: int) -> np.ndarray:
    out = np.full(n, base, dtype=_U64)
    out[0] = 1
    with np.errstate(over="ignore"):
        return np.cumprod(out, dtype=_U64)


@dataclass
class Occurrences:
    """Every n-gram occurrence of a batch: its column, document, and [start, end) in the padded text.

    ``word_column``/``word_doc`` repeat the single-word occurrences for the cue
    features and word vectors (``word_start``/``word_end`` their spans, when
    positions were asked for).
    """
    column: np.ndarray
    doc: np.ndarray
    start: np.ndarray
    end: np.ndarray
    word_column: np.ndarray
    word_doc: np.ndarray
    word_start: np.ndarray
    word_end: np.ndarray


class _Hasher:
    """Hashes all n-grams of a batch of normalised texts with array operations."""

    def __init__(self, char_ngrams: tuple[int, int], word_ngrams: tuple[int, int], n_bits: int):
        self.char_ngrams, self.word_ngrams, self.shift = char_ngrams, word_ngrams, _U64(64 - n_bits)
        self._pow = self._pinv = np.ones(1, dtype=_U64)

    def _tables(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        if len(self._pow) < n:
            size = max(n, 2 * len(self._pow))
            self._pow, self._pinv = _powers(_R, size), _powers(_R_INV, size)
        return self._pow, self._pinv

    def _column(self, h: np.ndarray, kind: int) -> np.ndarray:
        with np.errstate(over="ignore"):
            return (((h ^ _U64((kind * 0x2545F4914F6CDD1D) & 0xFFFFFFFFFFFFFFFF)) * _U64(_MIX)) >> self.shift).astype(np.int64)

    def occurrences(self, texts: Sequence[str], positions: bool = False) -> Occurrences:
        padded = [f" {t} " for t in texts]
        big = _SEP.join(padded) + _SEP
        codes = np.frombuffer(big.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        n = len(codes)
        powr, pinv = self._tables(n + 1)
        c64 = codes.astype(_U64)
        prefix = np.zeros(n + 1, dtype=_U64)
        with np.errstate(over="ignore"):
            np.cumsum(c64 * powr[:n], out=prefix[1:])
        is_sep = codes == 0
        doc_of = np.cumsum(is_sep) - is_sep            # document index of each position
        seps = np.concatenate(([0], np.cumsum(is_sep)))
        doc_start = np.concatenate(([0], np.flatnonzero(is_sep) + 1))[:-1]

        cols, docs, starts, ends = [], [], [], []

        def emit(col, doc, a, b):
            cols.append(col); docs.append(doc)
            if positions:
                starts.append(a - doc_start[doc]); ends.append(b - doc_start[doc])

        def span_hash(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            with np.errstate(over="ignore"):
                return (prefix[b] - prefix[a]) * pinv[a]

        lo, hi = self.char_ngrams
        for k in range(lo, hi + 1):
            if n < k:
                break
            a = np.flatnonzero(seps[k:] == seps[:-k])      # windows that cross no separator
            b = a + k
            emit(self._column(span_hash(a, b), k), doc_of[a], a, b)

        word = np.zeros(n, dtype=bool)
        bmp = codes < 0x10000
        word[bmp] = IS_WORD[codes[bmp]]
        edge = np.diff(word.astype(np.int8), prepend=0, append=0)
        w_start, w_end = np.flatnonzero(edge == 1), np.flatnonzero(edge == -1)
        w_hash = span_hash(w_start, w_end)
        w_doc = doc_of[w_start]
        w_col = self._column(w_hash, _KIND_WORD)
        if len(w_start):
            wlo, whi = self.word_ngrams
            if wlo <= 1 <= whi:
                emit(w_col, w_doc, w_start, w_end)
            if wlo <= 2 <= whi and len(w_start) > 1:
                same = np.flatnonzero(w_doc[1:] == w_doc[:-1])
                with np.errstate(over="ignore"):
                    bh = w_hash[same] * _U64(_R) + w_hash[same + 1]
                emit(self._column(bh, _KIND_BIGRAM), w_doc[same], w_start[same], w_end[same + 1])

        cat = lambda parts: np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        ws, we = (w_start - doc_start[w_doc], w_end - doc_start[w_doc]) if positions else (_EMPTY, _EMPTY)
        return Occurrences(cat(cols), cat(docs), cat(starts), cat(ends), w_col, w_doc, ws, we)


def word_columns(words: Sequence[str], n_bits: int) -> np.ndarray:
    """The hashed word column of each entry after our normalisation; -1 if it does not fold to one word."""
    codes, bounds = fold_batch([repair(w) for w in words])
    folded = split_batch(codes, bounds)
    occ = _Hasher((1, 0), (1, 1), n_bits).occurrences(folded, positions=True)
    # keep entries that fold to one token spanning all of it (" token ": it starts at 1)
    n_tokens = np.bincount(occ.word_doc, minlength=len(folded))
    whole = np.zeros(len(folded), dtype=bool)
    whole[occ.word_doc] = (occ.word_start == 1) & (occ.word_end == np.diff(bounds)[occ.word_doc] + 1)
    column = np.full(len(folded), -1, dtype=np.int64)
    column[occ.word_doc] = occ.word_column
    column[(n_tokens != 1) | ~whole] = -1
    return column


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
    from .wordvectors import load_word_vectors

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


def row_norm(idf_sums) -> np.ndarray:
    """What a TF-IDF row is divided by: its summed IDF weights (its L1 norm), 1 for an empty row.

    One definition for the pipeline, the fast path and `explain`, so the three cannot drift apart.
    """
    idf_sums = np.asarray(idf_sums, dtype=np.float64)
    return np.where(idf_sums == 0, 1.0, idf_sums)


class NgramTfidf(TransformerMixin, BaseEstimator):
    """Normalise, hash word and char n-grams, weight by IDF, L1-normalise each row.

    Parameters follow `TfidfVectorizer`: ``char_ngrams`` and ``word_ngrams`` are
    (min_n, max_n) ranges, ``min_df`` prunes rare columns, ``n_bits`` sets the
    hashed width (2**n_bits columns).
    """

    def __init__(self, char_ngrams: tuple[int, int] = (2, 5), word_ngrams: tuple[int, int] = (1, 2),
                 n_bits: int = 20, min_df: int = 2, batch_size: int = 4096,
                 vectors: str | None = None, vector_scale: float = 0.3):
        self.char_ngrams = char_ngrams
        self.word_ngrams = word_ngrams
        self.n_bits = n_bits
        self.min_df = min_df
        self.batch_size = batch_size
        self.vectors = vectors
        self.vector_scale = vector_scale

    @property
    def n_columns(self) -> int:
        return 1 << self.n_bits

    @property
    def n_features_out(self) -> int:
        """Hashed n-gram columns, then the word-vector dimensions (if any)."""
        vecs = getattr(self, "vectors_", None)
        return self.n_columns + (0 if vecs is None else vecs.shape[1])

    def hasher(self) -> _Hasher:
        if getattr(self, "_hasher", None) is None:
            self._hasher = _Hasher(tuple(self.char_ngrams), tuple(self.word_ngrams), self.n_bits)
        return self._hasher

    def _batches(self, texts: Iterable[str]):
        texts = list(texts)
        for i in range(0, len(texts), self.batch_size):
            codes, bounds = fold_batch([repair(t) for t in texts[i:i + self.batch_size]])
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

    def fold(self, coef: np.ndarray) -> np.ndarray:
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
        along = coef[:, self.n_columns:].T * self.vector_scale
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
            norm = row_norm(np.asarray(x.sum(axis=1)).ravel())
            x = sp.diags(1.0 / norm) @ x
            if getattr(self, "vectors_", None) is not None:
                x = sp.hstack([x, self._vector_part(occ, len(batch), norm)])
            blocks.append(x)
        if not blocks:
            return sp.csr_matrix((0, self.n_features_out))
        return sp.vstack(blocks).tocsr()

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_hasher", None)   # power tables are rebuilt on demand
        return state


class CueFeatures(TransformerMixin, BaseEstimator):
    """A few dense cues that TF-IDF rows cannot carry because they are length-normalised.

    Masking artifacts (counted by `moderation.masking`), listed insult words,
    second-person address, near insults (words whose vector is within each
    band of `NEAR_INSULT_BANDS` of a core insult's; only with ``vectors``) and
    exclamation marks; counts are log-scaled so one long comment cannot
    dominate. Words are matched by their hashed column, the same way the fast
    path does, so both compute identical values.

    No shouting cue: in the data pack, writing in capitals goes with hostility
    in one source only (the translated Wikipedia comments, 3 non-hostile rows),
    and many readers of the target sites write every comment in capitals.
    """

    names = ("mask_inner", "mask_edge", "mask_run", *FLAG_NAMES, "exclaim")

    def __init__(self, n_bits: int = 20, vectors: str | None = None):
        self.n_bits = n_bits
        self.vectors = vectors

    def fit(self, texts=None, y=None) -> "CueFeatures":
        flags = np.zeros(1 << self.n_bits, dtype=np.int8)
        for words, flag in ((sorted(offensive_words()), WORD_LEXICON), (SECOND_PERSON, WORD_SECOND_PERSON)):
            columns = word_columns(list(words), self.n_bits)
            flags[columns[columns >= 0]] |= flag
        if self.vectors:
            flags |= self._near_insult_flags()
        self.word_flags_ = flags
        return self

    def _near_insult_flags(self) -> np.ndarray:
        """Per column, the band bits of its word's cosine similarity to the nearest core insult."""
        index, vectors = vector_columns(self.vectors, self.n_bits)
        unit = vectors.astype(np.float64)
        unit /= np.maximum(np.linalg.norm(unit, axis=1, keepdims=True), 1e-12)
        columns = word_columns(sorted(CORE_INSULTS), self.n_bits)
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
        repaired = [repair(t) for t in texts]
        codes, bounds = fold_batch(repaired)
        normalised = split_batch(codes, bounds)
        occ = _Hasher((1, 0), (1, 1), self.n_bits).occurrences(normalised)
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
