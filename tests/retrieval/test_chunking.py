import pandas as pd
import pytest

from shipml.retrieval.chunking import by_heading, by_sentences, by_words, sentences

SECTIONS = pd.DataFrame({
    "section_id": ["a#one", "a#two", "a#empty"], "doc": ["a"] * 3, "title": ["One", "Two", "Empty"],
    "text": [" ".join(f"w{i}." if i % 7 == 6 else f"w{i}" for i in range(250)),
             "A short one. With two sentences.\n\n- and a list item", ""],
})


def _restored(bodies: list[str], overlap_words: list[int]) -> list[str]:
    words: list[str] = []
    for body, overlap in zip(bodies, [0] + overlap_words):
        words += body.split()[overlap:]
    return words


@pytest.mark.parametrize("chunker", [by_words, by_sentences, by_heading])
def test_every_chunk_starts_with_its_heading_and_ids_are_unique(chunker):
    chunks = chunker(SECTIONS)
    assert chunks["chunk_id"].is_unique
    assert all(text.startswith(f"{title}\n\n") for text, title in zip(chunks["text"], chunks["title"]))
    assert "a#empty" not in set(chunks["section_id"])


def test_fixed_windows_lose_no_words_and_keep_their_size():
    chunks = by_words(SECTIONS, size=40, overlap=10)
    one = chunks[chunks["section_id"] == "a#one"]["body"].tolist()
    assert max(len(b.split()) for b in one) <= 40
    assert _restored(one, [10] * (len(one) - 1)) == SECTIONS["text"][0].split()


def test_sentence_windows_lose_no_words_and_keep_their_size():
    chunks = by_sentences(SECTIONS, size=30, overlap=1)
    one = chunks[chunks["section_id"] == "a#one"]["body"].tolist()
    assert max(len(b.split()) for b in one) <= 30
    # consecutive chunks share whole sentences: drop the words the next chunk repeats
    words = one[0].split()
    for body in one[1:]:
        new = body.split()
        shared = next(k for k in range(len(new), -1, -1) if k == 0 or words[-k:] == new[:k])
        words += new[shared:]
    assert words == SECTIONS["text"][0].split()


def test_by_heading_keeps_a_section_whole_unless_told():
    assert len(by_heading(SECTIONS)) == 2
    assert by_heading(SECTIONS, max_words=100)["body"].str.split().str.len().max() == 100


def test_sentences_split_at_ends_blank_lines_and_list_items():
    assert sentences("It works. It returns 422!\n\n- a list item") == ["It works.", "It returns 422!",
                                                                       "- a list item"]
    assert sentences("") == []


def test_bad_settings_get_a_sentence():
    with pytest.raises(ValueError, match="overlap is a number of words"):
        by_words(SECTIONS, size=10, overlap=10)
    with pytest.raises(ValueError, match="lacks"):
        by_words(pd.DataFrame({"x": [1]}))
