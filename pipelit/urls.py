"""Top-level URLs: health, the REST API under /api/v1/, the admin, the schema and the pages."""

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView

from . import views

api_v1 = [
    path("schema/", SpectacularJSONAPIView.as_view(), name="schema"),
    path("", include("apps.agents.api_urls")),
    path("", include("apps.workflows.api_urls")),
    path("", include("apps.execution.api_urls")),
    path("", include("apps.audit.api_urls")),
]

urlpatterns = [
    path("health", views.health, name="health"),
    path("health/", views.health),
    path("api/v1/", include(api_v1)),
    path("api/docs/", login_required(SpectacularSwaggerView.as_view(url_name="schema")), name="api-docs"),
    path("admin/", admin.site.urls),
    path("", include("apps.agents.urls")),
    path("", include("apps.execution.urls")),
    # The dashboard's routes first: `workflows/import/` must win over the editor's `workflows/<slug>/`.
    path("", include("apps.workflows.urls")),
    path("", include("apps.workflows.urls_editor")),
]
