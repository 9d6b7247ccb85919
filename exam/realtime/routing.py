from django.urls import re_path

from .consumers import ExamRoomConsumer, SittingWatchConsumer

websocket_urlpatterns = [
    re_path(r"^ws/exam/attempts/(?P<attempt_id>[0-9]{1,12})/$", ExamRoomConsumer.as_asgi()),
    re_path(r"^ws/exam/sittings/(?P<sitting_id>[0-9]{1,12})/(?P<view>board|results)/$", SittingWatchConsumer.as_asgi()),
]
