"""The embedding-and-rerank services (issue 13): Voyage AI (``voyage``), Jina AI (``jina``),
Hugging Face Text Embeddings Inference (``tei``) and Hugging Face's hosted feature-extraction
(``hf_inference``). One package: they share the vector and rerank decoding and two error shapes
(``_common``); each module is one dialect with its own ``DIALECT``. None has chat."""
