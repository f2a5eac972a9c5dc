"""Pages: sign in (password, then TOTP when enabled), sign out, first-run setup."""

import time
from urllib.parse import urlencode

from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from .. import errors, selectors, services
from ..forms import MfaCodeForm, SetupForm
from ..models import User

MFA_SESSION_KEY = "mfa_pending"
MFA_STEP_SECONDS = 300


class LoginPageView(auth_views.LoginView):
    template_name = "agents/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if not user.mfa_enabled:
            return super().form_valid(form)
        # Password is right; the session only remembers who is half-way in, not that they are in.
        self.request.session[MFA_SESSION_KEY] = {"user_id": user.pk, "at": time.time()}
        return HttpResponseRedirect(f"{reverse('login-mfa')}?{urlencode({'next': self.get_success_url()})}")


def _pending_mfa_user(request) -> User | None:
    pending = request.session.get(MFA_SESSION_KEY) or {}
    if not pending or time.time() - pending.get("at", 0) > MFA_STEP_SECONDS:
        return None
    return selectors.user_get_mfa_pending(user_id=pending.get("user_id"))


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    allowed = url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    return target if allowed else "/"


@require_http_methods(["GET", "POST"])
def login_mfa(request):
    user = _pending_mfa_user(request)
    if user is None:
        return redirect("login")
    form = MfaCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if services.mfa_check_code(user=user, code=form.cleaned_data["code"]):
                request.session.pop(MFA_SESSION_KEY, None)
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return redirect(_safe_next(request))
            form.add_error("code", "Invalid code.")
        except errors.MfaLocked as exc:
            form.add_error(None, exc.detail)
    return render(request, "agents/login_mfa.html", {"form": form, "next": _safe_next(request)})


class LogoutPageView(auth_views.LogoutView):
    """POST only (Django's own rule): a link or prefetch cannot sign anyone out."""


@require_http_methods(["GET", "POST"])
def setup(request):
    if not selectors.user_needs_setup():
        return redirect("login")
    form = SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.first_admin_create(
                username=form.cleaned_data["username"], password=form.cleaned_data["password"]
            )
        except errors.SetupAlreadyCompleted:
            return redirect("login")
        except errors.InvalidInput as exc:
            form.add_error(None, exc.detail)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("home")
    return render(request, "agents/setup.html", {"form": form})
