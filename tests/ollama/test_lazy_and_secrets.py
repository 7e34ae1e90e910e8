"""``import llmkit`` loads none of the Ollama modules (they load with the ollama_chat spec), and
a key never shows in an error, its repr or its cause."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest
from _ollama_helpers import MODEL, options

import llmkit
from llmkit.emulator import Emulator
from llmkit.errors import AuthenticationError


def test_import_llmkit_loads_no_ollama_module() -> None:
    code = (
        "import sys, llmkit\n"
        "mods = [m for m in sys.modules if 'ollama' in m or m.endswith('ndjson')]\n"
        "assert not mods, mods\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_refused_key_is_not_in_the_error(emu: Emulator) -> None:
    secret = "ollama-SECRET-5c1d9e7a"
    with pytest.raises(AuthenticationError) as info:
        llmkit.complete(MODEL, "hi", api_key=secret, **options(emu))
    err = info.value
    for text in (str(err), repr(err), repr(err.__cause__), repr(err.__context__), str(pickle.dumps(err))):
        assert secret not in text
