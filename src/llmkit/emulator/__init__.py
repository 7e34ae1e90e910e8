"""A local emulator of provider APIs, for tests, demos and offline development.

from llmkit.emulator import Emulator, Script
with Emulator() as emu:
    emu.script(Script(text="hello"))
    llmkit.complete("openai/gpt-4o-mini", "hi", base_url=emu.base_url("openai"), api_key="test")
"""

from __future__ import annotations

from llmkit.emulator.profiles import PROFILES, Profile, add_profile
from llmkit.emulator.script import Script, ScriptedCall, ScriptedError
from llmkit.emulator.server import Emulator, EmuRequest, Reply, UnknownProfileError, json_reply

__all__ = [
    "PROFILES",
    "EmuRequest",
    "Emulator",
    "Profile",
    "Reply",
    "Script",
    "ScriptedCall",
    "ScriptedError",
    "UnknownProfileError",
    "add_profile",
    "json_reply",
]
