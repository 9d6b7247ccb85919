"""The exam app's pages: bank and sitting management (urls_manage), the exam room and results
(urls_room)."""

from django.urls import include, path

app_name = "exam"

urlpatterns = [
    path("", include("exam.urls_manage")),
    path("", include("exam.urls_room")),
]
