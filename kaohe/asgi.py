"""The ASGI entry point: HTTP through Django, WebSockets through Channels consumers, and the
workers' channels (`manage.py runworker media`)."""

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaohe.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddleware, get_user  # noqa: E402
from channels.db import database_sync_to_async  # noqa: E402
from channels.routing import ChannelNameRouter, ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from channels.sessions import CookieMiddleware, SessionMiddleware  # noqa: E402

from django.conf import settings  # noqa: E402

from exam.realtime.consumers import parallel_database  # noqa: E402
from kernel import gcpauses  # noqa: E402

from .checks import refuse_development_key  # noqa: E402
from .server import bodies_left_to_django  # noqa: E402
from .routing import channel_consumers, websocket_urlpatterns  # noqa: E402


class PooledAuthMiddleware(AuthMiddleware):
    """Channels' AuthMiddleware, with the session and its user read on the pool of database
    threads where the database allows it (PostgreSQL), not on the one thread every
    database_sync_to_async call of the process shares: a wave of connecting candidates then
    does not queue behind every other connection's statements (issue 18)."""

    async def resolve_scope(self, scope):
        read = database_sync_to_async(get_user.func, thread_sensitive=not parallel_database())
        scope["user"]._wrapped = await read(scope)

refuse_development_key()
bodies_left_to_django()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            CookieMiddleware(SessionMiddleware(PooledAuthMiddleware(URLRouter(websocket_urlpatterns))))
        ),
        # Workers (`manage.py runworker media`): the media worker's peer connections.
        "channel": ChannelNameRouter(channel_consumers),
    }
)

# Everything imported so far lives as long as the process: keep it out of the cyclic collector's
# full passes. Without this a full pass walked Django's, Wagtail's and the engine's ~215,000 startup
# objects, 340-390 ms with the GIL held (every socket of the process waits), and a wave of joining
# candidates triggers such passes; the stall was the exam room's p99 (bench/exam_ws.py).
gc.freeze()
if settings.GC_THRESHOLDS:
    gc.set_threshold(*settings.GC_THRESHOLDS)
gcpauses.watch(settings.GC_PAUSE_LOG_MS)
