"""``selfattention serve``: the web explorer on this machine (the ``web`` extra)."""

from __future__ import annotations

import click

from .output import fail

__all__ = ["check_listen", "serve_command"]


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (this machine only).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on.")
def serve_command(host: str, port: int) -> None:
    """Open the web explorer: the seed's example, your own vectors, every step, in your browser."""
    try:
        import uvicorn

        from ..server.app import LOCAL_HOSTS, create_app
    except ImportError as error:
        fail(f"selfattention serve needs the web extra ({error.name} is missing): pip install 'selfattention[web]'")
    check_listen(host, port)
    local = host in LOCAL_HOSTS
    if not local:
        click.echo(f"warning: listening on {host}: other machines on the network can open the explorer", err=True)
    shown = "[::1]" if host == "::1" else host
    click.echo(f"selfattention explorer on http://{shown}:{port}/ (Ctrl+C stops it)", err=True)
    # on localhost, refuse requests that name another host (a DNS rebinding page)
    try:
        uvicorn.run(create_app(list(LOCAL_HOSTS) if local else None), host=host, port=port, log_level="warning")
    except SystemExit as error:  # uvicorn exits 1 or 3 when it cannot start (after its own log line)
        if error.code:
            fail(f"the server could not start on {shown}:{port} (see the line above)")
        raise


def check_listen(host: str, port: int) -> None:
    """Refuse, before starting the server, a host that is not an address of this machine and a
    port that is taken, in one line each (uvicorn would log and exit with code 3)."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as error:
        fail(f"--host {host!r} is not a known address ({error}): expected e.g. 127.0.0.1 or localhost")
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as error:
            fail(f"cannot listen on {host}:{port} ({error.strerror}): choose another --port or --host")
