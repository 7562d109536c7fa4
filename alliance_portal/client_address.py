"""The one place that decides a request's client address.

Everything that records or counts an address (the audit log, a signature's evidence, login
lockouts, request limits) asks client_ip(), so they always agree on who the client was.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _valid(address: str | None) -> str | None:
    if not address:
        return None
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's IP address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT reverse proxies the
    address the outermost of them saw.

    Each trusted proxy appends the address it was connected from to X-Forwarded-For, so the
    client's address is the TRUSTED_PROXY_COUNT-th entry from the right; anything to the left of
    it was written by the client and is ignored. Without trusted proxies the header is never
    read: a client could put any address in it.
    """
    remote = _valid(request.META.get("REMOTE_ADDR"))
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [
        entry.strip()
        for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if entry.strip()
    ]
    if not forwarded:
        return remote
    # Fewer entries than proxies only happens when a request skipped an outer proxy: the
    # leftmost entry is then the one written nearest to the client.
    return _valid(forwarded[max(len(forwarded) - proxies, 0)]) or remote
