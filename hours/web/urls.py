"""The learning record's pages, under /hours/: a learner's courses, study, hours and certificates;
offline training batches and adjustments; certificates and extensions; the hours dashboard; and
the public verification of a certificate."""

from django.urls import path

from .views import certificates, dashboard, legacy, offline, passes, study

app_name = "hours"

urlpatterns = [
    # A learner's study and record.
    path("courses/<int:course_id>/enrol/", study.enrol, name="enrol"),
    path("my/courses/", study.my_courses, name="my_courses"),
    path("my/hours/", study.my_hours, name="my_hours"),
    path("my/courses/<int:course_id>/credential/", study.course_credential, name="course_credential"),
    path("my/hours/<int:entry_id>/reassign/", study.hours_reassign, name="hours_reassign"),
    path("study/lessons/<int:lesson_id>/", study.study, name="study"),
    path("enterprises/<int:enterprise_id>/assign/", study.assign, name="assign"),
    # Certificates.
    path("my/certificates/", certificates.my_certificates, name="my_certificates"),
    path("my/certificates/<int:pk>/extension/", certificates.extension_apply, name="extension_apply"),
    path("certificates/", certificates.certificate_list, name="certificate_list"),
    path("certificates/issue/", certificates.certificates_issue, name="certificates_issue"),
    path("certificates/extensions/", certificates.extension_list, name="extension_list"),
    path("certificates/extensions/<int:pk>/decide/", certificates.extension_decide, name="extension_decide"),
    path("certificates/<int:pk>/pdf/", certificates.certificate_download, name="certificate_pdf"),
    path("certificates/<int:pk>/statement/", certificates.certificate_statement, name="certificate_statement"),
    path("certificates/<int:pk>/revoke/", certificates.certificate_revoke, name="certificate_revoke"),
    path("verify/<str:token>/", certificates.certificate_verify, name="certificate_verify"),
    path("lookup/", certificates.certificate_lookup, name="certificate_lookup"),
    path("enterprises/<int:enterprise_id>/certificates/", certificates.enterprise_certificates, name="enterprise_certificates"),
    path(
        "enterprises/<int:enterprise_id>/certificates/<int:pk>/extension/",
        certificates.enterprise_extension_apply,
        name="enterprise_extension_apply",
    ),
    # Old certificates (原持证人员信息备案): the enterprise registers, the region's authority confirms,
    # the holder exchanges one for an electronic certificate (换证, 更新).
    path("enterprises/<int:enterprise_id>/legacy/", legacy.enterprise_legacy, name="enterprise_legacy"),
    path("legacy/", legacy.legacy_review, name="legacy_review"),
    path("legacy/<int:pk>/decide/", legacy.legacy_decide, name="legacy_decide"),
    path("my/legacy/<int:pk>/exchange/", legacy.legacy_exchange, name="legacy_exchange"),
    # Pass lists: the city compiles (from exam results), the province confirms or returns.
    path("pass-lists/", passes.pass_list_index, name="pass_lists"),
    path("pass-lists/<int:pk>/", passes.pass_list_detail, name="pass_list"),
    path("pass-lists/<int:pk>/decide/", passes.pass_list_decide, name="pass_list_decide"),
    path("pass-lists/<int:pk>/issue/", passes.pass_list_issue, name="pass_list_issue"),
    # Offline training batches and authority adjustments.
    path("offline/batches/", offline.batch_list, name="offline_batches"),
    path("offline/batches/upload/", offline.batch_upload, name="offline_batch_upload"),
    path("offline/batches/template.csv", offline.batch_template, name="offline_batch_template"),
    path("offline/batches/<int:pk>/", offline.batch_detail, name="offline_batch"),
    path("offline/batches/<int:pk>/decide/", offline.batch_decide, name="offline_batch_decide"),
    path("people/<int:person_id>/adjust/", offline.hours_adjust, name="hours_adjust"),
    # The credit-hour dashboard (authorities, enterprises).
    path("dashboard/", dashboard.overview, name="dashboard"),
    path("dashboard/list/", dashboard.certificate_list, name="dashboard_list"),
    path("dashboard/first-certificate/", dashboard.first_certificate, name="dashboard_first_certificate"),
    path("dashboard/export.xlsx", dashboard.export, name="dashboard_export"),
]
