"""WebSocket routes. Each app adds its consumers here (the exam room, the proctor dashboard)."""

from django.urls import path, re_path

from exam.consumers import ExamRoomConsumer, SittingWatchConsumer
from lms.realtime.consumers import PingConsumer

websocket_urlpatterns = [
    path("ws/ping/", PingConsumer.as_asgi()),
    re_path(r"^ws/exam/attempts/(?P<attempt_id>[0-9]{1,12})/$", ExamRoomConsumer.as_asgi()),
    re_path(r"^ws/exam/sittings/(?P<sitting_id>[0-9]{1,12})/(?P<view>board|results)/$", SittingWatchConsumer.as_asgi()),
]
