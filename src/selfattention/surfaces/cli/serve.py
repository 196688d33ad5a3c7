"""``selfattention serve``: the web explorer on this machine (the ``web`` extra)."""

from __future__ import annotations

import re

import click

from .i18n import Command
from .output import fail

__all__ = ["check_listen", "serve_command"]

#: a DNS name or an IPv4 address, or an IPv6 address with or without brackets
_HOST_NAME = re.compile(r"[A-Za-z0-9_.-]+|\[?[0-9A-Fa-f:.]+\]?")


@click.command("serve", cls=Command)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (this machine only).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    metavar="NAME",
    help="Also answer requests addressed to NAME (a Host header), e.g. this machine's name on the"
    " network; repeatable. Requests addressed to other names are refused (DNS rebinding guard).",
)
def serve_command(host: str, port: int, allow_hosts: tuple[str, ...]) -> None:
    """Open the web explorer: the seed's example, your own vectors, every step, in your browser."""
    try:
        import uvicorn

        from ..server.app import create_app
        from ..server.hosts import allowed_hosts, is_loopback
    except ImportError as error:
        fail(
            f"selfattention serve needs the web extra ({error.name} is missing): pip install 'selfattention[web]'",
            code="serve_needs_web",
            missing=error.name,
        )
    for name in allow_hosts:
        if not _HOST_NAME.fullmatch(name):
            fail(
                f"--allow-host {name!r} is not a host name: expected e.g. explorer.lan or 192.168.1.5",
                code="allow_host_not_a_name",
                name=name,
            )
    check_listen(host, port)
    # whatever the address, refuse requests that name another host (a DNS rebinding page)
    allowed = allowed_hosts(host, allow_hosts)
    if not is_loopback(host):
        click.echo(
            f"warning: listening on {host}: other machines on the network can open the explorer;"
            f" it answers to {', '.join(allowed)} (add names with --allow-host NAME)",
            err=True,
        )
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    click.echo(f"selfattention explorer on http://{shown}:{port}/ (Ctrl+C stops it)", err=True)
    try:
        uvicorn.run(create_app(allowed), host=host, port=port, log_level="warning")
    except SystemExit as error:  # uvicorn exits 1 or 3 when it cannot start (after its own log line)
        if error.code:
            fail(
                f"the server could not start on {shown}:{port} (see the line above)",
                code="server_not_started",
                address=shown,
                port=port,
            )
        raise


def check_listen(host: str, port: int) -> None:
    """Refuse, before starting the server, a host that is not an address of this machine and a
    port that is taken, in one line each (uvicorn would log and exit with code 3)."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as error:
        fail(
            f"--host {host!r} is not a known address ({error}): expected e.g. 127.0.0.1 or localhost",
            code="host_unknown",
            host=host,
            reason=str(error),
        )
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as error:
            fail(
                f"cannot listen on {host}:{port} ({error.strerror}): choose another --port or --host",
                code="cannot_listen",
                host=host,
                port=port,
                reason=error.strerror,
            )
