"""Argument checks for the public calls: cheap type tests, run before anything is built or sent.

A wrong argument is a ``ConfigurationError`` that says what to pass instead, raised before any
network I/O; never a TypeError from deep inside a dialect, nor a request the provider rejects.
Every check is skipped for an argument left at its default (None), so the plain call pays for a
handful of ``is None`` tests.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from llmkit.errors import ConfigurationError


def _kind(value: Any) -> str:
    return type(value).__name__


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and type(value) is not bool and math.isfinite(value)


def is_count(value: Any) -> bool:
    return isinstance(value, int) and type(value) is not bool


def check_api_key(value: Any, name: str = "api_key") -> None:
    if value is not None and type(value) is not str:
        raise ConfigurationError(
            f"{name} must be a string (the key itself), not {_kind(value)}; "
            "leave it out to read the provider's environment variable"
        )


def check_str_map(value: Any, name: str) -> None:
    """A mapping of header names to string values."""
    if value is None:
        return
    if not isinstance(value, Mapping):
        raise ConfigurationError(f"{name} must be a dict of header names to strings, not {_kind(value)}")
    for k, v in value.items():
        if type(k) is not str:
            raise ConfigurationError(f"{name} must map strings to strings; header name {k!r} is {_kind(k)}")
        if type(v) is not str:
            raise ConfigurationError(
                f"{name} must map strings to strings; {k!r} maps to {_kind(v)} (convert the value with str())"
            )


def check_max_retries(value: Any) -> None:
    if value is not None and (not is_count(value) or value < 0):
        raise ConfigurationError(
            f"max_retries must be a non-negative integer (0 turns retries off), not {value!r}"
        )


def check_sampling(temperature: Any, max_tokens: Any, stop: Any) -> None:
    if temperature is not None and (not is_number(temperature) or temperature < 0):
        raise ConfigurationError(
            f"temperature must be a non-negative number such as 0.7, not {temperature!r}"
        )
    if max_tokens is not None and (not is_count(max_tokens) or max_tokens < 1):
        raise ConfigurationError(f"max_tokens must be a positive integer, not {max_tokens!r}")
    if (
        stop is not None
        and type(stop) is not str
        and (not isinstance(stop, (list, tuple)) or not all(type(s) is str for s in stop))
    ):
        raise ConfigurationError(f"stop must be a string or a list of strings, not {stop!r}")


def check_extra(extra_headers: Any, extra_body: Any) -> None:
    check_str_map(extra_headers, "extra_headers")
    if extra_body is not None and not isinstance(extra_body, Mapping):
        raise ConfigurationError(
            f"extra_body must be a dict of fields to merge into the request body, not {_kind(extra_body)}"
        )


def check_model(model: Any) -> None:
    if type(model) is not str:
        raise ConfigurationError(f"model must be a string such as 'openai/gpt-4o-mini', not {_kind(model)}")


def check_embed(inputs: Any, dimensions: Any) -> None:
    if type(inputs) is not str and (
        not isinstance(inputs, (list, tuple)) or not inputs or not all(type(s) is str for s in inputs)
    ):
        raise ConfigurationError(
            f"inputs must be a string or a non-empty list of strings, not {_kind(inputs)}"
        )
    if dimensions is not None and (not is_count(dimensions) or dimensions < 1):
        raise ConfigurationError(f"dimensions must be a positive integer, not {dimensions!r}")
