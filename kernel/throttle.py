"""Counters in Django's cache for throttling (failed logins, registrations, socket messages).

Each counter is a cache key that lives for its window from its first hit: `hit` adds one and
returns the count so far. The cache is Redis wherever REDIS_URL is set (production and CI), so
every process of a deployment shares the counts; the embedded default's in-memory cache counts per
process, which is enough for one process and for tests.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache

PREFIX = "throttle:"


def key(*parts) -> str:
    """A cache key from its parts; personal identifiers are hashed, never kept in the cache."""
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts[1:]).encode()).hexdigest()[:32]
    return f"{PREFIX}{getattr(settings, 'THROTTLE_NAMESPACE', '')}{parts[0]}:{digest}"


def hit(name: str, *, window: int) -> int:
    """Count one more event under `name`; the count restarts `window` seconds after its first event."""
    if cache.add(name, 1, timeout=window):
        return 1
    try:
        return cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.add(name, 1, timeout=window)
        return 1


def count(name: str) -> int:
    return int(cache.get(name) or 0)


def clear(*names: str) -> None:
    cache.delete_many(list(names))


def flag(name: str, *, seconds: int) -> None:
    """Set a marker that lasts `seconds` (a cool-down)."""
    if seconds > 0:
        cache.set(name, 1, timeout=seconds)


def flagged(name: str) -> bool:
    return cache.get(name) is not None


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or the last hop nginx added to X-Forwarded-For when the
    deployment says it sits behind a proxy (TRUST_X_FORWARDED_FOR); a client can forge the
    header, so it is never trusted otherwise."""
    meta = getattr(request, "META", None) or {}
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            return forwarded[-1]
    return meta.get("REMOTE_ADDR", "") or "unknown"
