"""Management pages: the question bank, exams and sittings (namespace `exam`)."""

from django.urls import path

from . import views_manage as views

urlpatterns = [
    path("exam/bank/", views.bank, name="bank"),
    path("exam/bank/new/", views.question_new, name="question_new"),
    path("exam/bank/import/", views.bank_import, name="bank_import"),
    path("exam/bank/template.<str:fmt>", views.bank_template, name="bank_template"),
    path("exam/bank/<int:pk>/", views.question_detail, name="question"),
    path("exam/bank/<int:pk>/active/", views.question_active, name="question_active"),
    path("exam/exams/", views.exam_list, name="exams"),
    path("exam/exams/new/", views.exam_new, name="exam_new"),
    path("exam/exams/<int:pk>/edit/", views.exam_edit, name="exam_edit"),
    path("exam/sittings/", views.sitting_list, name="sittings"),
    path("exam/sittings/new/", views.sitting_new, name="sitting_new"),
    path("exam/sittings/<int:pk>/", views.sitting_detail, name="sitting"),
    path("exam/sittings/<int:pk>/candidates/", views.sitting_candidates_add, name="sitting_candidates_add"),
    path(
        "exam/sittings/<int:pk>/candidates/<int:person_id>/remove/",
        views.sitting_candidate_remove,
        name="sitting_candidate_remove",
    ),
]
