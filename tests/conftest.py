import os
import shutil
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))

# Debian's Chromium, started once for the whole session: Playwright's sync API allows one
# instance per process, so every browser test (page, report, notebook) shares this one
CHROMIUM = os.environ.get("SELFATTENTION_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

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


# Hypothesis: "ci" (the default) is reproducible and bounded: the same examples on every run,
# no per-example deadline (a shared machine must not turn slowness into failures), and a
# modest example count so the property and fuzz files stay well under a minute.
# HYPOTHESIS_PROFILE=dev explores more (random seeds, more examples) on a workstation.
try:
    from hypothesis import HealthCheck, settings

    settings.register_profile(
        "ci",
        derandomize=True,
        deadline=None,
        max_examples=40,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
        database=None,
    )
    settings.register_profile("dev", deadline=None, max_examples=500, print_blob=True)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
except ImportError:  # pragma: no cover - hypothesis is in the test environment
    pass


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A seeded 2-layer BERT-like model folder (tests/tiny_models.py, no download), built once."""
    pytest.importorskip("transformers")
    from tiny_models import bert_like

    return str(bert_like(tmp_path_factory.mktemp("tiny-bert") / "bert"))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium; the test is skipped when it or Playwright is missing."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (the test extra) is not installed")
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Debian's chromium is not installed ({CHROMIUM}): apt-get install -y chromium (.ci/run does)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
