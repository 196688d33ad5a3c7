"""The only code that writes files: atomically, and never over an existing file unless asked.

Renderers return text, bytes or a figure; the surfaces (the command line, the notebook, the
web server's downloads) hand them here.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import InputError, shown

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["save_figure", "write_file"]


def write_file(path: str | os.PathLike[str], content: str | bytes, force: bool = False) -> Path:
    """Write atomically (a temporary file beside it, flushed to disk, then renamed into
    place); never replace an existing file unless ``force``.

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
    try:
        exists, is_dir, parent_exists = p.exists(), p.is_dir(), p.parent.is_dir()
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise InputError(f"output file {shown(str(p))} cannot be written: {reason}") from None
    if is_dir:
        raise InputError(f"output {str(p)!r} is a folder: expected a file name")
    if exists and not force:
        raise InputError(f"output file {str(p)!r} exists: pass --force to overwrite it")
    if not parent_exists:
        raise InputError(f"output folder {str(p.parent)!r} does not exist")
    data = content.encode("utf-8") if isinstance(content, str) else content
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, stat.S_IMODE(p.stat().st_mode) if exists else 0o666 & ~_umask())
        if force:
            os.replace(tmp, p)
        else:
            _link_new(tmp, p)
    except FileExistsError:
        raise InputError(f"output file {str(p)!r} exists: pass --force to overwrite it") from None
    except OSError as error:
        raise InputError(
            f"output file {str(p)!r} could not be written ({error.strerror or error}): nothing was changed"
        ) from None
    finally:
        if tmp is not None and os.path.lexists(tmp):
            os.unlink(tmp)
    return p


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
    is replaced only with ``force``.

    >>> import tempfile, os
    >>> from selfattention.render.plot import heatmap
    >>> folder = tempfile.mkdtemp()
    >>> save_figure(heatmap([[1.0]], ["a"], ["a"]), os.path.join(folder, "h.svg")).suffix
    '.svg'
    """
    from ..render.plot import figure_bytes, plot_format  # matplotlib only when a picture is asked for

    return write_file(path, figure_bytes(fig, plot_format(os.fspath(path))), force=force)
