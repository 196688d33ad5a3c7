"""Which Host headers the explorer answers to (a guard against DNS rebinding).

A page on another site can make a browser send requests to a name that it has pointed at
this machine; refusing Host headers that do not name this server stops it reading answers.
The guard is on whatever the address: on a loopback address (all of 127.0.0.0/8, ::1 and
``localhost``) the server answers to the loopback names and to its own address; on any other
address to those, the address itself (and, listening on every address, the machine's name),
plus each ``--allow-host NAME``.

>>> is_loopback("127.0.0.2"), is_loopback("[::1]"), is_loopback("localhost"), is_loopback("0.0.0.0")
(True, True, True, False)
>>> allowed_hosts("127.0.0.2")
['127.0.0.1', 'localhost', '[::1]', '::1', '127.0.0.2']
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable

__all__ = ["LOCAL_HOSTS", "allowed_hosts", "host_name", "is_loopback"]

#: Host names that always mean this machine
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return address


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach: 127.0.0.0/8, ::1, ``localhost``
    (and names that resolve to loopback addresses only)."""
    name = host.strip().lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    address = _address(name)
    if address is not None:
        return address.is_loopback
    try:
        found = {info[4][0] for info in socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)}
    except (OSError, UnicodeError):
        return False
    return bool(found) and all((a := _address(str(f))) is not None and a.is_loopback for f in found)


def allowed_hosts(host: str, extra: Iterable[str] = ()) -> list[str]:
    """The Host names a server listening on ``host`` answers to (module docstring)."""
    names = list(LOCAL_HOSTS)
    candidates = [host, *extra]
    address = _address(host)
    if address is not None and address.is_unspecified:  # 0.0.0.0 or ::, every address of the machine
        candidates += [socket.gethostname(), socket.getfqdn()]
    for name in candidates:
        name = name.strip().lower()
        if not name:
            continue
        literal = _address(name)
        forms = [name]
        if literal is not None and literal.version == 6:
            bare = name.strip("[]")
            forms = [bare, f"[{bare}]"]
        names += [form for form in forms if form not in names]
    return names


def host_name(header: str) -> str:
    """The name of a Host header, lower case, without its port.

    >>> host_name("127.0.0.1:8000"), host_name("[::1]:8000"), host_name("Explorer.LAN")
    ('127.0.0.1', '[::1]', 'explorer.lan')
    """
    header = header.strip().lower()
    if header.startswith("["):
        return header[: header.find("]") + 1]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header
