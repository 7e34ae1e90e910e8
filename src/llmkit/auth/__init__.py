"""Request authentication: pure signers and token flows (no I/O here)."""
