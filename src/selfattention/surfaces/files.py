"""The only code that writes files: atomically, and never over an existing file unless asked.

Renderers return text, bytes or a figure; the surfaces (the command line, the notebook, the
web server's downloads) hand them here. What a name can be, and what ``force`` does to it:

=======================  ==========================================================
the name is              what happens
=======================  ==========================================================
free                     a new file, put in place atomically (never over a file
                         that appears meanwhile)
a regular file           refused; with ``force`` replaced atomically, keeping its
                         permissions
a symbolic link          refused; with ``force`` the link is followed and its
                         target is written as above (the link stays a link)
a FIFO or a character    refused; with ``force`` written *into* (opened for
device (``/dev/null``)   writing, never created or replaced), without blocking:
                         a FIFO without a reader, or one that stops reading for
                         :data:`WRITE_TIMEOUT` seconds, is refused with a message
a folder, a block        always refused
device or a socket
=======================  ==========================================================

Only a regular file is ever replaced: ``-o /dev/null --force`` writes into the device, it does
not put a file in its place. A temporary file is named ``.sa-XXXXXXXX.tmp`` beside its target,
so any name the file system accepts can be written.
"""

from __future__ import annotations

import errno
import os
import select
import stat
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import InputError, shown

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["WRITE_TIMEOUT", "check_output", "save_figure", "write_file"]

#: seconds a FIFO or device may stay unready for writing before the write is given up
WRITE_TIMEOUT = 10.0

# how a name is written: a new file, a replaced regular file, or into a FIFO / character device
_NEW, _REPLACE, _INTO = "new", "replace", "into"


def check_output(path: str | os.PathLike[str], force: bool = False) -> None:
    """Refuse, before any work, a name :func:`write_file` would refuse: a folder, a block
    device or socket, a missing folder, and (without ``force``) anything that exists.

    >>> import tempfile, pathlib
    >>> check_output(pathlib.Path(tempfile.mkdtemp()) / "new.txt")
    >>> check_output(tempfile.mkdtemp(), force=True)
    Traceback (most recent call last):
    ...
    selfattention.core.errors.InputError: output '...' is a folder: expected a file name
    """
    _target(Path(path), force)


def write_file(path: str | os.PathLike[str], content: str | bytes, force: bool = False) -> Path:
    """Write atomically (a temporary file beside it, flushed to disk, then renamed into
    place); never replace an existing file unless ``force``, and never anything but a
    regular file (module docstring).

    A reader sees the old file or the new one, never half of one; a failure at any point
    leaves the old file as it was and no temporary file behind, and is refused with an
    :class:`InputError`. Without ``force`` the file is put in place with a hard link, which
    fails if a file of that name appeared meanwhile (no check-then-write race). A new file
    gets the usual permissions (0o666 less the umask); a replaced one keeps its own.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_file(folder / "out.txt", "first").read_text()
    'first'
    >>> write_file(folder / "out.txt", "second")
    Traceback (most recent call last):
    ...
    selfattention.core.errors.InputError: output file '...out.txt' exists: pass --force to overwrite it
    >>> write_file(folder / "out.txt", "second", force=True).read_text()
    'second'
    """
    p = Path(path)
    how, target, mode = _target(p, force)
    data = content.encode("utf-8") if isinstance(content, str) else content
    if how == _INTO:
        _write_into(p, data)
        return p
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".sa-", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode if mode is not None else 0o666 & ~_umask())
        if how == _REPLACE:
            os.replace(tmp, target)
        else:
            _link_new(tmp, target)
    except FileExistsError:
        raise InputError(
            f"output file {str(p)!r} exists: pass --force to overwrite it", code="output_exists", path=str(p)
        ) from None
    except OSError as error:
        raise InputError(
            f"output file {str(p)!r} could not be written ({error.strerror or error}): nothing was changed",
            code="output_write_failed",
            path=str(p),
            reason=error.strerror or str(error),
        ) from None
    finally:
        if tmp is not None and os.path.lexists(tmp):
            os.unlink(tmp)
    return p


def _target(p: Path, force: bool) -> tuple[str, Path, int | None]:
    """How ``p`` is written: (new / replace / into, the path to write, the mode to keep)."""
    try:
        link = os.lstat(p)
    except FileNotFoundError:
        return _NEW, _new_in_folder(p, p), None
    except (OSError, ValueError) as error:  # a name too long, a NUL byte, a file used as a folder
        raise _unusable(p, error) from None
    if stat.S_ISDIR(link.st_mode):
        raise InputError(f"output {str(p)!r} is a folder: expected a file name", code="output_is_folder", path=str(p))
    try:
        st = os.stat(p)  # through symbolic links
    except FileNotFoundError:  # a dangling link: its target is a new file
        st = None
    except (OSError, ValueError) as error:  # a loop of links, ...
        raise _unusable(p, error) from None
    kind = _kind(st.st_mode) if st is not None else None
    if kind == "a folder":  # a link to a folder
        raise InputError(f"output {str(p)!r} is {kind}: expected a file name", code="output_is_folder", path=str(p))
    if kind in ("a block device", "a socket"):
        raise InputError(
            f"output {str(p)!r} is {kind}: expected a file name",
            code="output_is_block_device" if kind == "a block device" else "output_is_socket",
            path=str(p),
        )
    if not force:
        raise InputError(
            f"output file {str(p)!r} exists: pass --force to overwrite it", code="output_exists", path=str(p)
        )
    if st is None:
        return _NEW, _new_in_folder(Path(os.path.realpath(p)), p), None
    if kind in ("a FIFO", "a character device"):
        return _INTO, p, None
    real = Path(os.path.realpath(p))  # the file itself, wherever links lead
    try:
        same = os.stat(real)
    except OSError:
        same = None
    if same is None or (same.st_dev, same.st_ino) != (st.st_dev, st.st_ino) or not stat.S_ISREG(same.st_mode):
        raise InputError(
            f"output file {str(p)!r} leads to a file that has no name to replace: give a file name",
            code="output_no_name_to_replace",
            path=str(p),
        )
    return _REPLACE, real, stat.S_IMODE(st.st_mode)


def _new_in_folder(target: Path, given: Path) -> Path:
    if not target.parent.is_dir():
        folder = str(given.parent if target == given else target.parent)
        raise InputError(f"output folder {folder!r} does not exist", code="output_folder_missing", folder=folder)
    return target


def _kind(mode: int) -> str | None:
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return None


def _unusable(p: Path, error: BaseException) -> InputError:
    """The refusal of a name that cannot be looked at (too long, a NUL byte, a loop of links)."""
    name = shown(str(p))
    return InputError(
        f"output file {name} cannot be written: {_reason(error)}",
        code="output_name_unusable",
        path=name,
        reason=_reason(error),
    )


def _reason(error: BaseException) -> str:
    return getattr(error, "strerror", None) or str(error)


def _write_into(p: Path, data: bytes) -> None:
    """Write ``data`` into an existing FIFO or character device: opened without creating
    or truncating anything, never blocking for more than :data:`WRITE_TIMEOUT` seconds."""
    flags = os.O_WRONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(p, flags)  # no O_CREAT: if the node vanished, nothing is made in its place
    except OSError as error:
        if error.errno == errno.ENXIO:
            raise InputError(
                f"output {str(p)!r} is a FIFO that nobody reads: start its reader first, or write to a file",
                code="output_fifo_unread",
                path=str(p),
            ) from None
        raise InputError(
            f"output {str(p)!r} could not be opened for writing ({_reason(error)})",
            code="output_not_opened",
            path=str(p),
            reason=_reason(error),
        ) from None
    try:
        if _kind(os.fstat(fd).st_mode) not in ("a FIFO", "a character device"):
            raise InputError(
                f"output {str(p)!r} changed while it was opened: nothing was written",
                code="output_changed",
                path=str(p),
            )
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(fd, view) :]
            except BlockingIOError:
                _, ready, _ = select.select([], [fd], [], WRITE_TIMEOUT)
                if not ready:
                    raise InputError(
                        f"output {str(p)!r} stopped taking data for {WRITE_TIMEOUT:g} seconds: the write was given up",
                        code="output_stalled",
                        path=str(p),
                        seconds=WRITE_TIMEOUT,
                    ) from None
    except BrokenPipeError:
        raise InputError(
            f"output {str(p)!r} was closed by its reader before everything was written",
            code="output_closed_by_reader",
            path=str(p),
        ) from None
    except OSError as error:
        raise InputError(
            f"output {str(p)!r} could not be written ({_reason(error)})",
            code="output_device_write_failed",
            path=str(p),
            reason=_reason(error),
        ) from None
    finally:
        os.close(fd)


def _link_new(tmp: str, target: Path) -> None:
    """Put ``tmp`` at ``target`` only if nothing is there (FileExistsError otherwise)."""
    try:
        os.link(tmp, target)  # atomic, and refuses an existing name
    except FileExistsError:
        raise
    except OSError as error:
        if error.errno not in _NO_HARD_LINKS:
            raise
        # a file system without hard links (FAT, some network mounts): check, then rename
        if os.path.lexists(target):
            raise FileExistsError(str(target)) from None
        os.replace(tmp, target)


_NO_HARD_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EMLINK, errno.EXDEV}


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def save_figure(fig: Figure, path: str | os.PathLike[str], force: bool = False) -> Path:
    """Write ``fig`` to ``path`` as PNG or SVG (by extension), atomically; an existing file
    is replaced only with ``force`` (and only a regular file: see :func:`write_file`).

    >>> import tempfile, os
    >>> from selfattention.render.plot import heatmap
    >>> folder = tempfile.mkdtemp()
    >>> save_figure(heatmap([[1.0]], ["a"], ["a"]), os.path.join(folder, "h.svg")).suffix
    '.svg'
    """
    from ..render.plot import figure_bytes, plot_format  # matplotlib only when a picture is asked for

    check_output(path, force)  # before drawing
    return write_file(path, figure_bytes(fig, plot_format(os.fspath(path))), force=force)
