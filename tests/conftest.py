import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))

# PyTorch's default 2 threads make small operations jitter here; one is steady.
try:
    import torch

    torch.set_num_threads(1)
except ImportError:  # pragma: no cover - torch is in the test environment
    pass


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _english_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI follows the locale (LANG=ko_KR gives Korean); tests choose their language."""
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
