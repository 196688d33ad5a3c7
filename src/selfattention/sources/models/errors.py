"""The refusals of the real-model path, all :class:`~selfattention.core.errors.SelfAttentionError`.

>>> issubclass(UnknownModelError, ValueError)
True
"""

from __future__ import annotations

from ...core.errors import InputError, LimitError, SelfAttentionError

__all__ = [
    "CaptureMismatchError",
    "ModelError",
    "ModelInputError",
    "ModelLoadError",
    "TextTooLongError",
    "UnknownModelError",
    "UnsupportedAttentionError",
    "WeightsChecksumError",
]


class ModelError(SelfAttentionError):
    """Something about a real model: its name, its files, its extra, its numbers."""


class UnknownModelError(ModelError):
    """A model name that is not registered and is not a folder either."""


class ModelLoadError(ModelError):
    """A folder or package that cannot be loaded offline, or a missing ``models`` extra."""


class WeightsChecksumError(ModelError):
    """A packaged weights file whose SHA-256 is not the pinned one."""


class ModelInputError(ModelError, InputError):
    """Text, layer, head or query word that do not fit the model."""


class TextTooLongError(ModelInputError, LimitError):
    """Text with more tokens than the model has positions."""


class CaptureMismatchError(ModelError):
    """Weights computed from the captured inputs differ from the model's own by more than the tolerance."""


class UnsupportedAttentionError(ModelError):
    """A model whose attention the interface cannot capture, or that applies something the
    kernel does not (soft-capping, sinks, ...)."""
