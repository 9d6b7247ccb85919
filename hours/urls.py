from django.urls import path

from . import views

app_name = "hours"

urlpatterns = [
    path("courses/<int:course_id>/enrol/", views.enrol, name="enrol"),
    path("my/courses/", views.my_courses, name="my_courses"),
    path("study/lessons/<int:lesson_id>/", views.study, name="study"),
    path("organisations/<int:enterprise_id>/assign/", views.assign, name="assign"),
]
