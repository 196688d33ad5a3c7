"""``attn_implementation="selfattention"`` (and ``_reference``, ``_blocked``) for transformers models.

>>> from selfattention.integrations.transformers import KERNELS
>>> sorted(KERNELS)
['selfattention', 'selfattention_blocked', 'selfattention_reference']

See :mod:`selfattention.sources.models.integration`.
"""

from ..sources.models.integration import KERNELS, register, repeat_kv_heads

__all__ = ["KERNELS", "register", "repeat_kv_heads"]
