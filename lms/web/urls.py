from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .forms import LoginForm

app_name = "lms"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="lms/login.html", authentication_form=LoginForm),
        name="login",
    ),
    path("login/unlock/", views.login_unlock_self, name="login_unlock_self"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            template_name="lms/password_change.html", success_url="/password/done/"
        ),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="lms/password_change_done.html"),
        name="password_change_done",
    ),
    path("register/", views.register, name="register"),
    path("register/done/", views.register_done, name="register_done"),
    path("people/", views.people_list, name="people_list"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/id-photo/", views.person_id_photo, name="person_id_photo"),
    path("people/<int:pk>/unlock-login/", views.login_unlock, name="login_unlock"),
    path("archive/", views.archive, name="archive"),
    path("archive/documents/<int:pk>/", views.archive_document, name="archive_document"),
    path("id-photos/review/", views.id_photo_reviews, name="id_photo_reviews"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/employees/add/", views.employee_add, name="employee_add"),
    path("organisations/<int:pk>/safety-training/", views.safety_training, name="safety_training"),
    path("employments/<int:pk>/end/", views.employment_end, name="employment_end"),
    path("invitations/", views.my_invitations, name="my_invitations"),
    path("personnel-changes/", views.personnel_changes, name="personnel_changes"),
    path(
        "employment-requests/<int:pk>/<slug:action>/", views.employment_request_act, name="employment_request_act"
    ),
]
