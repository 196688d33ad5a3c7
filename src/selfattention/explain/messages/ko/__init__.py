"""한국어: every refusal's words, by code (see :mod:`selfattention.explain.messages`), one
module per area of the package.

A value the learner gave is quoted after a colon ("입력 파일이 없습니다: 'x.json'"), so that
no particle has to agree with a word we do not know in advance.
"""

from __future__ import annotations

from collections.abc import Mapping

from . import common, core, server, sources, surfaces

__all__ = ["ERRORS", "ERROR_PREFIX", "WORDS"]

ERROR_PREFIX = "오류"

#: values of a ``{what}`` param
WORDS = {"query": "쿼리", "key": "키", "layer": "레이어", "head": "헤드"}


def _merged(*areas: Mapping[str, str]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for area in areas:
        twice = merged.keys() & area.keys()
        if twice:
            raise RuntimeError(f"Korean error codes given in two areas: {sorted(twice)}")
        merged.update(area)
    return merged


ERRORS = _merged(common.ERRORS, core.ERRORS, server.ERRORS, sources.ERRORS, surfaces.ERRORS)
