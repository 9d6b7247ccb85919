"""Counters in Django's cache for throttling (failed logins, registrations, socket messages).

Each counter is a cache key that lives for its window from its first hit: `hit` adds one and
returns the count so far. The cache is Redis wherever REDIS_URL is set (production and CI), so
every process of a deployment shares the counts; the embedded default's in-memory cache counts per
process, which is enough for one process and for tests.
"""

import hashlib
import threading

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.signals import setting_changed
from django.dispatch import receiver

PREFIX = "throttle:"

_store = None
_store_lock = threading.Lock()


def store():
    """The process's one cache object for the counters. Django keeps a cache object per asyncio
    context, and every WebSocket consumer is a context of its own: through `django.core.cache.cache`
    each connected candidate opened a Redis pool and a connection of its own (issue 18's profile of
    a wave of joins). Django's Redis client and an in-memory cache are both safe across threads."""
    global _store
    if _store is None:
        with _store_lock:
            if _store is None:
                _store = caches.create_connection("default")
    return _store


@receiver(setting_changed)
def _caches_changed(*, setting, **kwargs):
    global _store
    if setting == "CACHES":
        _store = None


def key(*parts) -> str:
    """A cache key from its parts; personal identifiers are hashed, never kept in the cache."""
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts[1:]).encode()).hexdigest()[:32]
    return f"{PREFIX}{getattr(settings, 'THROTTLE_NAMESPACE', '')}{parts[0]}:{digest}"


def hit(name: str, *, window: int) -> int:
    """Count one more event under `name`; the count restarts `window` seconds after its first event."""
    return hits([(name, window)])[0]


def hits(counters: list[tuple[str, int]]) -> list[int]:
    """Count one more event under each (name, window) and return the counts, in one round trip to
    Redis (a pipeline of SET … NX EX, which starts a counter with its window, and INCR, per
    counter) instead of two per counter: the exam room counts two for every frame."""
    cache = store()
    if isinstance(cache, RedisCache):
        # Django's cache has no pipeline; its client does. The keys are the cache's own (prefix,
        # version), and its serializer stores integers as plain integers, so `count` reads them.
        pipe = cache._cache.get_client(write=True).pipeline(transaction=False)
        for name, window in counters:
            key_ = cache.make_and_validate_key(name)
            pipe.set(key_, 0, ex=window, nx=True)
            pipe.incr(key_)
        return [int(value) for value in pipe.execute()[1::2]]
    return [_hit_one(cache, name, window) for name, window in counters]


def _hit_one(cache, name: str, window: int) -> int:
    if cache.add(name, 1, timeout=window):
        return 1
    try:
        return cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.add(name, 1, timeout=window)
        return 1


def count(name: str) -> int:
    return int(store().get(name) or 0)


def clear(*names: str) -> None:
    store().delete_many(list(names))


def flag(name: str, *, seconds: int) -> None:
    """Set a marker that lasts `seconds` (a cool-down)."""
    if seconds > 0:
        store().set(name, 1, timeout=seconds)


def flagged(name: str) -> bool:
    return store().get(name) is not None


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
