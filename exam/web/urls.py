"""The exam app's pages, under /exam/: the question bank, exams and sittings (management), a
candidate's exams and the room, and the proctor's board and results."""

from django.urls import path

from .views import manage, room, video

app_name = "exam"

urlpatterns = [
    # The question bank, exams and sittings.
    path("bank/", manage.bank, name="bank"),
    path("bank/new/", manage.question_new, name="question_new"),
    path("bank/import/", manage.bank_import, name="bank_import"),
    path("bank/template.<str:fmt>", manage.bank_template, name="bank_template"),
    path("bank/<int:pk>/", manage.question_detail, name="question"),
    path("bank/<int:pk>/active/", manage.question_active, name="question_active"),
    path("exams/", manage.exam_list, name="exams"),
    path("exams/new/", manage.exam_new, name="exam_new"),
    path("exams/<int:pk>/edit/", manage.exam_edit, name="exam_edit"),
    path("sittings/", manage.sitting_list, name="sittings"),
    path("sittings/new/", manage.sitting_new, name="sitting_new"),
    path("sittings/<int:pk>/", manage.sitting_detail, name="sitting"),
    path("sittings/<int:pk>/candidates/", manage.sitting_candidates_add, name="sitting_candidates_add"),
    path(
        "sittings/<int:pk>/candidates/<int:person_id>/remove/",
        manage.sitting_candidate_remove,
        name="sitting_candidate_remove",
    ),
    # The candidate's side and the room.
    path("my/", room.my_exams, name="my_exams"),
    path("my/sittings/<int:sitting_id>/enter/", room.enter, name="enter"),
    path("attempts/<int:attempt_id>/", room.room, name="room"),
    path("attempts/<int:attempt_id>/review/", room.review, name="review"),
    # The proctor's side.
    path("attempts/<int:attempt_id>/warn/", room.warn, name="warn"),
    path("attempts/<int:attempt_id>/terminate/", room.terminate, name="terminate"),
    path("attempts/<int:attempt_id>/confirm-identity/", room.confirm_identity, name="confirm_identity"),
    path("attempts/<int:attempt_id>/video/", video.video_view, name="video"),
    path("attempts/<int:attempt_id>/video/frame.jpg", video.video_frame, name="video_frame"),
    path("sittings/<int:sitting_id>/board/", room.board, name="board"),
    path("sittings/<int:sitting_id>/results/", room.results, name="results"),
    path("sittings/<int:sitting_id>/issue-certificates/", room.issue_certificates, name="issue_certificates"),
]
