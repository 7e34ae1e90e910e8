"""The embed operation's batch planner: which inputs go in which request. Pure.

A provider's embeddings endpoint caps each request at a number of inputs and, for some, a
number of tokens for all inputs together (``EmbeddingSpec.max_inputs``/``max_tokens``). The
planner cuts the inputs, in order, into consecutive slices under both caps; the flow in
``operations.embed`` sends one request per slice and joins the answers in the same order.

Tokens are estimated without a tokenizer, conservatively: an input's estimate is its UTF-8 byte
count. Every byte-level BPE token (OpenAI, Mistral, Llama, Qwen, ...) and every SentencePiece
piece covers at least one byte, so the count of bytes is never below the count of tokens; the
price is batches smaller than they could be under a token cap (a few per request-size limit,
never a refused request). An input whose estimate alone passes the cap goes in a request of its
own: it may still fit (the estimate is an upper bound), and if not the provider says so, typed.
"""

from __future__ import annotations

from collections.abc import Sequence


def estimate_tokens(text: str) -> int:
    """An upper bound of the tokens ``text`` is, for any byte-level tokenizer (see above)."""
    return len(text.encode("utf-8", "surrogatepass"))


def plan_batches(
    inputs: Sequence[str], max_inputs: int | None, max_tokens: int | None
) -> list[tuple[int, int]]:
    """The inputs as consecutive ``(start, stop)`` slices, each at most ``max_inputs`` long and at
    most ``max_tokens`` estimated tokens (an input over the cap on its own is a slice alone).
    None is no cap. One slice covering everything when nothing needs cutting."""
    n = len(inputs)
    if (max_inputs is None or n <= max_inputs) and max_tokens is None:
        return [(0, n)]
    out: list[tuple[int, int]] = []
    start, tokens = 0, 0
    for i, text in enumerate(inputs):
        cost = estimate_tokens(text) if max_tokens is not None else 0
        full = max_inputs is not None and i - start >= max_inputs
        over = max_tokens is not None and i > start and tokens + cost > max_tokens
        if full or over:
            out.append((start, i))
            start, tokens = i, 0
        tokens += cost
    out.append((start, n))
    return out
