"""The project's URLs: the one place that wires every app together."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms.web.views import document_serve
from lms.web.forms import AdminLoginForm

from .api import api

# Each app's API router joins the one API here, the only place that wires apps together.
api.add_router("/", "lms.api.router")
api.add_router("/", "proctor.api.router")
api.add_router("/", "hours.api.router")
api.add_router("/", "exam.api.router")

admin.site.site_header = "考核 Kaohe"
admin.site.site_title = "考核 Kaohe"
admin.site.login_form = AdminLoginForm  # throttled like every login (lms.services.login)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("cms/", include(wagtailadmin_urls)),
    # Wagtail's document address, served by cms with HTTP Range and its access rule (before Wagtail's
    # own view, which sends whole files).
    path("documents/<int:document_id>/<str:document_filename>", document_serve),
    path("documents/", include(wagtaildocs_urls)),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # One prefix per app: a path says which app serves it.
    path("", include("lms.web.urls")),
    path("courses/", include("cms.web.urls")),
    path("identity/", include("proctor.web.urls")),
    path("hours/", include("hours.web.urls")),
    path("exam/", include("exam.web.urls")),
    # Certificates printed before the learning record moved under /hours/ carry this address.
    path("verify/<str:token>/", RedirectView.as_view(pattern_name="hours:certificate_verify", permanent=True)),
    # Wagtail serves the published catalogue pages under /pages/; its site root is Wagtail's English
    # welcome page, so the bare prefix goes to the catalogue instead.
    path("pages/", RedirectView.as_view(pattern_name="cms:course_list", permanent=False)),
    path("pages/", include(wagtail_urls)),
]
