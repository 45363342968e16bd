"""Who is asking: the client's address, as far as the site can trust it.

Behind reverse proxies, REMOTE_ADDR is the nearest proxy's address and the client's own is in
X-Forwarded-For, where each proxy appends the address that connected to it. Only the last
TRUSTED_PROXY_COUNT entries were written by proxies we run; anything to their left was sent by
the client and may be forged. With no trusted proxy (the default) the header is ignored.
"""

import ipaddress
import logging

from django.conf import settings

logger = logging.getLogger(__name__)


def _valid(address):
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def client_ip(request):
    """The client's IP address: REMOTE_ADDR, or the entry of X-Forwarded-For that the first
    trusted proxy wrote. A missing or malformed header falls back to REMOTE_ADDR."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        logger.warning(
            "X-Forwarded-For has %d entries but %d proxies are trusted; using REMOTE_ADDR",
            len(forwarded),
            count,
        )
        return remote
    candidate = forwarded[-count]
    if not _valid(candidate):
        logger.warning("X-Forwarded-For names no valid address (%r); using REMOTE_ADDR", candidate)
        return remote
    return candidate
