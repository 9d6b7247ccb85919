"""WebSocket routes: each app's realtime/routing.py, joined here (the only place that wires apps together)."""

from exam.realtime import routing as exam_routing
from lms.realtime import routing as lms_routing

websocket_urlpatterns = lms_routing.websocket_urlpatterns + exam_routing.websocket_urlpatterns
