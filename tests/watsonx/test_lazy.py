"""watsonx loads on its first use only: ``import llmkit`` brings in none of its modules, and a
first ``watsonx/`` resolution loads its spec, dialect and auth (and OpenAI's translation, which
it reuses), and no other provider family."""

from __future__ import annotations

import json
import subprocess
import sys

CODE = """
import json, sys
import llmkit
before = sorted(m for m in sys.modules if "watsonx" in m)
from llmkit._resolve import resolve
resolve("watsonx/ibm/granite", api_key="k", base_url=None, extra_headers=None,
        options={"region": "us-south", "project_id": "p"}, default_keys={}, default_headers={})
after = sorted(m for m in sys.modules if m.startswith("llmkit."))
print(json.dumps({"before": before, "after": after}))
"""


def test_watsonx_modules_load_on_first_use_only() -> None:
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True).stdout
    seen = json.loads(out)
    assert seen["before"] == []
    after = set(seen["after"])
    assert {"llmkit.providers.watsonx", "llmkit.dialects.watsonx", "llmkit.auth.watsonx"} <= after
    others = {"llmkit.providers.anthropic", "llmkit.providers.google", "llmkit.providers.compatible_cloud"}
    assert not others & after
    assert "llmkit.emulator.watsonx" not in after
