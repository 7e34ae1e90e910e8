"""The secret registry (``llmkit._redact``): every registered secret is scrubbed wherever it sits
in a text, the registry is bounded (least recently registered forgotten first), and it is safe
to register and scrub from many threads at once. The well-known key shapes stay masked.

Cost (O(length of text), whatever the number of secrets) is measured, not asserted:
``benchmarks/redact_registry.py``."""

from __future__ import annotations

import random
import secrets
import string
import threading
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmkit import _redact
from llmkit._redact import MASK, redact_text, redact_url, register_secret


@pytest.fixture
def registry() -> Iterator[_redact._Registry]:
    """A private registry in place of the process-wide one, restored afterwards."""
    saved = _redact._registry
    _redact._registry = _redact._Registry(_redact.MAX_SECRETS)
    yield _redact._registry
    _redact._registry = saved


ALPHABET = string.ascii_letters + string.digits + "-_.~+/=:@ \n\"'{}"


@settings(max_examples=300, deadline=None)
@given(
    found=st.lists(st.text(ALPHABET, min_size=6, max_size=60), min_size=1, max_size=40),
    noise=st.lists(st.text(ALPHABET, max_size=30), min_size=1, max_size=10),
    seed=st.integers(0, 2**32),
)
def test_every_registered_secret_is_scrubbed(found: list[str], noise: list[str], seed: int) -> None:
    reg = _redact._Registry(1000)
    for s in found:
        reg.add(s)
    rng = random.Random(seed)
    pieces = noise + found + [s[: len(s) // 2] for s in found]  # halves must not confuse the scan
    rng.shuffle(pieces)
    out = reg.scrub("".join(pieces))
    for s in found:
        assert s not in out


@pytest.mark.parametrize("count", [1, 10, 100, 5000])
def test_scrubbed_at_any_offset_and_count(registry: _redact._Registry, count: int) -> None:
    registry.capacity = max(count, registry.capacity)
    made = [f"tok_{secrets.token_urlsafe(random.randint(3, 40))}" for _ in range(count)]
    for s in made:
        register_secret(s)
    for s in random.sample(made, min(count, 50)):
        for pad in range(9):  # every residue of the scan's window width
            text = "x" * pad + s + "y" * pad
            assert redact_text(text) == "x" * pad + MASK + "y" * pad


def test_overlapping_and_nested_secrets_merge_into_one_mask(registry: _redact._Registry) -> None:
    register_secret("abcdefghij")
    register_secret("ghijklmnop")
    register_secret("cdefgh")
    assert redact_text("[abcdefghijklmnop]") == f"[{MASK}]"


def test_bounded_least_recently_registered_forgotten_first(registry: _redact._Registry) -> None:
    registry.capacity = 100
    keep = "long-lived-key-" + secrets.token_hex(8)
    register_secret(keep)
    rotated = [f"rotated-token-{i:06d}-{secrets.token_hex(6)}" for i in range(1000)]
    for i, token in enumerate(rotated):
        register_secret(token)
        if i % 50 == 0:
            register_secret(keep)  # in use: registered again, so kept
    assert len(registry) == 100
    assert keep in registry and rotated[0] not in registry and rotated[-1] in registry
    assert redact_text(rotated[-1]) == MASK and redact_text(rotated[0]) == rotated[0]
    # The index shrinks with the registry: nothing of the evicted tokens is left behind.
    filed = sum(len(b) for ix in registry._indexes.values() for b in ix.windows.values())
    assert filed <= 100 * 8


def test_threads_register_and_scrub_at_once(registry: _redact._Registry) -> None:
    registry.capacity = 3000  # above the 2400 registered: none is evicted while checked
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(300):
                s = f"thread{n}-secret-{i}-{secrets.token_hex(4)}"
                register_secret(s)
                assert s not in redact_text(f"echo: {s}!")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]
    assert len(registry) == 2400


def test_pem_keys_are_scrubbed_line_by_line(registry: _redact._Registry) -> None:
    body = [secrets.token_urlsafe(48)[:64].replace("-", "+").replace("_", "/") for _ in range(3)]
    pem = "-----BEGIN PRIVATE KEY-----\n" + "\n".join(body) + "\n-----END PRIVATE KEY-----\n"
    register_secret(pem)
    escaped = pem.replace("\n", "\\n")  # as a JSON echo writes it
    out = redact_text(f'{{"key": "{escaped}"}}')
    assert not any(line in out for line in body)


def test_short_and_empty_values_are_not_registered(registry: _redact._Registry) -> None:
    for v in ("", None, "abc", "12345"):
        register_secret(v)
    assert len(registry) == 0
    assert redact_text("abc 12345") == "abc 12345"


def test_well_known_shapes_stay_masked(registry: _redact._Registry) -> None:
    assert (
        redact_text("Incorrect API key provided: sk-proj-abcdefgh1234.")
        == f"Incorrect API key provided: {MASK}."
    )
    assert redact_text("key AIza" + "x" * 30) == f"key {MASK}"
    assert redact_text("xai-abcdefgh123") == MASK
    assert redact_text("Authorization: Bearer abc.def.ghi-123") == f"Authorization: Bearer {MASK}"
    assert redact_text("see https://bob:hunter2-pw@host/x") == f"see https://bob:{MASK}@host/x"
    assert redact_url("https://h/x?key=abc&alt=sse") == f"https://h/x?key={MASK}&alt=sse"
