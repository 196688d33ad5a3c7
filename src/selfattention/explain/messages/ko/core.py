"""한국어, the refusals raised in core/ and record/."""

from __future__ import annotations

__all__ = ["ERRORS"]

ERRORS: dict[str, str] = {}
