"""The browser tests' shared set-up: one live uvicorn on a free localhost port (the session's
one Chromium is ``browser`` in tests/conftest.py), and a watched page per test that records
console errors and any request that tries to leave localhost.

Nothing here is imported unless a test asks for these fixtures, so the API tests in this folder
run without uvicorn or Playwright. The watched page and the helpers that read the page are in
``browser_pages.py``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from browser_pages import Watched, watch_context


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """The explorer served by uvicorn on 127.0.0.1 (a free port), in a thread of this process."""
    pytest.importorskip("fastapi", reason="the web extra (fastapi) is not installed")
    uvicorn = pytest.importorskip("uvicorn", reason="the web extra (uvicorn) is not installed")
    from selfattention.surfaces.server import create_app
    from selfattention.surfaces.server.hosts import LOCAL_HOSTS

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(list(LOCAL_HOSTS)), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def watched(browser: Any, server_url: str) -> Iterator[Watched]:
    """A 1280 x 900 English page, watched."""
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    yield watch_context(context, server_url)
    context.close()
