"""The cache counters behind the login, registration and exam-room limits, on the run's cache:
in-memory in the embedded pass, Redis in the service pass (one pipelined round trip there)."""

from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache

from kernel import throttle


def test_hits_count_each_counter_in_one_call_and_count_reads_them():
    first, second = throttle.key("test-a", 1), throttle.key("test-b", 1)
    assert throttle.hits([(first, 60), (second, 60)]) == [1, 1]
    assert throttle.hits([(first, 60), (second, 60)]) == [2, 2]
    assert throttle.hit(first, window=60) == 3
    assert throttle.count(first) == 3 and throttle.count(second) == 2
    # The counters are the cache's own keys: Django's cache reads the same number.
    assert cache.get(first) == 3


def test_a_cleared_counter_starts_again_and_keeps_its_window():
    name = throttle.key("test-c", 2)
    throttle.hits([(name, 60)])
    throttle.clear(name)
    assert throttle.count(name) == 0
    assert throttle.hit(name, window=60) == 1
    assert throttle.hit(name, window=600) == 2
    store = throttle.store()
    if isinstance(store, RedisCache):  # the window is set by the first hit, and only by it
        assert 0 < store._cache.get_client().ttl(store.make_and_validate_key(name)) <= 60


def test_one_cache_object_serves_the_process():
    assert throttle.store() is throttle.store()
