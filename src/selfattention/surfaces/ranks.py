"""Several local processes as the ranks of one ``torch.distributed`` group, on this machine only.

:func:`run_local` starts ``world_size`` processes (a fork server that has imported torch
once, so each rank starts in a fraction of a second), joins them into one process group
through a :class:`torch.distributed.FileStore` in a fresh temporary folder (no port to
pick, nothing listening beyond the loopback: gloo is told to use the ``lo`` interface), runs
``fn(rank, world_size, *args)`` on each and returns the results in rank order.

A rank that raises or exits ends every rank: the others are stopped and one
:class:`RankFailed` names the rank and its error (the first to fail, when several did).
A rank that waits too long for its peers fails with the process group's ``timeout``, and the
whole run is cut off past ``timeout`` plus a margin for starting: it never hangs.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import socket
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import timedelta
from multiprocessing.connection import wait
from typing import Any, NoReturn

from ..core.errors import SelfAttentionError
from ..core.kernels.torch import available, import_torch

__all__ = ["START_SECONDS", "RankFailed", "run_local"]

#: seconds allowed beyond ``timeout`` for starting the processes and importing torch
START_SECONDS = 120.0


class RankFailed(SelfAttentionError):
    """A rank of a local run raised, exited or ran out of time; the others were stopped."""


def run_local(
    fn: Callable[..., Any],
    world_size: int,
    args: Sequence[Any] = (),
    *,
    timeout: float = 60.0,
    backend: str = "gloo",
    threads: int | None = None,
) -> list[Any]:
    """``fn(rank, world_size, *args)`` on ``world_size`` local ranks; their results, in rank order.

    ``fn`` must be importable by name (a module-level function) and its results picklable.
    ``timeout`` bounds every wait of the process group (seconds). ``threads``: torch threads
    per rank (default: this machine's CPUs shared among the ranks).
    """
    if world_size < 1:
        raise SelfAttentionError(
            f"world_size is {world_size}: expected at least 1 rank",
            code="ranks_world_size_below_one",
            world_size=world_size,
        )
    if timeout <= 0:
        raise SelfAttentionError(
            f"timeout is {timeout}: expected a positive number of seconds",
            code="ranks_timeout_not_positive",
            timeout=timeout,
        )
    if not available():
        import_torch()  # raises with the hint: pip install 'selfattention[torch]'
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    context: Any = multiprocessing.get_context(method)
    if method == "forkserver":  # the server imports torch once; every rank forks from it
        context.set_forkserver_preload(["torch", "torch.distributed", __name__])
    threads = threads or max(1, (os.cpu_count() or 1) // world_size)
    with tempfile.TemporaryDirectory(prefix="selfattention-ranks-") as folder:
        processes = [
            context.Process(
                target=_rank_main,
                args=(rank, fn, world_size, tuple(args), folder, timeout, backend, threads),
                name=f"selfattention-rank-{rank}",
                daemon=True,
            )
            for rank in range(world_size)
        ]
        try:
            for process in processes:
                process.start()
            _join(processes, folder, world_size, timeout + START_SECONDS)
        finally:
            for process in processes:  # after a failure or a timeout: stop the others
                if process.is_alive():
                    process.terminate()
            for process in processes:
                process.join(5)
                if process.is_alive():
                    process.kill()
        results = []
        for rank in range(world_size):
            with open(os.path.join(folder, f"result-{rank}.pkl"), "rb") as file:
                results.append(pickle.load(file))
        return results


def _join(processes: list[Any], folder: str, world_size: int, seconds: float) -> None:
    """Wait for every rank; at the first that fails, stop the others and say why."""
    deadline = time.monotonic() + seconds
    pending = {process.sentinel: process for process in processes}
    while pending:
        ready = wait(list(pending), timeout=max(0.0, deadline - time.monotonic()))
        if not ready:
            raise RankFailed(
                f"the {world_size} ranks did not finish within {seconds:g} s; they were stopped",
                code="ranks_timed_out",
                world_size=world_size,
                seconds=seconds,
            )
        for sentinel in ready:
            process = pending.pop(sentinel)
            process.join()
            done = os.path.exists(os.path.join(folder, f"result-{processes.index(process)}.pkl"))
            if process.exitcode != 0 or not done:
                for other in processes:
                    if other.is_alive():
                        other.terminate()
                for other in processes:
                    other.join(5)
                _failure(folder, world_size, [p.exitcode for p in processes])


def _rank_main(
    rank: int,
    fn: Callable[..., Any],
    world_size: int,
    args: tuple[Any, ...],
    folder: str,
    timeout: float,
    backend: str,
    threads: int,
) -> None:
    """One rank: join the group, run ``fn``, write its result (or its error) to ``folder``."""
    torch = import_torch()
    dist = torch.distributed
    torch.set_num_threads(threads)
    if "lo" in {name for _, name in socket.if_nameindex()}:
        os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")  # loopback only
    try:
        store = dist.FileStore(os.path.join(folder, "store"), world_size)
        dist.init_process_group(
            backend, store=store, rank=rank, world_size=world_size, timeout=timedelta(seconds=timeout)
        )
        result = fn(rank, world_size, *args)
        with open(os.path.join(folder, f"result-{rank}.pkl"), "wb") as file:
            pickle.dump(result, file)
        dist.barrier()  # nobody leaves while a peer may still need it
        dist.destroy_process_group()
    except BaseException as error:
        line = f"{type(error).__name__}: {error}".strip().splitlines()[0] if str(error) else type(error).__name__
        path = os.path.join(folder, f"error-{rank}.txt")
        with open(path + ".part", "w", encoding="utf-8") as file:
            file.write(f"{time.time():.6f}\n{line}\n{traceback.format_exc()}")
        os.replace(path + ".part", path)  # whole or absent: this rank may be stopped at any moment
        sys.exit(1)  # the parent says what happened, once


def _failure(folder: str, world_size: int, exit_codes: Sequence[int | None]) -> NoReturn:
    """Refuse in one sentence: the rank that failed first and why. A rank that exited without a word
    (``os._exit``, a signal) is the cause when there is one: its peers' errors only say that
    it went away."""
    reports = {}
    for name in os.listdir(folder):
        if name.startswith("error-") and name.endswith(".txt"):
            with open(os.path.join(folder, name), encoding="utf-8") as file:
                when, line = file.read().splitlines()[:2]
            reports[int(name[6:-4])] = (float(when), line)
    for rank, code in enumerate(exit_codes):
        done = os.path.exists(os.path.join(folder, f"result-{rank}.pkl"))
        if rank not in reports and not done and code not in (None, 1, -signal.SIGTERM, -signal.SIGKILL):
            if code >= 0:
                raise RankFailed(
                    f"rank {rank} of {world_size} exited with code {code} before it finished;"
                    " the other ranks were stopped",
                    code="rank_exited",
                    rank=rank,
                    world_size=world_size,
                    exit_code=code,
                )
            raise RankFailed(
                f"rank {rank} of {world_size} was killed by signal {-code} before it finished;"
                " the other ranks were stopped",
                code="rank_killed",
                rank=rank,
                world_size=world_size,
                signal=-code,
            )
    if reports:
        rank = min(reports, key=lambda r: reports[r])
        raise RankFailed(
            f"rank {rank} of {world_size} failed: {reports[rank][1]}; the other ranks were stopped",
            code="rank_failed",
            rank=rank,
            world_size=world_size,
            reason=reports[rank][1],
        )
    raise RankFailed(
        f"a rank of {world_size} stopped before it finished (exit codes {list(exit_codes)}); the others were stopped",
        code="ranks_stopped",
        world_size=world_size,
        exit_codes=list(exit_codes),
    )
