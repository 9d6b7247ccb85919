"""Identity pages, under /identity/: the learner's face profile and the checked views of identity images."""

from django.urls import path

from . import views

app_name = "proctor"

urlpatterns = [
    path("face/", views.face, name="face"),
    path("face/consent/", views.consent_give, name="consent_give"),
    path("face/consent/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("face/id-photo/", views.id_photo_use, name="id_photo_use"),
    path("face/reset/", views.references_reset, name="references_reset"),
    path("evidence/snapshots/<str:snapshot_id>/image/", views.snapshot_image, name="snapshot_image"),
    path("evidence/references/<int:reference_id>/image/", views.reference_image, name="reference_image"),
]
