"""A URLconf built after a test registered an execution admin (admin URLs are fixed at import)."""

from django.contrib import admin
from django.urls import path

urlpatterns = [path("admin/", admin.site.urls)]
