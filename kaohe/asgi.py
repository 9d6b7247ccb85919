"""The ASGI entry point: HTTP through Django, WebSockets through Channels consumers, and the
workers' channels (`manage.py runworker media`)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaohe.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

# Django must be set up before anything imports models.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ChannelNameRouter, ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from .checks import refuse_development_key  # noqa: E402
from .routing import channel_consumers, websocket_urlpatterns  # noqa: E402

refuse_development_key()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
        # Workers (`manage.py runworker media`): the media worker's peer connections.
        "channel": ChannelNameRouter(channel_consumers),
    }
)
