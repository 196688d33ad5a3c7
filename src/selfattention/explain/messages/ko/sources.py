"""한국어, the refusals raised in sources/ (models included)."""

from __future__ import annotations

__all__ = ["ERRORS"]

ERRORS: dict[str, str] = {}
