"""한국어, the refusals raised in surfaces/, render/ and explain/."""

from __future__ import annotations

__all__ = ["ERRORS"]

ERRORS: dict[str, str] = {}
