"""What the address ``talkdown serve`` listens on means, and what trainees type.

The default, ``127.0.0.1``, is this computer only. Any other address opens
the classroom to a network; there is no authentication, so the command warns
(`opens_to_network`). Nothing here sends a packet: the warning and the
addresses shown are worked out from the address given.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

DEFAULT_HOST = "127.0.0.1"
WILDCARDS = frozenset({"0.0.0.0", "::", ""})
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def _address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None  # a host name


def is_loopback(host: str) -> bool:
    """True when ``host`` is reachable from this computer only (127.0.0.0/8, ::1, localhost)."""
    address = _address(host)
    if address is None:
        return host.lower() in LOOPBACK_NAMES
    return address.is_loopback


def opens_to_network(host: str) -> bool:
    """True when listening on ``host`` lets other computers connect."""
    return not is_loopback(host)


@dataclass(frozen=True, slots=True)
class Listener:
    """A bound listening socket and how to describe it."""

    sock: socket.socket
    host: str
    port: int

    @property
    def wildcard(self) -> bool:
        """True when listening on every address of this computer."""
        return self.host.strip("[]") in WILDCARDS

    def url(self, host: str | None = None) -> str:
        """``http://HOST:PORT/`` for ``host`` (default: the address listened on)."""
        shown = self.host if host is None else host
        if ":" in shown and not shown.startswith("["):
            shown = f"[{shown}]"  # an IPv6 address in a URL
        return f"http://{shown}:{self.port}/"


def listen(host: str, port: int) -> Listener:
    """Bind ``host:port`` now, so a busy port or a foreign address fails before anything starts.

    ``port`` 0 picks a free port (tests and benchmarks). Raises `OSError`
    (`socket.gaierror` for a name that does not resolve).
    """
    bare = host.strip("[]")
    address = _address(bare)
    if bare == "::" or (address is not None and address.version == 6):
        dualstack = bare == "::" and socket.has_dualstack_ipv6()  # :: takes IPv4 too
        sock = socket.create_server((bare, port), family=socket.AF_INET6, dualstack_ipv6=dualstack)
    else:
        sock = socket.create_server((bare or "0.0.0.0", port))
    return Listener(sock, host, sock.getsockname()[1])
