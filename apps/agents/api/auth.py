"""/api/v1/auth/: first-run setup, password login, the current user, TOTP MFA."""

from ipaddress import ip_address

from rest_framework import exceptions
from rest_framework.response import Response

from .. import selectors, services
from . import serializers as s
from .common import AgentsAPIView, IsAdminRole, PublicAPIView


class SetupStatusView(PublicAPIView):
    def get(self, request):
        return Response({"needs_setup": selectors.user_needs_setup()})


class SetupView(PublicAPIView):
    def post(self, request):
        data = self.parse(s.UsernamePassword)
        _, issued = services.setup_first_admin(username=data["username"], password=data["password"])
        return Response(s.key_response(issued.raw_key))


class TokenView(PublicAPIView):
    def post(self, request):
        data = self.parse(s.UsernamePassword)
        issued = services.login_with_password(username=data["username"], password=data["password"])
        return Response(s.key_response(issued.raw_key if issued else None))


class MeView(AgentsAPIView):
    def get(self, request):
        return Response(s.user_out(request.user))


class MfaSetupView(AgentsAPIView):
    def post(self, request):
        secret, uri = services.mfa_setup(user=request.user)
        return Response({"secret": secret, "provisioning_uri": uri})


class MfaVerifyView(AgentsAPIView):
    def post(self, request):
        user = services.mfa_enable(user=request.user, code=self.parse(s.Code)["code"])
        return Response({"mfa_enabled": user.mfa_enabled})


class MfaDisableView(AgentsAPIView):
    def post(self, request):
        user = services.mfa_disable(user=request.user, code=self.parse(s.Code)["code"])
        return Response({"mfa_enabled": user.mfa_enabled})


class MfaStatusView(AgentsAPIView):
    def get(self, request):
        return Response({"mfa_enabled": request.user.mfa_enabled})


class MfaLoginVerifyView(PublicAPIView):
    def post(self, request):
        data = self.parse(s.UsernameCode)
        issued = services.mfa_login_verify(username=data["username"], code=data["code"])
        return Response(s.key_response(issued.raw_key))


def _from_loopback(request) -> bool:
    # A request relayed by a proxy on this host has a loopback REMOTE_ADDR too: refuse those.
    if request.META.get("HTTP_X_FORWARDED_FOR") or request.META.get("HTTP_FORWARDED"):
        return False
    try:
        return ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


class MfaResetView(AgentsAPIView):
    """Emergency reset from the machine itself; an admin may name another user."""

    def post(self, request):
        if not _from_loopback(request):
            raise exceptions.PermissionDenied("MFA reset only allowed from localhost.")
        username = self.parse(s.MfaReset).get("username")
        target = request.user
        if username and username != request.user.username:
            if not IsAdminRole().has_permission(request, self):
                raise exceptions.PermissionDenied(IsAdminRole.message)
            target = selectors.user_get_by_username(username=username)
        user = services.mfa_reset(user=target)
        return Response({"mfa_enabled": user.mfa_enabled})
