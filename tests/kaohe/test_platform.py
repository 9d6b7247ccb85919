"""The platform's wiring: settings, the ASGI application with the channel layer, demo data."""

import pytest
from channels.routing import get_default_application
from channels.testing import WebsocketCommunicator
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from kaohe.checks import (
    refuse_development_key,
    secret_key_is_not_the_development_default,
)
from lms.models import Membership, Organisation, Person, Role


def test_the_development_key_is_refused_without_debug(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = settings.DEVELOPMENT_SECRET_KEY
    assert [error.id for error in secret_key_is_not_the_development_default(None)] == ["kaohe.E001"]
    with pytest.raises(ImproperlyConfigured):
        refuse_development_key()
    settings.SECRET_KEY = "a-real-secret-from-the-environment-0123456789"
    assert secret_key_is_not_the_development_default(None) == []


def test_settings_follow_the_environment(settings):
    import os

    if os.environ.get("REDIS_URL"):
        assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"
        assert not settings.CELERY_TASK_ALWAYS_EAGER
    else:
        assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels.layers.InMemoryChannelLayer"
        assert settings.CELERY_TASK_ALWAYS_EAGER
    assert settings.TIME_ZONE == "Asia/Shanghai" and settings.USE_TZ


@pytest.mark.django_db(transaction=True)
async def test_the_websocket_path_round_trips_through_the_channel_layer(world):
    from asgiref.sync import sync_to_async
    from django.test import Client

    client = Client()
    await sync_to_async(client.force_login)(world.gz_worker.user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    communicator = WebsocketCommunicator(
        get_default_application(), "/ws/ping/", headers=[(b"cookie", cookie.encode()), (b"host", b"localhost"), (b"origin", b"http://localhost")]
    )
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=5) == {"type": "pong"}
    await communicator.send_json_to({"type": "nonsense"})
    assert (await communicator.receive_json_from(timeout=5))["code"] == "unknown_type"
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_anonymous_websockets_are_closed():
    communicator = WebsocketCommunicator(get_default_application(), "/ws/ping/", headers=[(b"host", b"localhost"), (b"origin", b"http://localhost")])
    connected, code = await communicator.connect()
    assert not connected and code == 4401


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_makes_every_role(capsys):
    call_command("seed_demo")
    first = (Person.objects.count(), Organisation.objects.count(), Membership.objects.count())
    call_command("seed_demo")
    assert (Person.objects.count(), Organisation.objects.count(), Membership.objects.count()) == first
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    assert Organisation.objects.filter(kind="enterprise").count() == 2
    output = capsys.readouterr().out
    assert "kaohe-demo-2026" in output and "13800138001" in output


def test_a_pool_replaces_persistent_connections_on_postgresql():
    """DATABASE_POOL_MAX_SIZE gives each process a psycopg pool and forces CONN_MAX_AGE to 0 (a
    persistent connection outlives the per-request thread of ASGI); the pool then serves queries.
    Run in a child process: settings are read once per process."""
    import json
    import os
    import subprocess
    import sys

    server = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
    program = (
        "import django, json; django.setup()\n"
        "from django.conf import settings; from django.db import connection\n"
        "db = settings.DATABASES['default']\n"
        "with connection.cursor() as c: c.execute('SELECT 1'); one = c.fetchone()[0]\n"
        "print(json.dumps({'age': db['CONN_MAX_AGE'], 'pool': db['OPTIONS'].get('pool'), 'one': one,"
        " 'pooled': connection.pool is not None}))\n"
    )
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "kaohe.settings", "DEBUG": "1", "DATABASE_URL": f"{server}/postgres",
        "DATABASE_CONN_MAX_AGE": "60", "DATABASE_POOL_MAX_SIZE": "4",
    }
    done = subprocess.run([sys.executable, "-c", program], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {"age": 0, "pool": {"min_size": 2, "max_size": 4, "timeout": 10.0}, "one": 1, "pooled": True}


def test_a_channels_redis_layer_cannot_outlive_its_event_loop(tmp_path):
    """Why tests/conftest.py gives each test a channel layer of its own (CI of stop 23): in
    channels-redis a receive cancelled while it waits for the specific channels' clean-up lock
    leaves that lock behind, and the next event loop that uses the same layer object cannot take it.
    When channels-redis fixes this, this test fails and the fixture's comment can say so."""
    import asyncio
    import contextlib
    import os

    from channels_redis.core import RedisChannelLayer

    from tests.daphne import _redis_for, _stop

    processes = []
    url = os.environ.get("REDIS_URL") or _redis_for(tmp_path, processes)
    layer = RedisChannelLayer(hosts=[url], prefix=f"leak{os.getpid()}")
    gate = {}  # an asyncio.Event made inside each loop
    real_clean = layer._clean_receive_backup

    async def held_clean(*args):
        await gate["open"].wait()  # the clean-up holds the lock until the test opens the gate
        return await real_clean(*args)

    layer._clean_receive_backup = held_clean

    async def first_loop():
        gate["open"] = asyncio.Event()
        one, two = await layer.new_channel(), await layer.new_channel()
        await layer.send(one, {"type": "x"})
        assert await layer.receive(one) == {"type": "x"}  # its clean-up now holds the lock
        waiting = asyncio.ensure_future(layer.receive(two))
        while not layer.receive_clean_locks.wait_counts or max(layer.receive_clean_locks.wait_counts.values()) < 2:
            await asyncio.sleep(0)  # until the second receive waits for that lock
        waiting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiting
        gate["open"].set()
        while layer.receive_cleaners:
            await asyncio.sleep(0)

    async def second_loop():
        gate["open"] = asyncio.Event()
        gate["open"].set()
        one, two = await layer.new_channel(), await layer.new_channel()
        await layer.send(one, {"type": "x"})
        await layer.send(two, {"type": "y"})
        await asyncio.gather(layer.receive(one), layer.receive(two))

    try:
        asyncio.run(first_loop())
        assert layer.receive_clean_locks.locks, "the lock no longer outlives a cancelled receive"
        with pytest.raises(RuntimeError, match="different event loop"):
            asyncio.run(second_loop())
    finally:
        for process in processes:
            _stop(process)
