"""load_model from many threads at once (the web server's threadpool): one load per model."""

from __future__ import annotations

import shutil
import threading
import time

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from selfattention.sources.models import loader

pytestmark = pytest.mark.model


def test_concurrent_first_calls_load_a_model_once(tiny_bert, tmp_path, monkeypatch):
    folder = shutil.copytree(tiny_bert, tmp_path / "fresh")  # a folder no test has loaded yet
    real_load = loader._load
    loads: list[str] = []

    def slow_load(resolved):
        loads.append(str(resolved.path))
        time.sleep(0.3)  # a window in which the other threads ask for the same model
        return real_load(resolved)

    monkeypatch.setattr(loader, "_load", slow_load)
    threads = 8
    start = threading.Barrier(threads)
    results: list[object] = [None] * threads
    errors: list[BaseException] = []

    def call(n: int) -> None:
        start.wait()
        try:
            results[n] = loader.load_model(str(folder))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    workers = [threading.Thread(target=call, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert errors == []
    assert loads == [str(folder.resolve())]
    assert all(result is results[0] for result in results) and results[0] is not None
    assert loader.load_model(str(folder)) is results[0]  # and later calls come from the cache
    assert loads == [str(folder.resolve())]


def test_two_models_may_load_side_by_side(tiny_bert, tmp_path, monkeypatch):
    """Each folder has its own lock: a slow load of one does not hold up another."""
    first = shutil.copytree(tiny_bert, tmp_path / "first")
    second = shutil.copytree(tiny_bert, tmp_path / "second")
    real_load = loader._load
    inside = threading.Event()
    release = threading.Event()

    def held_load(resolved):
        if resolved.path == first.resolve():
            inside.set()
            assert release.wait(60)
        return real_load(resolved)

    monkeypatch.setattr(loader, "_load", held_load)
    worker = threading.Thread(target=loader.load_model, args=(str(first),))
    worker.start()
    assert inside.wait(60)
    try:
        assert loader.load_model(str(second)).resolved.path == second.resolve()  # while first is held
    finally:
        release.set()
        worker.join(timeout=60)
    assert loader.load_model(str(first)).resolved.path == first.resolve()
