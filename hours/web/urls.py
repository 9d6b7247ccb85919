from django.urls import path

from .views import study as views

app_name = "hours"

urlpatterns = [
    path("courses/<int:course_id>/enrol/", views.enrol, name="enrol"),
    path("my/courses/", views.my_courses, name="my_courses"),
    path("my/hours/", views.my_hours, name="my_hours"),
    path("study/lessons/<int:lesson_id>/", views.study, name="study"),
    path("organisations/<int:enterprise_id>/assign/", views.assign, name="assign"),
]

from .views import certificates as views_certificates

urlpatterns += [
    path("my/certificates/", views_certificates.my_certificates, name="my_certificates"),
    path("my/certificates/<int:pk>/extension/", views_certificates.extension_apply, name="extension_apply"),
    path("certificates/", views_certificates.certificate_list, name="certificate_list"),
    path("certificates/issue/", views_certificates.certificates_issue, name="certificates_issue"),
    path("certificates/extensions/", views_certificates.extension_list, name="extension_list"),
    path("certificates/extensions/<int:pk>/decide/", views_certificates.extension_decide, name="extension_decide"),
    path("certificates/<int:pk>/pdf/", views_certificates.certificate_download, name="certificate_pdf"),
    path("certificates/<int:pk>/revoke/", views_certificates.certificate_revoke, name="certificate_revoke"),
    path("verify/<str:token>/", views_certificates.certificate_verify, name="certificate_verify"),
]

# Offline training batches and authority adjustments.
from .views import offline as views_offline

urlpatterns += [
    path("offline/batches/", views_offline.batch_list, name="offline_batches"),
    path("offline/batches/upload/", views_offline.batch_upload, name="offline_batch_upload"),
    path("offline/batches/template.csv", views_offline.batch_template, name="offline_batch_template"),
    path("offline/batches/<int:pk>/", views_offline.batch_detail, name="offline_batch"),
    path("offline/batches/<int:pk>/decide/", views_offline.batch_decide, name="offline_batch_decide"),
    path("people/<int:person_id>/adjust-hours/", views_offline.hours_adjust, name="hours_adjust"),
]

# The credit-hour dashboard (authorities, enterprises).
from .views import dashboard as views_dashboard

urlpatterns += [
    path("hours/dashboard/", views_dashboard.overview, name="dashboard"),
    path("hours/dashboard/list/", views_dashboard.certificate_list, name="dashboard_list"),
    path("hours/dashboard/export.xlsx", views_dashboard.export, name="dashboard_export"),
]
