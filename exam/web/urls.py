"""The exam app's pages, under /exam/: the question bank, exams and sittings (management), a
candidate's exams and the room, and the proctor's board and results."""

from django.urls import path

from .views import applications, audit, manage, plans, results, room, video

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
    # Applications (报名) and admission tickets.
    path("applications/", applications.my_applications, name="my_applications"),
    path("applications/manage/", applications.application_list, name="applications"),
    path("applications/manage/approve/", applications.bulk_approve, name="applications_approve"),
    path("applications/<int:pk>/", applications.application_detail, name="application"),
    path("applications/<int:pk>/withdraw/", applications.withdraw, name="application_withdraw"),
    path("applications/<int:pk>/verify/", applications.verify, name="application_verify"),
    path("applications/<int:pk>/decide/", applications.decide, name="application_decide"),
    path("applications/<int:pk>/proof/", applications.proof, name="application_proof"),
    path("applications/<int:pk>/ticket.pdf", applications.ticket, name="ticket"),
    # The Qinghai path (003): the institution, the social-insurance check, exam plans.
    path("institution/applications/", plans.institution_applications, name="institution_applications"),
    path("applications/<int:pk>/institution/", plans.institution_decide, name="institution_decide"),
    path("insurance-checks/", plans.insurance_queue, name="insurance_queue"),
    path("applications/<int:pk>/insurance/", plans.insurance_check, name="insurance_check"),
    path("plans/", plans.plan_list, name="plans"),
    path("plans/<int:pk>/", plans.plan_detail, name="plan"),
    path("plans/<int:pk>/<str:action>/", plans.plan_action, name="plan_action"),
    path("checkin/", applications.checkin, name="checkin"),
    path("checkin/<int:pk>/photo/", applications.checkin_photo, name="checkin_photo"),
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
    path("attempts/<int:attempt_id>/video/clips/<str:clip_id>/", video.video_clip, name="video_clip"),
    path("sittings/<int:sitting_id>/board/", room.board, name="board"),
    path("sittings/<int:sitting_id>/results/", room.results, name="results"),
    path("sittings/<int:sitting_id>/issue-certificates/", room.issue_certificates, name="issue_certificates"),
    # Scores by part, their upload and lock, and the pass list.
    path("sittings/<int:sitting_id>/scores/", results.scores, name="scores"),
    path("sittings/<int:sitting_id>/scores/enter/", results.score_enter, name="score_enter"),
    path("sittings/<int:sitting_id>/scores/upload/", results.scores_upload, name="scores_upload"),
    path("sittings/<int:sitting_id>/scores/lock/", results.scores_lock, name="scores_lock"),
    path("sittings/<int:sitting_id>/pass-list/", results.pass_list_compile, name="pass_list_compile"),
    # The audit portal, for authority reviewers (exam.web.views.audit).
    path("audit/", audit.log, name="audit_log"),
    path("audit/log/<int:entry_id>/", audit.entry, name="audit_entry"),
    path("audit/people/<int:person_id>/", audit.person, name="audit_person"),
    path("audit/institutions/<int:organisation_id>/", audit.institution, name="audit_institution"),
    path("audit/sittings/<int:sitting_id>/", audit.sitting, name="audit_sitting"),
    path("audit/verify/", audit.verification, name="audit_verify"),
    path("audit/exports/", audit.export_list, name="audit_exports"),
    path("audit/exports/<int:export_id>/", audit.export_detail, name="audit_export"),
    path("audit/exports/<int:export_id>/status/", audit.export_status, name="audit_export_status"),
    path("audit/exports/<int:export_id>/download/", audit.export_download, name="audit_export_download"),
    path("audit/reviews/", audit.review_list, name="audit_reviews"),
    path("audit/reviews/decide/", audit.review_decide, name="audit_review_decide"),
    path("audit/reviews/<int:review_id>/second/", audit.review_second, name="audit_review_second"),
    path("audit/reviews/<int:review_id>/attachment/", audit.review_attachment, name="audit_review_attachment"),
    # The person's own data and appeals.
    path("my/data/", audit.my_data, name="my_data"),
    path("my/data/export/", audit.my_data_export, name="my_data_export"),
    path("my/reviews/<int:review_id>/appeal/", audit.my_appeal, name="my_appeal"),
]
