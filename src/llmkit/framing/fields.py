"""HTTP field syntax: which header names and values can be framed into a request as they are.

Pure code both transports run before sending, so a header that httpx2 would refuse and aiohttp
would send (or one that would split the header section) fails the same way on either side.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from llmkit.errors import ConfigurationError

__all__ = ["check_headers"]

# RFC 9110 field names are tokens; values are visible ASCII, spaces and tabs: never CR, LF or
# NUL (which would end the header and let the next bytes be read as another one), and no
# non-ASCII text, which httpx2 refuses and aiohttp would send as UTF-8, so it is refused on both.
_BAD_NAME = re.compile(r"[^!#$%&'*+\-.^_`|~0-9A-Za-z]")
_BAD_VALUE = re.compile(r"[^\t\x20-\x7e]")
_GOOD_NAMES: set[str] = set()


def check_headers(headers: Mapping[str, str]) -> None:
    """ConfigurationError, before any network, for a header that cannot be sent as it is."""
    # One pass over all names and one over all values keeps the common (valid) case cheap. Two C
    # string tests stand in for the value pattern when they can decide: ASCII and printable is
    # exactly \x20-\x7e (a tab, the one other allowed character, falls to the pattern). A set of
    # joined names already found valid (names only: never values, which hold credentials) spares
    # the name pattern for the few header sets a client sends.
    try:
        names, values = "".join(headers), "".join(headers.values())
        if (values.isascii() and values.isprintable()) or _BAD_VALUE.search(values) is None:
            if names in _GOOD_NAMES:
                return
            if _BAD_NAME.search(names) is None:
                if len(_GOOD_NAMES) < 256:
                    _GOOD_NAMES.add(names)
                return
    except TypeError:  # a non-str name or value: found and named below
        pass
    for name, value in headers.items():
        if not isinstance(name, str) or not name or _BAD_NAME.search(name):
            raise ConfigurationError(
                f"header name {name!r} is not a valid HTTP field name "
                "(letters, digits and !#$%&'*+-.^_`|~ only)"
            )
        if not isinstance(value, str) or _BAD_VALUE.search(value):
            # The value is never shown: it may be a credential (a key read with its trailing newline).
            raise ConfigurationError(
                f"the value of header {name!r} contains a line break, a control character or a "
                "non-ASCII character; strip it (an API key read from a file often ends in a newline)"
            )
