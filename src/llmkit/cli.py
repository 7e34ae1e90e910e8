"""The ``llmkit`` command: demo, chat, image, embed, rerank, models, providers, emulator serve, docs."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from llmkit._docgen import END, START, orphan_pages, provider_rows, providers_markdown, render_docs

__all__ = ["END", "START", "main", "provider_rows", "providers_markdown", "render_docs"]


def _print(text: str = "", end: str = "\n") -> None:
    sys.stdout.write(text + end)
    sys.stdout.flush()


def cmd_demo(args: argparse.Namespace) -> int:
    import llmkit
    from llmkit.emulator import Emulator, Script, ScriptedCall, ScriptedError

    model = "openai/gpt-4o-mini"
    with (
        Emulator() as emu,
        llmkit.Client(api_key="demo-key-not-secret", base_url=emu.base_url("openai")) as client,
    ):
        _print(
            f"llmkit {llmkit.__version__} demo, against the built-in emulator at {emu.url}"
            " (no key, no network)\n"
        )

        _print("1. A completion")
        c = client.complete(model, [{"role": "user", "content": "What is llmkit?"}])
        _print(f"   text:   {c.text}")
        _print(
            f"   usage:  {c.usage.input_tokens} in / {c.usage.output_tokens} out; finish: {c.finish_reason}\n"
        )

        _print("2. A stream, printed as it arrives")
        emu.script(Script(text="Streaming works token by token, and the stream keeps the whole answer too.",
                          chunk_delay=0.02))  # fmt: skip
        _print("   ", end="")
        with client.stream(model, "Stream something") as stream:
            for text in stream.text_stream():
                _print(text, end="")
        _print(
            f"\n   accumulated: {len(stream.completion.text)} characters,"
            f" {stream.completion.usage.total_tokens} tokens\n"
        )

        _print("3. A tool call, from a plain Python function")

        def get_weather(city: str, unit: str = "celsius") -> str:
            """Get the current weather in a city.

            Args:
                city: The city name.
                unit: celsius or fahrenheit.
            """
            return f"18 degrees {unit} and sunny in {city}"

        emu.script(Script(tool_calls=[ScriptedCall("get_weather", {"city": "Lisbon"}, "call_demo")]))
        messages: list[Any] = [{"role": "user", "content": "What's the weather in Lisbon?"}]
        c = client.complete(model, messages, tools=[get_weather])
        call = c.tool_calls[0]
        _print(f"   the model asks: {call.name}({call.arguments})")
        result = get_weather(**call.arguments)
        messages += [c.message, {"role": "tool", "tool_call_id": call.id, "content": result}]
        final = client.complete(model, messages, tools=[get_weather])
        _print(f"   tool result:    {result}")
        _print(f"   final answer:   {final.text}\n")

        _print("4. Structured output from a JSON schema")
        schema = {
            "type": "object",
            "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
            "required": ["city", "population"],
            "additionalProperties": False,
        }
        emu.script(Script(json={"city": "Lisbon", "population": 545923}))
        c = client.complete(model, "Largest city in Portugal?", response_format=schema)
        _print(f"   parsed: {c.parsed}\n")

        _print("5. An embedding")
        e = client.embed("openai/text-embedding-3-small", ["hello world", "bonjour le monde"], dimensions=4)
        _print(f"   {len(e.vectors)} vectors of {len(e.vectors[0])} floats; first: {e.vectors[0]}\n")

        _print("6. A typed error")
        emu.script(*[Script(error=ScriptedError(429, "Rate limit reached", code="rate_limit_exceeded",
                                                headers={"retry-after": "0.01"}))] * 3)  # fmt: skip
        try:
            client.complete(model, "hi", max_retries=2)
        except llmkit.errors.RateLimitError as exc:
            _print(f"   {type(exc).__name__} after {exc.attempts} attempts: {exc}")
    _print(
        "\nDone. Next: `llmkit providers`, or point llmkit.complete at a real provider with its API key set."
    )
    return 0


def _fail(message: str, code: int = 2) -> int:
    """One clear line on stderr, no traceback."""
    sys.stderr.write(f"llmkit: error: {message}\n")
    return code


def _read_prompt(args: argparse.Namespace) -> str:
    prompt = " ".join(args.prompt)
    if not prompt.strip() and not sys.stdin.isatty():  # piped in: `echo hi | llmkit chat -m ...`
        prompt = sys.stdin.read()
    return prompt


def cmd_chat(args: argparse.Namespace) -> int:
    import llmkit

    prompt = _read_prompt(args)
    if not prompt.strip():
        return _fail('empty prompt: pass it as arguments (llmkit chat -m MODEL "Hello") or on standard input')
    messages: list[dict[str, str]] = []
    if args.system:
        messages.append({"role": "system", "content": args.system})
    messages.append({"role": "user", "content": prompt})
    try:
        with llmkit.stream(
            args.model, messages, base_url=args.base_url, max_tokens=args.max_tokens
        ) as stream:
            for text in stream.text_stream():
                _print(text, end="")
        _print()
    except llmkit.LLMKitError as exc:
        return _fail(str(exc), 1)
    except KeyboardInterrupt:  # Ctrl-C mid-answer: stop quietly, as a shell command does
        _print()
        return 130
    # On stderr, so that stdout holds the answer alone (`llmkit chat ... > answer.txt`).
    u = stream.completion.usage
    sys.stderr.write(
        f"[{args.model}: {u.input_tokens} input + {u.output_tokens} output = {u.total_tokens} tokens]\n"
    )
    return 0


def image_paths(output: str, count: int) -> list[Path]:
    """Where ``llmkit image -o OUT`` writes: OUT for one image; ``OUT-1.ext``, ``OUT-2.ext``, ...
    (the number before the extension) for several."""
    path = Path(output)
    if count == 1:
        return [path]
    return [path.with_name(f"{path.stem}-{i}{path.suffix}") for i in range(1, count + 1)]


class Progress:
    """The indicator ``llmkit image`` shows on stderr while a provider-side job is pending (a
    Replicate prediction): each new status on its own line, and a dot per poll in between.
    Driven through ``llmkit.images.on_progress``; only a job that is polled reports anything,
    and only to a terminal: piped or redirected stderr (a script, a log) gets no indicator."""

    def __init__(self, stream: Any = None, enabled: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty()) if callable(isatty) else False
        self.enabled = enabled
        self.last: str | None = None

    def __call__(self, status: str) -> None:
        if not self.enabled:
            return
        if status != self.last:
            self.stream.write(("\n" if self.last is not None else "") + f"[{status}] ")
            self.last = status
        else:
            self.stream.write(".")
        self.stream.flush()

    def done(self) -> None:
        if self.last is not None:
            self.stream.write("\n")
            self.stream.flush()


_IMAGE_ARGS = (
    "size",
    "aspect_ratio",
    "negative_prompt",
    "seed",
    "output_format",
    "quality",
    "style",
    "strength",
)


def cmd_image(args: argparse.Namespace) -> int:
    import llmkit
    from llmkit.images import on_progress

    prompt = _read_prompt(args)
    if not prompt.strip() and not args.image:
        return _fail(
            'empty prompt: pass it as arguments (llmkit image -m MODEL "a red fox") or on standard input'
        )
    kwargs: dict[str, Any] = {k: getattr(args, k) for k in _IMAGE_ARGS if getattr(args, k) is not None}
    if args.image:
        kwargs["image"] = args.image if len(args.image) > 1 else args.image[0]
    if args.mask:
        kwargs["mask"] = args.mask
    progress = Progress()
    try:
        with on_progress(progress):
            # The user asked for files: URL answers are fetched (https, the provider's host only).
            out = llmkit.generate_image(
                args.model, prompt, n=args.n, base_url=args.base_url, fetch=True,
                keep_filtered=args.keep_filtered, **kwargs,
            )  # fmt: skip
        progress.done()
        paths = image_paths(args.output, len(out.images))
        for path, image in zip(paths, out.images, strict=True):
            if image.data is None:  # kept although filtered
                sys.stderr.write(
                    f"[{path}: filtered by the provider ({image.raw_finish_reason}); not written]\n"
                )
                continue
            image.save(path)
            _print(str(path))
            notes = [f"seed {image.seed}"] if image.seed is not None else []
            if image.revised_prompt:
                notes.append(f"revised prompt: {image.revised_prompt}")
            if notes:
                sys.stderr.write(f"[{path}: {'; '.join(notes)}]\n")
    except llmkit.LLMKitError as exc:
        progress.done()
        return _fail(str(exc), 1)
    except OSError as exc:
        return _fail(f"cannot write the image: {exc}", 1)
    except KeyboardInterrupt:
        progress.done()
        return 130
    return 0


def cmd_providers(args: argparse.Namespace) -> int:
    if args.json:
        _print(json.dumps(provider_rows(), indent=2))
    elif args.markdown:
        _print(providers_markdown(), end="")
    else:
        for r in provider_rows():
            env = ",".join(r["env"] + r["auth_env"]) or "-"
            _print(f"{r['name']:<22} {r['dialect']:<20} {env:<28} {', '.join(r['capabilities'])}")
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    root = Path(args.root)
    readme = root / "README.md"
    try:
        checkout = readme.is_file() and START in readme.read_text(encoding="utf-8")
        if not checkout:
            return _fail(
                f"{root.resolve()} is not an llmkit checkout (no README.md with the provider table); "
                "run `llmkit docs` from the repository root, or pass --root PATH"
            )
        wanted = render_docs(root)
        stale = [p for p, text in wanted.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
        orphans = orphan_pages(root, wanted)
        if not args.check:
            for path in stale:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(wanted[path], encoding="utf-8")
            for path in orphans:  # the page of a provider the registry no longer has
                path.unlink()
    except OSError as exc:
        return _fail(f"cannot update the docs in {root.resolve()}: {exc.strerror or exc}")
    if args.check and (stale or orphans):
        names = [*map(str, stale), *(f"{p} (no such provider)" for p in orphans)]
        shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
        return _fail(f"out of date: {shown}; run `llmkit docs`", 1)
    return 0


def _log_request(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def cmd_emulator(args: argparse.Namespace) -> int:
    from llmkit.emulator import PROFILES, Emulator
    from llmkit.emulator.credentials import describe

    try:
        emu = Emulator(port=args.port, api_key=args.api_key, log=_log_request)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return _fail(f"cannot listen on 127.0.0.1:{args.port}: {reason} (pick another: --port N, 0 = any)", 1)
    try:
        _print(f"llmkit emulator listening on {emu.url} (Ctrl-C stops it); per provider, base_url= and the")
        _print("credentials it accepts:")
        for name in sorted(PROFILES):
            _print(f"  {name:<20} {emu.base_url(name)}")
            _print(f"  {'':<20} {describe(PROFILES[name], emu.url, args.api_key)}")
        _print("One line per request follows on stderr: method, path, status, milliseconds.")
        emu.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
    return 0


def _port(text: str) -> int:
    """A TCP port for argparse: 0 (any free port) to 65535."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (0-65535; 0 picks a free one)")
    return port


def main(argv: Sequence[str] | None = None) -> int:
    from llmkit import __version__

    parser = argparse.ArgumentParser(prog="llmkit", description="One typed API for every LLM provider.")
    parser.add_argument("--version", action="version", version=f"llmkit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="run a tour against the built-in emulator (no key, no network)")
    chat = sub.add_parser("chat", help="stream a reply to a prompt (keys from the environment)")
    chat.add_argument("-m", "--model", required=True, help="provider/model, e.g. openai/gpt-4o-mini")
    chat.add_argument("-s", "--system", help="system prompt")
    chat.add_argument("--base-url", default=None)
    chat.add_argument("--max-tokens", type=int, default=None)
    chat.add_argument("prompt", nargs="*")
    image = sub.add_parser("image", help="generate images from a prompt and write them to files")
    image.add_argument("-m", "--model", required=True, help="provider/model, e.g. openai/gpt-image-1")
    image.add_argument("-o", "--output", default="image.png", help="file to write (several: OUT-1.png, ...)")
    image.add_argument("-n", "--n", type=int, default=1, help="how many images")
    image.add_argument("--size", help="e.g. 1024x1024")
    image.add_argument("--aspect-ratio", dest="aspect_ratio", help="e.g. 16:9")
    image.add_argument("--negative-prompt", dest="negative_prompt")
    image.add_argument("--seed", type=int)
    image.add_argument("--output-format", dest="output_format", help="png, jpeg or webp")
    image.add_argument("--quality")
    image.add_argument("--style")
    image.add_argument("--image", action="append", help="an image to edit (repeat for several)")
    image.add_argument("--mask", help="the mask of an edit")
    image.add_argument("--strength", type=float)
    image.add_argument("--keep-filtered", action="store_true", help="do not fail on filtered images")
    image.add_argument("--base-url", default=None)
    image.add_argument("prompt", nargs="*")
    from llmkit._cli_vectors import add_commands

    vectors: dict[str, Callable[[argparse.Namespace], int]] = add_commands(sub)
    from llmkit._cli_copilot import add_commands as add_login

    vectors.update(add_login(sub))
    from llmkit._cli_models import add_commands as add_models

    vectors.update(add_models(sub))
    prov = sub.add_parser("providers", help="list the providers in the registry")
    prov.add_argument("--json", action="store_true")
    prov.add_argument("--markdown", action="store_true")
    docs = sub.add_parser(
        "docs", help="regenerate the provider pages (docs/providers/), docs/providers.md and the README table"
    )
    docs.add_argument("--check", action="store_true", help="fail if the generated docs are out of date")
    docs.add_argument("--root", default=".")
    emu = sub.add_parser("emulator", help="the local provider emulator")
    emu_sub = emu.add_subparsers(dest="emulator_command", required=True)
    serve = emu_sub.add_parser("serve", help="serve on 127.0.0.1")
    serve.add_argument("--port", type=_port, default=8765, help="0 picks a free port")
    serve.add_argument("--api-key", default=None, help="accept only this key (default: any non-empty key)")
    args = parser.parse_args(argv)
    handlers = {
        "demo": cmd_demo,
        "chat": cmd_chat,
        "image": cmd_image,
        "providers": cmd_providers,
        "docs": cmd_docs,
        "emulator": cmd_emulator,
        **vectors,
    }
    return handlers[args.command](args)


if __name__ == "__main__":
    raise SystemExit(main())
