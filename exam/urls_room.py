from django.urls import path

from . import views_room as views

urlpatterns = [
    path("exam/my/", views.my_exams, name="my_exams"),
    path("exam/my/sittings/<int:sitting_id>/enter/", views.enter, name="enter"),
    path("exam/attempts/<int:attempt_id>/", views.room, name="room"),
    path("exam/attempts/<int:attempt_id>/review/", views.review, name="review"),
    path("exam/attempts/<int:attempt_id>/warn/", views.warn, name="warn"),
    path("exam/attempts/<int:attempt_id>/terminate/", views.terminate, name="terminate"),
    path("exam/attempts/<int:attempt_id>/confirm-identity/", views.confirm_identity, name="confirm_identity"),
    path("exam/sittings/<int:sitting_id>/board/", views.board, name="board"),
    path("exam/sittings/<int:sitting_id>/results/", views.results, name="results"),
    path("exam/sittings/<int:sitting_id>/issue-certificates/", views.issue_certificates, name="issue_certificates"),
]
