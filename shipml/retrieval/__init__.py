"""Stage 11, retrieval: an assistant that answers from this book, offline, with evidence and measured quality.

    shipml.retrieval.corpus      the book's chapters and front matter, split into sections at their headings
    shipml.retrieval.questions   the labelled question set (questions.yaml): sections, answer spans, dev/test split
    shipml.retrieval.chunking    chunkers (by heading, fixed words with overlap, sentence windows); the sentence splitter
    shipml.retrieval.metrics     recall@k, reciprocal rank, nDCG@k by hand (checked against trec_eval)
    shipml.retrieval.embedding   the packaged MiniLM, offline; embeddings cached by content hash
    shipml.retrieval.lexical     BM25 with bm25s
    shipml.retrieval.dense       exact cosine search with NumPy
    shipml.retrieval.fusion      hybrid retrieval by reciprocal rank fusion
    shipml.retrieval.answer      the extractive answer with citations and abstention; exact match and token F1
    shipml.retrieval.guardrails  personal data redacted before indexing; prompts that keep sources as data
    shipml.retrieval.generator   an optional OpenAI-compatible chat-completions client, its reply checked
    shipml.retrieval.assistant   hybrid retrieval and the extractive answer together, saved as a folder
    shipml.retrieval.service     the /ask endpoint on chapter 7's server pattern, as a real process
"""
