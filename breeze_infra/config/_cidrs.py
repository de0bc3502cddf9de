"""Network lists of a token's request_ip condition: canonical, and never usable from nowhere."""

from __future__ import annotations

import ipaddress
from collections.abc import Collection
from typing import Any


def canonical_cidrs(values: list[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for value in values:
        if "%" in value:
            raise ValueError(
                f"'{value}' is a scoped IPv6 address (%zone), which only means something on one "
                "machine; give the network without the zone"
            )
        try:
            network = ipaddress.ip_network(value, strict=True)
        except ValueError as exc:
            raise ValueError(f"'{value}' is not an IPv4 or IPv6 CIDR ({exc})") from None
        if network.prefixlen == 0:
            raise ValueError(
                f"'{value}' is every {'IPv4' if network.version == 4 else 'IPv6'} address: an "
                "allow-list that allows everything is none (leave the key out), a deny-list that "
                "denies everything leaves the token usable from nowhere"
            )
        canonical = str(network)
        if canonical in seen:
            raise ValueError(f"'{value}' is listed twice")
        seen[canonical] = value
    return tuple(seen)


def unusable_cidrs(allowed: Collection[str], denied: Collection[str]) -> str | None:
    """An allowed network that a denied one wholly covers (the token is usable from nowhere in
    it), said as a problem; None when every allowed network is usable."""
    both = sorted(set(allowed) & set(denied))
    if both:
        return f"{', '.join(both)} is both allowed and denied"
    for text in allowed:
        network = ipaddress.ip_network(text)
        for other in denied:
            outer = ipaddress.ip_network(other)
            if network.version == outer.version and network.subnet_of(outer):  # type: ignore[arg-type]
                return f"allowed {text} lies wholly inside denied {other}: usable from nowhere"
    return None


def cidr_input(value: Any) -> Any:
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return canonical_cidrs(list(value))
    return value
