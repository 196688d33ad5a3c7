"""No data loss: files are written atomically and never overwritten without --force.

The library function (``selfattention.surfaces.files.write_file``) and every CLI option that writes a
file, run for real: a refused write leaves the old file byte for byte, a failure mid-write
leaves it intact with no temporary file behind, --force replaces it.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import threading
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import selfattention as sa
from selfattention.surfaces import files as io
from selfattention.surfaces.cli import main
from tiny_models import SENTENCE

OLD = b"precious \x00\xff bytes the user already had\n"

#: every CLI option that writes a file: its arguments, with ``{path}`` standing for the file,
#: and the file's suffix; test_every_writing_option_is_listed keeps the list complete
WRITERS: list[tuple[list[str], str]] = [
    (["explain", "--output", "{path}"], ".txt"),
    (["explain", "--format", "json", "-o", "{path}"], ".json"),
    (["explain", "--format", "markdown", "--output", "{path}"], ".md"),
    (["explain", "--format", "html", "--output", "{path}"], ".html"),
    (["explain", "--format", "csv", "--output", "{path}"], ".csv"),
    (["explain", "--plot", "{path}"], ".png"),
    (["explain", "--plot", "{path}"], ".svg"),
    (["layer", "The cat sat", "--output", "{path}"], ".txt"),
    (["layer", "The cat sat", "--format", "html", "--output", "{path}"], ".html"),
    (["layer", "The cat sat", "--plot", "{path}"], ".png"),
    (["model", SENTENCE, "--model", "{model}", "--query", "it", "--format", "csv", "--output", "{path}"], ".csv"),
    (["model", SENTENCE, "--model", "{model}", "--query", "it", "--plot", "{path}"], ".svg"),
    (["heads", SENTENCE, "--query", "animal", "--model", "{model}", "--output", "{path}"], ".txt"),
    (["heads", SENTENCE, "--query", "animal", "--model", "{model}", "--plot", "{path}"], ".png"),
    (["ring", "-w", "1", "-n", "3", "--output", "{path}"], ".txt"),
    (["ring", "-w", "1", "-n", "3", "--plot", "{path}"], ".png"),
    (["exercise", "--seed", "1", "--output", "{path}"], ".txt"),
    (["exercise", "--format", "html", "--output", "{path}"], ".html"),
    (["exercise", "--format", "json", "--answers", "-o", "{path}"], ".json"),
]
IDS = [" ".join(args).replace("{path}", suffix) for args, suffix in WRITERS]
WRITING_WORDS = ("output", "save", "export", "plot", "write", "html", "png", "svg", "pdf")


def existing(tmp_path: Path, name: str = "out.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(OLD)
    return path


def leftovers(folder: Path, keep: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p != keep)


# -- the library ---------------------------------------------------------------------------


def test_refused_write_leaves_the_file_byte_for_byte(tmp_path):
    path = existing(tmp_path)
    with pytest.raises(sa.InputError) as info:
        io.write_file(path, "new content")
    assert str(info.value) == f"output file {str(path)!r} exists: pass --force to overwrite it"
    assert path.read_bytes() == OLD
    assert leftovers(tmp_path, path) == []


def test_force_overwrites_and_keeps_the_permissions(tmp_path):
    path = existing(tmp_path)
    path.chmod(0o640)
    io.write_file(path, "new content", force=True)
    assert path.read_text() == "new content"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert leftovers(tmp_path, path) == []


def test_a_new_file_gets_the_usual_permissions(tmp_path):
    mask = os.umask(0o022)
    try:
        path = io.write_file(tmp_path / "new.txt", b"\x00bytes")
    finally:
        os.umask(mask)
    assert path.read_bytes() == b"\x00bytes"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # not mkstemp's 0o600


@pytest.mark.parametrize(
    "where,force",
    [
        ("write", False),
        ("write", True),
        ("fsync", False),
        ("fsync", True),
        ("link", False),  # a new file is linked into place
        ("replace", True),  # an existing one is renamed over
    ],
)
def test_failure_mid_write_leaves_the_original_and_no_temporary_file(tmp_path, monkeypatch, where, force):
    path = existing(tmp_path) if force else tmp_path / "out.txt"
    disk_full = OSError(errno.ENOSPC, "No space left on device")

    def fail(*args, **kwargs):
        raise disk_full

    if where == "write":
        real_fdopen = os.fdopen

        def fdopen(fd, *args, **kwargs):
            handle = real_fdopen(fd, *args, **kwargs)
            handle.write = fail  # the first write fails, as on a full disk
            return handle

        monkeypatch.setattr(io.os, "fdopen", fdopen)
    else:
        monkeypatch.setattr(io.os, where, fail)
    with pytest.raises(sa.InputError) as info:
        io.write_file(path, "new content" * 1000, force=force)
    assert str(info.value) == (
        f"output file {str(path)!r} could not be written (No space left on device): nothing was changed"
    )
    assert leftovers(tmp_path, path) == []
    if force:
        assert path.read_bytes() == OLD
    else:
        assert not path.exists()


@pytest.mark.parametrize("force", [False, True])
def test_interrupted_write_cleans_up(tmp_path, monkeypatch, force):
    path = existing(tmp_path)

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(io.os, "fsync", interrupt)
    with pytest.raises((KeyboardInterrupt, sa.InputError)):
        io.write_file(path, "new", force=force)
    assert path.read_bytes() == OLD
    assert leftovers(tmp_path, path) == []


def test_a_file_that_appears_during_the_write_is_not_clobbered(tmp_path, monkeypatch):
    """No check-then-write race: the file is linked into place, which refuses a taken name."""
    path = tmp_path / "out.txt"
    real_fsync = os.fsync

    def someone_else_writes(fd):
        real_fsync(fd)
        path.write_bytes(OLD)  # another program creates the file after our check

    monkeypatch.setattr(io.os, "fsync", someone_else_writes)
    with pytest.raises(sa.InputError, match="exists: pass --force to overwrite it"):
        io.write_file(path, "new")
    assert path.read_bytes() == OLD
    assert leftovers(tmp_path, path) == []


def test_file_systems_without_hard_links_still_refuse_to_overwrite(tmp_path, monkeypatch):
    def no_links(*args):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(io.os, "link", no_links)
    path = io.write_file(tmp_path / "new.txt", "made")
    assert path.read_text() == "made"
    with pytest.raises(sa.InputError, match="exists"):
        io.write_file(path, "again")
    assert path.read_text() == "made" and leftovers(tmp_path, path) == []
    monkeypatch.setattr(io.os, "replace", no_links)  # and if the rename fails too
    with pytest.raises(sa.InputError, match="could not be written"):
        io.write_file(tmp_path / "other.txt", "x")
    assert leftovers(tmp_path, path) == []


def test_a_symlink_is_written_through_to_its_target(tmp_path):
    """--force follows the link and replaces its target atomically; the link stays a link. A
    dangling link is a name that exists: refused without --force, its target made with it."""
    target = existing(tmp_path, "target.txt")
    target.chmod(0o640)
    link = tmp_path / "out.txt"
    link.symlink_to(target)
    with pytest.raises(sa.InputError, match="exists: pass --force"):
        io.write_file(link, "new")
    assert target.read_bytes() == OLD
    io.write_file(link, "new", force=True)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "new" and stat.S_IMODE(target.stat().st_mode) == 0o640
    assert leftovers(tmp_path, link) == ["target.txt"]
    dangling = tmp_path / "dangling.txt"
    dangling.symlink_to(tmp_path / "nowhere")
    with pytest.raises(sa.InputError, match="exists: pass --force"):
        io.write_file(dangling, "new")
    assert dangling.is_symlink() and not (tmp_path / "nowhere").exists()
    io.write_file(dangling, "made", force=True)
    assert dangling.is_symlink() and (tmp_path / "nowhere").read_text() == "made"


def test_a_link_to_a_folder_or_a_loop_is_refused(tmp_path):
    (tmp_path / "folder").mkdir()
    (tmp_path / "to_folder").symlink_to(tmp_path / "folder")
    with pytest.raises(sa.InputError, match=r"is a folder: expected a file name$"):
        io.write_file(tmp_path / "to_folder", "x", force=True)
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(sa.InputError, match="cannot be written: Too many levels of symbolic links"):
        io.write_file(tmp_path / "a", "x", force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "folder", "to_folder"]


def test_force_writes_into_dev_null_and_never_replaces_it():
    """Only a regular file is ever replaced: as root, a rename over /dev/null would replace
    the system's node with a file."""
    before = os.stat("/dev/null")
    assert io.write_file("/dev/null", "x" * 100_000, force=True) == Path("/dev/null")
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    with pytest.raises(sa.InputError, match="exists: pass --force"):
        io.write_file("/dev/null", "x")


def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def test_force_writes_into_a_fifo_that_is_read(tmp_path):
    path = fifo(tmp_path)
    received: list[bytes] = []
    content = b"0123456789" * 50_000  # more than a pipe's buffer: the writer waits for the reader

    def read() -> None:
        with open(path, "rb") as stream:
            received.append(stream.read())

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for _ in range(200):  # the reader opens the FIFO in its own time
            try:
                io.write_file(path, content, force=True)
                break
            except sa.InputError as error:
                assert "nobody reads" in str(error)
                time.sleep(0.01)
    finally:
        reader.join(timeout=30)
    assert received == [content]
    assert stat.S_ISFIFO(os.lstat(path).st_mode) and leftovers(tmp_path, path) == []


def test_a_fifo_without_a_reader_is_refused_at_once(tmp_path):
    path = fifo(tmp_path)
    with pytest.raises(sa.InputError) as info:
        io.write_file(path, "x", force=True)
    assert (
        str(info.value)
        == f"output {str(path)!r} is a FIFO that nobody reads: start its reader first, or write to a file"
    )
    assert stat.S_ISFIFO(os.lstat(path).st_mode) and leftovers(tmp_path, path) == []


def test_a_fifo_whose_reader_stops_reading_is_given_up(tmp_path, monkeypatch):
    path = fifo(tmp_path)
    monkeypatch.setattr(io, "WRITE_TIMEOUT", 0.2)
    reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # opened, never read
    try:
        with pytest.raises(sa.InputError, match=r"stopped taking data for 0\.2 seconds"):
            io.write_file(path, b"x" * 2_000_000, force=True)
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.lstat(path).st_mode)


def test_a_link_to_proc_self_fd_writes_into_the_pipe(tmp_path):
    """``-o /dev/stdout`` style names: a link to /proc/self/fd/N of a pipe writes into the pipe."""
    read_end, write_end = os.pipe()
    link = tmp_path / "out.txt"
    link.symlink_to(f"/proc/self/fd/{write_end}")
    try:
        io.write_file(link, "into the pipe", force=True)
        os.close(write_end)
        assert os.read(read_end, 100) == b"into the pipe"
    finally:
        os.close(read_end)
    assert link.is_symlink() and leftovers(tmp_path, link) == []


def test_a_socket_is_refused(tmp_path):
    import socket
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="sa"))  # a socket's path is at most 107 bytes
    path = folder / "s"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        with pytest.raises(sa.InputError, match=r"is a socket: expected a file name$"):
            io.write_file(path, "x", force=True)
    path.unlink()
    folder.rmdir()


def test_any_name_the_file_system_takes_can_be_written(tmp_path):
    """The temporary file has a short name of its own (.sa-XXXXXXXX.tmp): a 255-byte name fits."""
    path = tmp_path / ("n" * 251 + ".txt")
    io.write_file(path, "long")
    io.write_file(path, "longer", force=True)
    assert path.read_text() == "longer" and leftovers(tmp_path, path) == []
    with pytest.raises(sa.InputError, match="cannot be written: File name too long"):
        io.write_file(tmp_path / ("n" * 256), "x")


def test_unwritable_folder_is_refused_cleanly(tmp_path, monkeypatch):
    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(io.tempfile, "mkstemp", denied)
    with pytest.raises(sa.InputError) as info:
        io.write_file(tmp_path / "out.txt", "x")
    assert str(info.value) == (
        f"output file {str(tmp_path / 'out.txt')!r} could not be written (Permission denied): nothing was changed"
    )


def test_output_is_a_folder_or_in_a_missing_folder(tmp_path):
    with pytest.raises(sa.InputError, match=r"is a folder: expected a file name$"):
        io.write_file(tmp_path, "x", force=True)
    with pytest.raises(sa.InputError, match=r"does not exist$"):
        io.write_file(tmp_path / "missing" / "out.txt", "x")


# -- every CLI option that writes a file ---------------------------------------------------


def writing_options() -> set[tuple[str, str]]:
    """(command, option) for every option whose name says it writes a file."""
    found = set()
    commands = main.commands if isinstance(main, click.Group) else {"": main}
    for name, command in commands.items():
        for param in command.params:
            if not isinstance(param, click.Option) or param.is_flag:
                continue
            if any(word in opt for opt in param.opts for word in WRITING_WORDS):
                found.add((name, next(o for o in param.opts if o.startswith("--"))))
    return found


def test_every_writing_option_is_listed():
    """A new option that writes a file must join WRITERS (and so the tests below)."""
    listed = set()
    for args, _ in WRITERS:
        for i, arg in enumerate(args):
            if args[i + 1 : i + 2] == ["{path}"]:
                command = main.commands[args[0]]
                option = next(p for p in command.params if arg in p.opts)
                listed.add((args[0], next(o for o in option.opts if o.startswith("--"))))
    assert writing_options() <= listed, f"not tested: {writing_options() - listed}"


@pytest.fixture(autouse=True)
def _model_for(request):
    """Replace "{model}" in WRITERS' arguments with the tiny model's folder, when needed."""
    args = request.node.callspec.params.get("args", []) if hasattr(request.node, "callspec") else []
    request.node.model = str(request.getfixturevalue("tiny_bert")) if "{model}" in args else ""


def cli(args: list[str], path: Path, *extra: str, model: str = ""):
    filled = [a.replace("{path}", str(path)).replace("{model}", model) for a in args]
    return CliRunner().invoke(main, filled + list(extra))


@pytest.mark.parametrize("args,suffix", WRITERS, ids=IDS)
def test_cli_goes_through_write_file(request, tmp_path, monkeypatch, args, suffix):
    calls = []
    real = io.write_file

    def spy(path, content, force=False):
        calls.append((Path(path), force))
        return real(path, content, force=force)

    for module in list(sys.modules.values()):  # wherever write_file was imported by name
        if (
            module is not None
            and module.__name__.startswith("selfattention")
            and getattr(module, "write_file", None) is real
        ):
            monkeypatch.setattr(module, "write_file", spy)
    path = tmp_path / f"new{suffix}"
    result = cli(args, path, model=request.node.model)
    assert result.exit_code == 0, result.output
    assert calls == [(path, False)]
    assert path.stat().st_size > 0
    assert leftovers(tmp_path, path) == []


@pytest.mark.parametrize("args,suffix", WRITERS, ids=IDS)
def test_cli_never_overwrites_without_force(request, tmp_path, args, suffix):
    path = existing(tmp_path, f"out{suffix}")
    result = cli(args, path, model=request.node.model)
    assert result.exit_code == 2
    assert result.stderr == f"Error: output file {str(path)!r} exists: pass --force to overwrite it\n"
    assert result.stdout == ""
    assert path.read_bytes() == OLD
    assert leftovers(tmp_path, path) == []


@pytest.mark.parametrize("args,suffix", WRITERS, ids=IDS)
def test_cli_force_overwrites(request, tmp_path, args, suffix):
    path = existing(tmp_path, f"out{suffix}")
    result = cli(args, path, "--force", model=request.node.model)
    assert result.exit_code == 0, result.output
    fresh = tmp_path / f"fresh{suffix}"
    assert cli(args, fresh, model=request.node.model).exit_code == 0
    new = path.read_bytes()
    assert new != OLD and new[:16] == fresh.read_bytes()[:16]  # the same kind of file
    assert abs(len(new) - fresh.stat().st_size) <= 64  # (pictures may carry a timestamp)


@pytest.mark.parametrize("args,suffix", WRITERS, ids=IDS)
def test_cli_failure_mid_write_keeps_the_original(request, tmp_path, monkeypatch, args, suffix):
    path = existing(tmp_path, f"out{suffix}")

    def disk_full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(io.os, "replace", disk_full)
    result = cli(args, path, "--force", model=request.node.model)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: output file {str(path)!r} could not be written (No space left on device): nothing was changed\n"
    )
    assert "Traceback" not in result.output
    assert path.read_bytes() == OLD
    assert leftovers(tmp_path, path) == []


def test_a_refused_input_writes_nothing(tmp_path):
    path = tmp_path / "out.txt"
    result = CliRunner().invoke(main, ["explain", "-q", "1,2;3", "-k", "1,2", "-v", "1", "-o", str(path)])
    assert result.exit_code == 2
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args,suffix", WRITERS, ids=IDS)
def test_cli_force_writes_into_dev_null(request, tmp_path, args, suffix):
    """Through a link named like the output (pictures need .png/.svg) to /dev/null."""
    before = os.stat("/dev/null")
    link = tmp_path / f"null{suffix}"
    link.symlink_to("/dev/null")
    result = cli(args, link, "--force", model=request.node.model)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and leftovers(tmp_path, link) == []
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


@pytest.mark.parametrize("args,suffix", WRITERS, ids=IDS)
def test_cli_force_writes_through_a_symlink(request, tmp_path, args, suffix):
    target = existing(tmp_path, f"target{suffix}")
    link = tmp_path / f"link{suffix}"
    link.symlink_to(target)
    result = cli(args, link, "--force", model=request.node.model)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and target.read_bytes() != OLD and target.stat().st_size > 0
    assert leftovers(tmp_path, link) == [target.name]


@pytest.mark.parametrize("args,suffix", WRITERS, ids=IDS)
def test_cli_refuses_a_fifo_without_a_reader(request, tmp_path, args, suffix):
    path = tmp_path / f"pipe{suffix}"
    os.mkfifo(path)
    result = cli(args, path, model=request.node.model)
    assert result.exit_code == 2 and result.stderr.endswith("exists: pass --force to overwrite it\n")
    result = cli(args, path, "--force", model=request.node.model)
    assert result.exit_code == 2, result.output
    assert (
        result.stderr
        == f"Error: output {str(path)!r} is a FIFO that nobody reads: start its reader first, or write to a file\n"
    )
    assert stat.S_ISFIFO(os.lstat(path).st_mode)


@pytest.mark.parametrize("option", ["--output", "--plot"])
def test_cli_refuses_an_empty_output_name(option):
    result = CliRunner().invoke(main, ["explain", option, ""])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {option} is empty: expected a file name (leave {option} out to write nothing there)\n"
    )
