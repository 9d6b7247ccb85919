from django.urls import path

from . import views

app_name = "proctor"

urlpatterns = [
    path("my/face/", views.face, name="face"),
    path("my/face/consent/", views.consent_give, name="consent_give"),
    path("my/face/consent/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("my/face/id-photo/", views.id_photo_use, name="id_photo_use"),
    path("my/face/reset/", views.references_reset, name="references_reset"),
    path("evidence/snapshots/<str:snapshot_id>/image/", views.snapshot_image, name="snapshot_image"),
    path("evidence/references/<int:reference_id>/image/", views.reference_image, name="reference_image"),
]
