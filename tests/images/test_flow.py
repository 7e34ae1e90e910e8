"""The generate_image flow on a fake clock, with a stub images dialect (this module is its
dialect module): refused parameters before any request, a pending job polled with the dialect's
delays and progress reported, the deadline cancelling the job, content filtering and keep_filtered,
fetch=True going to the URL without the key. No sockets, no sleeping: the test answers each
action the flow yields, as a driver would."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Generator
from typing import Any

import pytest

import llmkit
from llmkit import dialects, providers
from llmkit._retry import Send, Sleep
from llmkit.dialects.base import CallContext, ChatRequest, ImagePoll, ImageRequest, Quirks
from llmkit.emulator import _images
from llmkit.errors import (
    APITimeoutError,
    ConfigurationError,
    ContentFilteredError,
    ProviderError,
    RedirectError,
)
from llmkit.images import GeneratedImage, Images, on_progress
from llmkit.operations import GENERATE_IMAGE, ClientOptions, ImageParams, Settings, prepare
from llmkit.providers.spec import ProviderSpec
from llmkit.types import FinishReason
from llmkit.wire import HttpRequest, HttpResponse, dumps

BASE = "https://stub.example/v1"


class StubImagesDialect:
    """A job API: POST /jobs answers {"status": ..., "id"}; GET /jobs/{id} until "succeeded"."""

    name = "stub_images"
    options = frozenset({"style_preset"})
    quirks_type = Quirks

    def build_chat(self, req: ChatRequest, ctx: CallContext) -> HttpRequest:
        raise NotImplementedError

    def parse_chat(self, resp: HttpResponse, req: ChatRequest, ctx: CallContext) -> Any:
        raise NotImplementedError

    def stream_decoder(self, req: ChatRequest, ctx: CallContext) -> Any:
        raise NotImplementedError

    def parse_error(self, resp: HttpResponse, ctx: CallContext) -> ProviderError:
        return ProviderError("stub error", status_code=resp.status, provider=ctx.provider)

    def image_parameters(self, model: str, ctx: CallContext) -> frozenset[str]:
        return frozenset({"n", "seed", "image"})

    def build_images(self, req: ImageRequest, ctx: CallContext) -> HttpRequest:
        body = {"prompt": req.prompt, "n": req.n, "seed": req.seed, **req.options}
        return HttpRequest(
            "POST", ctx.base_url + "/jobs", {"content-type": "application/json"}, dumps(body), body
        )

    def parse_images(self, resp: HttpResponse, req: ImageRequest, ctx: CallContext) -> Images | ImagePoll:
        obj = json.loads(resp.body)
        if obj["status"] != "succeeded":
            job = f"{ctx.base_url}/jobs/{obj['id']}"
            return ImagePoll(
                HttpRequest("GET", job), 2.0, obj["status"], HttpRequest("POST", job + "/cancel")
            )
        images = [
            GeneratedImage(
                None if o.get("url") else _images.PNG,
                "image/png",
                o.get("url"),
                finish_reason=FinishReason.CONTENT_FILTER if o.get("nsfw") else FinishReason.STOP,
                raw_finish_reason="nsfw" if o.get("nsfw") else None,
            )
            for o in obj["output"]
        ]
        return Images(images, req.model, ctx.provider, raw=obj)


DIALECT = StubImagesDialect()


@pytest.fixture(scope="module", autouse=True)
def _stub_provider() -> Generator[None, None, None]:
    dialects.register_dialect("stub_images", __name__)
    spec = ProviderSpec(
        name="stub_images",
        dialect="stub_images",
        base_url=BASE,
        env_keys=("STUB_IMAGES_KEY",),
        capabilities=frozenset({"chat", "images"}),
    )
    providers.register(spec)
    yield


def _prepared(fake_now: list[float], **kw: Any) -> Any:
    params = ImageParams(
        "stub_images/m",
        kw.pop("prompt", "a fox"),
        api_key="sk-stub-secret",
        provider_options=kw.pop("opts", {}),
        **kw,
    )
    p = prepare(GENERATE_IMAGE, Settings(ClientOptions()), params)
    p.policy = dataclasses.replace(p.policy, clock=lambda: fake_now[0])
    return p


def _ok(obj: Any) -> HttpResponse:
    return HttpResponse(200, {"content-type": "application/json"}, json.dumps(obj).encode())


def drive(p: Any, answers: list[HttpResponse], now: list[float]) -> tuple[Any, list[Any]]:
    """Run the flow, answering each Send with the next response; Sleep advances the clock."""
    assert GENERATE_IMAGE.run is not None
    flow = GENERATE_IMAGE.run(p)
    seen: list[Any] = []
    result: Any = None
    try:
        action = next(flow)
        while True:
            seen.append(action)
            if isinstance(action, Sleep):
                now[0] += action.seconds
                action = flow.send(None)
            else:
                assert isinstance(action, Send)
                action = flow.send(answers.pop(0))
    except StopIteration as done:
        result = done.value
    return result, seen


def test_an_unsupported_parameter_is_refused_naming_the_supported_ones() -> None:
    with pytest.raises(ConfigurationError) as err:
        _prepared([0.0], size="1024x1024", negative_prompt="blur")
    assert "does not take negative_prompt, size" in str(err.value)
    assert "its image parameters: n, seed, image" in str(err.value)


def test_the_module_function_refuses_before_any_network() -> None:
    # base_url points nowhere that answers: the refusal comes first.
    with pytest.raises(ConfigurationError, match="does not take quality"):
        llmkit.generate_image("stub_images/m", "x", quality="hd", api_key="k", base_url="http://127.0.0.1:9")


def test_pending_job_is_polled_with_progress_then_done() -> None:
    now = [0.0]
    p = _prepared(now, seed=7, opts={"style_preset": "anime"})
    assert p.request.json == {"prompt": "a fox", "n": 1, "seed": 7, "style_preset": "anime"}
    statuses: list[str] = []
    answers = [
        _ok({"status": "starting", "id": "j1"}),
        _ok({"status": "processing", "id": "j1"}),
        _ok({"status": "succeeded", "output": [{}]}),
    ]
    with on_progress(statuses.append):
        out, seen = drive(p, answers, now)
    assert statuses == ["starting", "processing"]
    assert [type(a).__name__ for a in seen] == ["Send", "Sleep", "Send", "Sleep", "Send"]
    assert seen[2].request.url == BASE + "/jobs/j1"
    # The poll is signed like the first request.
    assert seen[2].request.headers["authorization"] == "Bearer sk-stub-secret"
    assert out.images[0].data == _images.PNG and now[0] == 4.0


def test_deadline_cancels_the_job_and_raises_timeout() -> None:
    now = [0.0]
    p = _prepared(now, timeout=llmkit.Timeout(total=5.0))
    answers = [_ok({"status": "processing", "id": "j2"})] * 3 + [_ok({})]
    with pytest.raises(APITimeoutError, match=r"still processing.*cancelled"):
        drive(p, answers, now)
    # Two polls fit in 5 s (at 2 and 4); the third would end past it: cancelled instead.


def test_cancel_is_sent_on_deadline() -> None:
    now = [0.0]
    p = _prepared(now, timeout=llmkit.Timeout(total=3.0))
    flow = GENERATE_IMAGE.run(p)  # type: ignore[misc]
    assert isinstance(next(flow), Send)
    assert isinstance(flow.send(_ok({"status": "processing", "id": "j3"})), Sleep)
    now[0] += 2.0
    poll = flow.send(None)
    cancel = flow.send(_ok({"status": "processing", "id": "j3"}))
    assert isinstance(cancel, Send) and cancel.request.url == BASE + "/jobs/j3/cancel"
    with pytest.raises(APITimeoutError):
        flow.send(_ok({}))
    assert poll.request.method == "GET"


def test_a_filtered_image_raises_unless_kept() -> None:
    done = {"status": "succeeded", "output": [{}, {"nsfw": True}]}
    with pytest.raises(ContentFilteredError, match=r"1 of 2 images were filtered.*keep_filtered=True") as err:
        drive(_prepared([0.0], n=2), [_ok(done)], [0.0])
    assert err.value.error_code == "nsfw"
    out, _ = drive(_prepared([0.0], n=2, keep_filtered=True), [_ok(done)], [0.0])
    assert [i.finish_reason for i in out.images] == [FinishReason.STOP, FinishReason.CONTENT_FILTER]


def test_fetch_true_gets_each_url_without_the_key_and_refuses_other_hosts_redirects() -> None:
    done = {"status": "succeeded", "output": [{"url": "https://cdn.example/a.png?sig=SECRET"}]}
    img = HttpResponse(200, {"content-type": "image/png"}, _images.PNG)
    out, seen = drive(_prepared([0.0], fetch=True), [_ok(done), img], [0.0])
    get = seen[-1].request
    assert get.url == "https://cdn.example/a.png?sig=SECRET" and "authorization" not in get.headers
    assert out.images[0].data == _images.PNG and out.images[0].mime_type == "image/png"
    assert "SECRET" not in repr(out)
    hop = HttpResponse(302, {"location": "https://elsewhere.example/a.png"}, b"")
    with pytest.raises(RedirectError, match="another host"):
        drive(_prepared([0.0], fetch=True), [_ok(done), hop], [0.0])
    same = HttpResponse(302, {"location": "/b.png"}, b"")
    out, seen = drive(_prepared([0.0], fetch=True), [_ok(done), same, img], [0.0])
    assert seen[-1].request.url == "https://cdn.example/b.png"


def test_fetch_refuses_plain_http() -> None:
    done = {"status": "succeeded", "output": [{"url": "http://cdn.example/a.png"}]}
    with pytest.raises(ConfigurationError, match="only over https"):
        drive(_prepared([0.0], fetch=True), [_ok(done)], [0.0])


def test_bad_arguments_are_typed() -> None:
    for kw in ({"n": 0}, {"n": 11}, {"seed": -1}, {"strength": 2}, {"mask": b"x"}, {"size": ""}):
        with pytest.raises(ConfigurationError):
            _prepared([0.0], **kw)
    with pytest.raises(ConfigurationError, match="cannot read"):
        _prepared([0.0], image="/nonexistent/x.png")
    with pytest.raises(ConfigurationError, match="must be bytes or a file path"):
        _prepared([0.0], image=3)
