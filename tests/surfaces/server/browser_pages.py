"""Reading the explorer's page as a person sees it: shared by the browser tests (the live
server, the browser and the watched page are fixtures of this folder's conftest.py).

Screenshots are saved under the test's tmp_path; SELFATTENTION_SHOTS=folder keeps copies to
look at."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

SHOTS = os.environ.get("SELFATTENTION_SHOTS")


def open_page(watch: Any, query: str = "") -> Any:
    """The explorer at ``/{query}``, once its first explanation is drawn."""
    page = watch.page
    page.goto(f"{watch.base}/{query}")
    page.wait_for_selector("#steps .step")
    return page


def assert_clean(watch: Any, allowed: tuple[str, ...] = ()) -> None:
    """No console error (but those naming one of ``allowed``) and no request beyond localhost."""
    errors = [e for e in watch.console_errors if not any(a in e for a in allowed)]
    assert errors == [], (errors, watch.refused)
    assert watch.outside == [], watch.outside


def submit_toy_layer(page: Any, text: str, d_model: int, heads: int, seed: int, head: int) -> None:
    """Send ``text`` through the toy layer as a person would: choose the source, fill the form
    and submit it. Skips the test when this server has no toy layer."""
    import pytest

    if not page.evaluate("() => window.selfattentionExplorer.state.info.features.text"):
        pytest.skip("the toy layer (selfattention.sources.pipeline) is not here")
    page.check('input[name="source"][value="text"]')
    page.fill("#text-text", text)
    page.select_option("#text-d-model", str(d_model))
    page.select_option("#text-heads", str(heads))
    page.fill("#text-seed", str(seed))
    page.fill("#text-head", str(head))
    page.click('#text-form button[type="submit"]')


def settle(page: Any) -> None:
    """Wait until the last edit's answer is on the page."""
    page.wait_for_function("() => !window.selfattentionExplorer.state.busy")


def heatmap_weights(page: Any) -> list[list[str]]:
    """The heatmap's cells as read aloud (their aria-label's number, or "blocked")."""
    rows = page.locator("#heatmap g[role=row][data-token]")
    result = []
    for r in range(rows.count()):
        cells = rows.nth(r).locator("g[role=gridcell]")
        result.append([cells.nth(j).get_attribute("aria-label").split(": ")[1] for j in range(cells.count())])
    return result


def shot(page: Any, tmp_path: Path, name: str, selector: str | None = None) -> Path:
    """A screenshot of the page (or of one element), kept in SELFATTENTION_SHOTS when set."""
    path = tmp_path / name
    if selector:
        page.locator(selector).screenshot(path=str(path))
    else:
        page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5_000
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(SHOTS) / name)
    return path


class Watched:
    """A page with its console errors and the requests that tried to leave localhost."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base
        self.console_errors: list[str] = []
        self.outside: list[str] = []
        self.refused: list[str] = []  # "422 POST http://...": which request a console error is about


def watch_context(context: Any, server_url: str) -> Watched:
    """A new page of ``context`` whose console errors and outside requests are recorded
    (those requests are aborted)."""
    page = context.new_page()
    watch = Watched(page, server_url)

    def route(route: Any) -> None:
        url = route.request.url
        if url.startswith(server_url + "/") or url.startswith(("blob:", "data:")):
            route.continue_()
        else:
            watch.outside.append(url)
            route.abort()

    context.route("**/*", route)
    page.on("console", lambda message: message.type == "error" and watch.console_errors.append(message.text))
    page.on("pageerror", lambda error: watch.console_errors.append(f"page error: {error}"))
    page.on(
        "response",
        lambda r: r.status >= 400 and watch.refused.append(f"{r.status} {r.request.method} {r.url}"),
    )
    return watch
