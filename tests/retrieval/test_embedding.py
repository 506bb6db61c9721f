import numpy as np
import pytest

from shipml.retrieval.embedding import DIMENSIONS, embed, embed_with_stats, load_embedder


@pytest.fixture(scope="module")
def model():
    return load_embedder("cpu")


def test_vectors_are_unit_length_and_meaningful(model):
    vectors = embed(["The server answers 422 to a bad request.", "A malformed request is refused.",
                     "Bananas are yellow."], model)
    assert vectors.shape == (3, DIMENSIONS) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_the_cache_reembeds_only_changed_texts(model, tmp_path):
    first, stats = embed_with_stats(["alpha", "beta"], model, cache_dir=tmp_path)
    assert stats == {"hits": 0, "misses": 2}
    again, stats = embed_with_stats(["alpha", "gamma", "beta"], model, cache_dir=tmp_path)
    assert stats == {"hits": 2, "misses": 1}
    assert np.array_equal(again[[0, 2]], first)


def test_bad_input_gets_a_sentence(model):
    with pytest.raises(TypeError, match="wrap a single text"):
        embed("one text", model)
    assert embed([], model).shape == (0, DIMENSIONS)
