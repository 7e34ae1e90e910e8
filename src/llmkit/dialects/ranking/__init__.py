"""Rerank-only wire formats of the clouds (issue 13): Bedrock's Rerank API
(``bedrock_rerank``), Vertex AI ranking through Discovery Engine (``vertex_ranking``) and NVIDIA
NIM's ranking endpoint (``nim_ranking``). None has chat; each serves the ``rerank`` operation."""
