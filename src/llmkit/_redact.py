"""Keep credentials out of messages, reprs and logs.

Two layers: every credential llmkit resolves or derives is remembered (by value) and
scrubbed from any text that becomes an error message or body excerpt; and a
few well-known key shapes are masked even if they were never registered
(a provider echoing "Incorrect API key provided: sk-...", say, or a URL's
``user:password@``).

The registry is bounded and thread-safe: it keeps the ``MAX_SECRETS`` most recently
registered values (re-registering a value refreshes it), so a long-running process
that rotates tokens does not grow it forever. Scrubbing costs O(length of the text),
whatever the number of registered secrets: each secret is indexed by a few of its
``k``-character substrings, chosen so that any occurrence of it covers one of them at a
text offset that is a multiple of ``k``; a scan then looks up only every ``k``-th window of
the text and checks the few candidates found there.
"""

from __future__ import annotations

import base64
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping

MASK = "***"

# Headers whose values are credentials, lower-case.
SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "x-api-key",
        "api-key",
        "x-goog-api-key",
        "x-amz-security-token",
        "cookie",
        "set-cookie",
        "modal-key",
        "modal-secret",
        "ocp-apim-subscription-key",
        "api-subscription-key",  # Sarvam AI
    }
)

# How many secrets the registry keeps (least recently registered are forgotten first).
MAX_SECRETS = 4096
# Shorter values are not credentials worth scrubbing (and would mask ordinary words).
MIN_SECRET_LENGTH = 6

_PATTERNS = re.compile(
    r"(?:sk-[A-Za-z0-9_\-]{8,}|xai-[A-Za-z0-9]{8,}|AIza[0-9A-Za-z_\-]{20,}"
    r"|(?<=Bearer )[A-Za-z0-9._\-~+/]{8,}=*)"
)
# A URL's userinfo password: scheme://user:PASSWORD@host.
_USERINFO = re.compile(r"(://[^\s/@:?#]*:)[^\s/@?#]+(?=@)")

# Up to this many secrets, a plain search per secret (C speed) beats the windowed scan.
_FEW = 16

# Window widths, widest first: a secret of length m goes to the widest k with m >= 2k - 1.
_WIDTHS = (8, 4, 3)


def _width(length: int) -> int:
    for k in _WIDTHS:
        if length >= 2 * k - 1:
            return k
    return _WIDTHS[-1]


class _Index:
    """Secrets of one window width ``k``: window text -> [(secret, offset of the window in it)]."""

    __slots__ = ("entries", "k", "windows")

    def __init__(self, k: int) -> None:
        self.k = k
        self.windows: dict[str, list[tuple[str, int]]] = {}
        self.entries: dict[str, list[str]] = {}  # secret -> the windows it was filed under

    def add(self, secret: str) -> None:
        k, windows, chosen = self.k, self.windows, []
        # For each residue r of the offset mod k, one window at an offset r, r + k, ...: any
        # occurrence of the secret then has one of them at a text offset that is a multiple of k.
        # The least shared window is taken, so common prefixes ("sk-proj-") do not pile up.
        for r in range(k):
            offsets = range(r, len(secret) - k + 1, k)
            best = min(offsets, key=lambda o: len(windows.get(secret[o : o + k], ())))
            window = secret[best : best + k]
            windows.setdefault(window, []).append((secret, best))
            chosen.append(window)
        self.entries[secret] = chosen

    def remove(self, secret: str) -> None:
        for window in self.entries.pop(secret, ()):
            bucket = self.windows.get(window)
            if bucket is None:
                continue
            bucket[:] = [e for e in bucket if e[0] != secret]
            if not bucket:
                del self.windows[window]

    def spans(self, text: str, out: list[tuple[int, int]]) -> None:
        k, get, n = self.k, self.windows.get, len(text)
        for j in range(0, n - k + 1, k):
            bucket = get(text[j : j + k])
            if bucket is None:
                continue
            for secret, offset in bucket:
                start = j - offset
                if start >= 0 and text.startswith(secret, start):
                    out.append((start, start + len(secret)))


class _Registry:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._lock = threading.Lock()
        self._order: OrderedDict[str, None] = OrderedDict()
        self._indexes = {k: _Index(k) for k in _WIDTHS}

    def add(self, secret: str) -> None:
        with self._lock:
            if secret in self._order:
                self._order.move_to_end(secret)
                return
            self._order[secret] = None
            self._indexes[_width(len(secret))].add(secret)
            while len(self._order) > self.capacity:
                old, _ = self._order.popitem(last=False)
                self._indexes[_width(len(old))].remove(old)

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, secret: object) -> bool:
        return secret in self._order

    def clear(self) -> None:
        with self._lock:
            self._order.clear()
            self._indexes = {k: _Index(k) for k in _WIDTHS}

    def scrub(self, text: str) -> str:
        spans: list[tuple[int, int]] = []
        with self._lock:
            if not self._order:
                return text
            if len(self._order) <= _FEW:
                for secret in self._order:
                    at = text.find(secret)
                    while at >= 0:
                        spans.append((at, at + len(secret)))
                        at = text.find(secret, at + 1)
            else:
                for index in self._indexes.values():
                    if index.entries:
                        index.spans(text, spans)
        if not spans:
            return text
        spans.sort()
        parts: list[str] = []
        last = 0
        for start, end in spans:
            if end <= last:
                continue  # inside a span already masked
            if start >= last:
                parts += (text[last:start], MASK)
            last = end  # a span overlapping the previous one extends its mask
        parts.append(text[last:])
        return "".join(parts)


_registry = _Registry(MAX_SECRETS)

# PEM armour lines are not secret; the base64 lines between them are.
_PEM_LINE = re.compile(r"[A-Za-z0-9+/=]{16,}")


def register_secret(value: str | None) -> None:
    """Remember a credential so later error text can be scrubbed of it.

    A multi-line value (a PEM private key) is also remembered line by line, since an echo
    may carry it re-wrapped or JSON-escaped (``\\n`` for each newline)."""
    if not value or not isinstance(value, str) or len(value) < MIN_SECRET_LENGTH:
        return
    _registry.add(value)
    if "\n" in value:
        for line in _PEM_LINE.findall(value):
            _registry.add(line)


def redact_text(text: str) -> str:
    text = _PATTERNS.sub(MASK, _registry.scrub(text))
    text = _B64_RUN.sub(_encoded_secret, text) if len(_registry) else text
    return _USERINFO.sub(r"\1" + MASK, text) if "@" in text else text


# A run that may be base64 (standard or URL-safe, padded or not) of text holding a secret: a
# server echoing the Authorization header encoded, a Basic credential, a JSON blob of headers.
_B64_RUN = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
_B64_TO_STANDARD = str.maketrans("-_", "+/")


def _encoded_secret(m: re.Match[str]) -> str:
    """The run masked whole if, decoded from any of the four character offsets, it holds a
    registered secret (the run may start mid-group when it is glued to the text before it)."""
    run = m.group(0)
    core = run.rstrip("=").translate(_B64_TO_STANDARD)
    decoded = []
    for start in range(4):
        piece = core[start:]
        # The last group may be partial (unpadded, or cut off by the text): decode what it holds.
        extra = len(piece) % 4
        piece = piece[:-1] if extra == 1 else piece + "=" * ((4 - extra) % 4)
        try:
            decoded.append(base64.b64decode(piece, validate=True).decode("latin-1"))
        except ValueError:
            continue
    # One scrub for the four readings (NUL-separated: no secret holds a NUL).
    joined = "\0".join(decoded)
    return MASK if _registry.scrub(joined) != joined else run


_SECRET_QUERY = re.compile(
    r"([?&](?:key|api_key|api-key|apikey|token|access_token|sig|signature|x-amz-signature"
    r"|x-amz-security-token|x-amz-credential|code)=)[^&#]*",
    re.IGNORECASE,
)


def redact_url(url: str) -> str:
    """The URL with credential-bearing query values and userinfo passwords masked."""
    return redact_text(_SECRET_QUERY.sub(r"\1" + MASK, url))


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Credential headers masked by name; any other value scrubbed of registered secrets and
    key shapes (a caller's gateway may take its key in a header of its own naming)."""
    return {
        k: (MASK if k.lower() in SENSITIVE_HEADERS else redact_text(v) if isinstance(v, str) else v)
        for k, v in headers.items()
    }


def exception_text(exc: BaseException, headers: Mapping[str, str] | None) -> str:
    """An HTTP library's exception message with the request's header values masked (a library may
    quote the request it failed on, credentials included); for both transports."""
    text = str(exc)
    for value in (headers or {}).values():
        if len(value) >= 6 and value in text:
            text = text.replace(value, "***")
    return text


def mask(value: str | None) -> str:
    """A repr-safe stand-in for a secret: never more than its last two characters."""
    if not value:
        return "None"
    return f"'{MASK}{value[-2:]}'" if len(value) > 12 else f"'{MASK}'"


def redact_location(location: str) -> str:
    """A Location header fit for a message: no query or fragment (a redirect to a signed or
    pre-authorised URL carries its token there), no userinfo password, and a bounded length."""
    base, sep, _ = location.partition("?")
    if not sep:
        base, sep, _ = location.partition("#")
    # A token can sit in the path too (a pre-signed download, a session id) and llmkit never
    # saw it to register it: long token-like runs of a path segment are masked by their shape.
    scheme, slashes, rest = base[:300].partition("://")
    if not slashes:  # a relative Location: all path
        scheme, rest = "", scheme
    authority, slash, path = rest.partition("/")
    path = _PATH_TOKEN.sub(MASK, path)
    shown = redact_url(f"{scheme}{slashes}{authority}{slash}{path}") + ("?***" if sep else "")
    return "".join(ch if ch.isprintable() else "?" for ch in shown)


# As long as no path segment of a provider's API (model names included) is, and as API keys,
# session ids and signatures are: 24+ characters with no '/' or ';'.
_PATH_TOKEN = re.compile(r"[A-Za-z0-9_.~+=-]{24,}")
