"""When ``AsyncDriver`` may send a plain call's first attempt itself instead of through the flow.

``operations.base.flow`` builds ``send_flow``'s retry loop for most calls; for a call whose
credential is static (``auth.apply``) and whose timeout has no total deadline, that loop's first
step is always the same: copy the request, apply the credential, send it with the call's
timeout, and hand back a 2xx answer as it came. The async driver does that step inline (issue
17: the flow's generator, its ``Send`` and the driver loop were a measurable share of a call's
own CPU at high concurrency) and gives the flow the outcome of anything else. This module holds
the one test of the shape of the flow that this relies on; ``tests/test_async_fast.py`` holds
the inline first attempt to what the flow would have sent for every provider.
"""

from __future__ import annotations

from llmkit._resolve import Resolved


def one_send(r: Resolved) -> bool:
    """Whether the resolved call's flow is ``send_flow`` ending on a 2xx as it came: not a job
    (``follow_up``: create, then poll), and no provider check of a 2xx body (``in_body_status``)."""
    if getattr(r.dialect, "follow_up", None) is not None:
        return False
    quirks = r.spec.quirks
    return quirks is None or quirks.in_body_status is None
