"""Which addresses the fetcher may reach, and connections to exactly the address checked.

Server-side request forgery guard for ``ingest.fetch``: a URL's host is resolved once
(``resolve``), every address it resolves to is checked (``checked_addresses``), and the
connection goes to those checked addresses only (``connector``) while the Host header, TLS
SNI and certificate check keep the original name -- so a name that answers a public address
to the check and a private one a moment later (DNS rebinding) cannot reach the private one.

Refused unless the settings allow them (``url_policy``): loopback, private, shared
(100.64/10), link-local, site-local, multicast, unspecified and reserved addresses, IPv4
and IPv6, including IPv4 addresses inside IPv6 ones (``::ffff:127.0.0.1``, 6to4, NAT64).
Odd spellings (``127.1``, ``2130706433``, ``0x7f000001``, ``[::1]``, ``localhost``) are
judged by what they resolve to. Every refusal is the same line, ``REFUSED``, and happens
before any connection, so it says nothing about what listens there. Allowed by
``Settings.allow_private_urls`` (``NEWSQA_ALLOW_PRIVATE_URLS``; the CLI's
``--allow-private-urls``) or per host name or network in ``Settings.url_allowlist``
(``NEWSQA_URL_ALLOWLIST``). It neither fetches nor parses anything itself.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from qa.errors import ConfigError
from qa.settings import Settings

REFUSED = "refused: private address"
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = tuple[int, tuple]  # (socket family, sockaddr) as getaddrinfo gives them
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_HOST_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.?)+$")


class Refused(Exception):
    """The host resolves to an address the policy does not allow (message: ``REFUSED``)."""

    def __init__(self) -> None:
        super().__init__(REFUSED)


def is_public(ip: IPAddress) -> bool:
    """True for a globally routable unicast address (IPv4 inside IPv6 judged as IPv4)."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return is_public(ip.ipv4_mapped)
        inner = ip.sixtofour or (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
                                 if ip in _NAT64 else None)
        if (inner is not None and not is_public(inner)) or ip.is_site_local:
            return False
    return ip.is_global and not (ip.is_private or ip.is_loopback or ip.is_link_local
                                 or ip.is_multicast or ip.is_unspecified or ip.is_reserved)


@dataclass(frozen=True)
class UrlPolicy:
    """What may be fetched besides public addresses: everything, or some hosts/networks."""

    allow_private: bool = False
    hosts: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = ()

    def permits(self, host: str, ip: IPAddress) -> bool:
        """May a URL naming ``host`` connect to ``ip``?"""
        if self.allow_private or is_public(ip) or _host_key(host) in self.hosts:
            return True
        plain = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
        return any(a in net for net in self.networks for a in (ip, plain)
                   if a is not None and a.version == net.version)


def url_policy(settings: Settings) -> UrlPolicy:
    """The policy ``settings`` ask for; ``ConfigError`` for a bad ``NEWSQA_URL_ALLOWLIST``."""
    return _policy(settings.allow_private_urls, settings.url_allowlist)


@lru_cache(maxsize=32)
def _policy(allow_private: bool, allowlist: str) -> UrlPolicy:
    hosts: set[str] = set()
    networks: list[Network] = []
    for entry in (e.strip() for e in allowlist.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            continue
        except ValueError:
            pass
        if "/" in entry or not _HOST_NAME.match(entry.lower()):
            raise ConfigError(f"NEWSQA_URL_ALLOWLIST: {entry!r} is neither a host name nor a "
                              "network (e.g. intranet.example,10.1.0.0/16).")
        hosts.add(_host_key(entry))
    return UrlPolicy(allow_private, frozenset(hosts), tuple(networks))


def _host_key(host: str) -> str:
    return host.strip("[]").rstrip(".").lower()


def resolve(host: str, port: int) -> list[Address]:
    """The one DNS lookup per connection: ``(family, sockaddr)`` for each address."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys((family, sockaddr) for family, _, _, _, sockaddr in infos))


def checked_addresses(host: str, port: int, policy: UrlPolicy) -> list[Address]:
    """Resolve ``host`` once; raise ``Refused`` if any address is not allowed (a name with
    one private address among public ones is refused as a whole)."""
    addresses = resolve(host, port)
    for _family, sockaddr in addresses:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if not policy.permits(host, ip):
            raise Refused()
    if not addresses:
        raise socket.gaierror(socket.EAI_NONAME, "no addresses")
    return addresses


def connector(addresses: list[Address]) -> Callable[..., socket.socket]:
    """A ``socket.create_connection`` look-alike that ignores the address it is given and
    connects to ``addresses`` (already checked) in order, for ``http.client``."""

    def connect(_address: object, timeout: object = None,
                source_address: object = None) -> socket.socket:
        last: OSError | None = None
        for family, sockaddr in addresses:
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                if isinstance(timeout, int | float):  # not the "global default" sentinel
                    sock.settimeout(timeout)
                if source_address:
                    sock.bind(source_address)  # type: ignore[arg-type]
                sock.connect(sockaddr)
                return sock
            except OSError as err:
                sock.close()
                last = err
        raise last or OSError("no address to connect to")

    return connect


__all__ = ["REFUSED", "Refused", "UrlPolicy", "checked_addresses", "connector", "is_public",
           "resolve", "url_policy"]
