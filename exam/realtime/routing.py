from django.conf import settings
from django.urls import re_path

from .consumers import ExamRoomConsumer, SittingWatchConsumer
from .media import MediaConsumer

websocket_urlpatterns = [
    re_path(r"^ws/exam/attempts/(?P<attempt_id>[0-9]{1,12})/$", ExamRoomConsumer.as_asgi()),
    re_path(r"^ws/exam/sittings/(?P<sitting_id>[0-9]{1,12})/(?P<view>board|results)/$", SittingWatchConsumer.as_asgi()),
]

# `manage.py runworker media`: the WebRTC peer connections of the exam room (exam.realtime.media).
channel_consumers = {settings.VIDEO_CHANNEL: MediaConsumer.as_asgi()}


# Channels' routes cannot be reversed: the pages take their socket paths from here, beside the
# patterns they must match.
def attempt_socket_path(attempt_id: int) -> str:
    return f"/ws/exam/attempts/{attempt_id}/"


def sitting_socket_path(sitting_id: int, view: str) -> str:
    return f"/ws/exam/sittings/{sitting_id}/{view}/"
