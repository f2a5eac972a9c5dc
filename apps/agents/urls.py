"""Page routes of this app: sign in/out, first-run setup, home."""

from django.urls import path

from . import views

urlpatterns = [
    path("login/", views.LoginPageView.as_view(), name="login"),
    path("login/mfa/", views.login_mfa, name="login-mfa"),
    path("logout/", views.LogoutPageView.as_view(), name="logout"),
    path("setup/", views.setup, name="setup"),
    path("", views.home, name="home"),
]
