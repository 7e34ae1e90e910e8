"""Image generation's public types: ``Images``, ``GeneratedImage``, and how an image is fetched.

Light at import (dataclasses only). ``GeneratedImage.data`` holds the bytes when the provider sent
them (base64 or a raw body); an image the provider returned as a URL has ``data`` None until
``fetch()`` (or ``generate_image(..., fetch=True)``) reads it. A fetch goes only to the host in
that URL, over https, follows a redirect only on that same host, and is size-capped like every
response (``Client(max_response_bytes=...)``); it carries no credential.

Progress: an operation that waits on a provider-side job (a Replicate prediction) reports each
status it sees to the callback set with ``on_progress`` (the ``llmkit image`` CLI's indicator).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, cast
from urllib.parse import urlsplit

from llmkit.errors import ConfigurationError, RedirectError
from llmkit.types import FinishReason, Usage
from llmkit.wire import DEFAULT_IMAGE_FETCHER

if TYPE_CHECKING:
    from llmkit.catalog import Cost, CostUnavailable
    from llmkit.wire import HttpRequest, HttpResponse

__all__ = [
    "GeneratedImage",
    "ImageInput",
    "Images",
    "InputImage",
    "Progress",
    "on_progress",
    "sniff_mime_type",
]

# What ``image=`` and ``mask=`` take: the bytes, or a path to read them from.
ImageInput = bytes | str | os.PathLike[str]

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def sniff_mime_type(data: bytes, default: str = "application/octet-stream") -> str:
    """The image type its first bytes say (PNG, JPEG, GIF, WebP), or ``default``."""
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return default


_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpeg", "image/webp": "webp", "image/gif": "gif"}


@dataclass(frozen=True, slots=True)
class InputImage:
    """An image given to an edit or a variation: its bytes, type and a filename for multipart."""

    data: bytes
    mime_type: str
    filename: str

    def __repr__(self) -> str:
        return f"InputImage({self.filename!r}, {self.mime_type}, {len(self.data)} bytes)"

    @classmethod
    def of(cls, value: ImageInput, name: str) -> InputImage:
        """From bytes or a path (read here, before anything is sent); a typed error otherwise."""
        if isinstance(value, bytes | bytearray):
            data = bytes(value)
            filename = None
        elif isinstance(value, str | os.PathLike):
            path = os.fspath(value)
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError as exc:
                raise ConfigurationError(f"{name}: cannot read {path!r} ({exc.strerror})") from None
            filename = os.path.basename(path)
        else:
            raise ConfigurationError(f"{name} must be bytes or a file path, not {type(value).__name__}")
        if not data:
            raise ConfigurationError(f"{name} is empty")
        mime = sniff_mime_type(data)
        return cls(data, mime, filename or f"{name}.{_EXTENSIONS.get(mime, 'bin')}")


@dataclass(slots=True)
class GeneratedImage:
    """One generated image. ``data`` is the bytes (None for a URL not yet fetched); ``url`` is set
    when the provider answered with one; ``seed``, ``revised_prompt`` (the prompt the model
    actually used) and ``raw_finish_reason`` when the provider reports them."""

    data: bytes | None
    mime_type: str | None = None
    url: str | None = None
    seed: int | None = None
    revised_prompt: str | None = None
    finish_reason: FinishReason = FinishReason.STOP
    raw_finish_reason: str | None = None
    # What fetch() reads through; None: the default fetcher (llmkit._fetch, the default size cap).
    _fetcher: ImageFetcher | None = field(default=None, repr=False, compare=False)

    def __repr__(self) -> str:
        what = f"{len(self.data)} bytes" if self.data is not None else f"url={_short(self.url)}"
        return f"GeneratedImage({self.mime_type}, {what}, finish_reason={self.finish_reason.value})"

    @property
    def filtered(self) -> bool:
        return self.finish_reason is FinishReason.CONTENT_FILTER

    def fetch(self) -> bytes:
        """The image's bytes: ``data`` if present, else read from ``url`` (sets ``data``)."""
        if self.data is None:
            url = self._need_url()
            fetcher = _fetcher_for(self)
            self.data, mime = fetcher.fetch(url)
            self.mime_type = self.mime_type or mime
        return self.data

    async def afetch(self) -> bytes:
        """``fetch`` on the running event loop (aiohttp)."""
        if self.data is None:
            url = self._need_url()
            fetcher = _fetcher_for(self)
            self.data, mime = await fetcher.afetch(url)
            self.mime_type = self.mime_type or mime
        return self.data

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the bytes to ``path`` (fetching a URL image first). An existing file is
        replaced; a directory, a missing folder or an unwritable path is a ConfigurationError
        (no folder is created)."""
        data = self.fetch()
        try:
            with open(path, "wb") as f:
                f.write(data)
        except OSError as exc:
            raise ConfigurationError(
                f"cannot save the image to {os.fspath(path)!r} ({exc.strerror or type(exc).__name__})"
            ) from None

    def _need_url(self) -> str:
        if self.url is None:
            raise ConfigurationError("this image has neither bytes nor a URL to fetch them from")
        return self.url


def _short(url: str | None) -> str:
    # A signed URL's query is a credential (Azure SAS, S3 signatures): never shown.
    return "None" if url is None else url.split("?", 1)[0]


@dataclass(slots=True)
class Images:
    """What ``generate_image`` returns: ``images`` in order, the provider's ``usage`` (token-billed
    models; zeros otherwise) and its ``raw`` answer (bodies' image bytes included as sent)."""

    images: list[GeneratedImage]
    model: str
    provider: str
    usage: Usage = field(default_factory=Usage)
    raw: Any = None

    def __repr__(self) -> str:
        return f"Images(provider={self.provider!r}, model={self.model!r}, images={self.images!r})"

    @property
    def cost(self) -> Cost | None:
        """What the generation cost (by image tokens where billed so, else per image), or None
        when unknown (:attr:`cost_reason` says why)."""
        c = self._cost()
        return cast("Cost", c) if c else None

    @property
    def cost_reason(self) -> str | None:
        c = self._cost()
        return None if c else cast("CostUnavailable", c).reason

    def _cost(self) -> Cost | CostUnavailable:
        from llmkit.catalog import image_cost

        return image_cost(f"{self.provider}/{self.model}", self.usage, len(self.images))

    def __len__(self) -> int:
        return len(self.images)

    def __iter__(self) -> Iterator[GeneratedImage]:
        return iter(self.images)

    def __getitem__(self, i: int) -> GeneratedImage:
        return self.images[i]

    @property
    def data(self) -> bytes | None:
        """The first image's bytes (the common single-image case)."""
        return self.images[0].data if self.images else None


# ---------------------------------------------------------------- fetching

# Loopback hosts a test may allow over plain http (``allow_loopback_http_for_tests``); never
# anything else. Off unless a test turns it on in-process.
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_allow_loopback_http = False
MAX_FETCH_REDIRECTS = 3


def allow_loopback_http_for_tests(allow: bool = True) -> None:
    """Test hook: let ``fetch`` read ``http://127.0.0.1``/``localhost`` URLs (the emulator's).
    Process-wide; nothing in llmkit calls it."""
    global _allow_loopback_http
    _allow_loopback_http = allow


# A host as DNS names are written on the wire (an IDN arrives punycoded), an optional port: no
# userinfo, backslash, percent-escape or other character two URL parsers could read two ways.
_PLAIN_NETLOC = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?"
)


def plain_host(netloc: str) -> bool:
    """Whether a URL's authority is only a plain host (and port): what a credential or a fetch
    may be sent to."""
    return _PLAIN_NETLOC.fullmatch(netloc) is not None


def fetch_request(url: str) -> HttpRequest:
    """The GET for an image URL, refused unless it is https (or loopback http in tests)."""
    from llmkit.wire import HttpRequest

    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        host = None
    if (
        host is None
        or parts.username is not None
        or parts.password is not None
        or not plain_host(parts.netloc)
    ):
        raise ConfigurationError(f"the image URL {_short(url)!r} has no plain host to fetch from")
    if parts.scheme != "https" and not (
        _allow_loopback_http and parts.scheme == "http" and host in _LOOPBACK
    ):
        raise ConfigurationError(f"an image is fetched only over https, not from {_short(url)!r}")
    return HttpRequest("GET", url, {"accept": "image/*"})


def next_hop(url: str, resp: HttpResponse) -> str | None:
    """After a fetch's response: None when it is the image, the next URL for a same-host
    redirect; a RedirectError for one to another host (or scheme)."""
    if resp.status not in (301, 302, 303, 307, 308):
        return None
    from urllib.parse import urljoin

    target = urljoin(url, resp.headers.get("location") or "")
    a, b = urlsplit(url), urlsplit(target)
    if (a.scheme, a.hostname, a.port) != (b.scheme, b.hostname, b.port):
        raise RedirectError(
            f"the image URL redirects to another host ({b.hostname}); not followed",
            status_code=resp.status,
        )
    return target


def fetched(url: str, resp: HttpResponse) -> tuple[bytes, str]:
    """The image bytes and type from the final response, or a typed error."""
    from llmkit.errors import ProviderError, ResponseDecodeError

    if not 200 <= resp.status < 300:
        raise ProviderError(f"fetching the image at {_short(url)!r} failed", status_code=resp.status)
    if not resp.body:
        raise ResponseDecodeError(f"the image at {_short(url)!r} is empty")
    declared = (resp.headers.get("content-type") or "").split(";", 1)[0].strip()
    return resp.body, sniff_mime_type(resp.body, declared or "application/octet-stream")


class ImageFetcher(Protocol):
    """Reads an image URL (``llmkit._fetch.Fetcher``; the drivers' layer registers it, since this
    module sits below the transports)."""

    def fetch(self, url: str) -> tuple[bytes, str]: ...

    async def afetch(self, url: str) -> tuple[bytes, str]: ...


def set_default_fetcher(fetcher: ImageFetcher) -> None:
    """Called by ``llmkit._fetch`` when it loads, and by the drivers (a lazy one) as they load."""
    DEFAULT_IMAGE_FETCHER[:] = [fetcher]


def _fetcher_for(image: GeneratedImage) -> ImageFetcher:
    if image._fetcher is not None:
        return image._fetcher
    if not DEFAULT_IMAGE_FETCHER:  # only for an image made by hand before any client exists
        raise ConfigurationError("no image fetcher is loaded yet: use llmkit.Client (or any call) first")
    return cast(ImageFetcher, DEFAULT_IMAGE_FETCHER[0])


# ---------------------------------------------------------------- progress

Progress = Callable[[str], None]
_PROGRESS: ContextVar[Progress | None] = ContextVar("llmkit_image_progress", default=None)


@contextlib.contextmanager
def on_progress(callback: Progress) -> Iterator[None]:
    """Within this block, a call that waits on a provider-side job passes each status it sees
    (``"starting"``, ``"processing"``, ...) to ``callback``. Context-local (threads, tasks)."""
    token = _PROGRESS.set(callback)
    try:
        yield
    finally:
        _PROGRESS.reset(token)


def report_progress(status: str) -> None:
    """For an operation's flow: hand a pending job's status to the caller's callback, if any."""
    callback = _PROGRESS.get()
    if callback is not None:
        callback(status)
