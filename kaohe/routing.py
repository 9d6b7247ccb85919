"""WebSocket routes: each app's realtime/routing.py, joined here (the only place that wires apps together)."""

from exam.realtime import routing as exam_routing
from lms.realtime import routing as lms_routing

websocket_urlpatterns = lms_routing.websocket_urlpatterns + exam_routing.websocket_urlpatterns

# The channels that `manage.py runworker <channel>` serves (settings.VIDEO_CHANNEL: the media worker).
channel_consumers = exam_routing.channel_consumers
