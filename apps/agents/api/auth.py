"""/api/v1/auth/: first-run setup, password login, the current user, TOTP MFA."""

from ipaddress import ip_address

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.response import Response

from .. import selectors, services
from . import serializers as s
from .common import AgentsAPIView, IsAdminRole, PublicAPIView

TAG = ["auth"]


class SetupStatusView(PublicAPIView):
    @extend_schema(
        tags=TAG, summary="Whether the first admin still has to be created", responses=s.SetupStatusOut
    )
    def get(self, request):
        return Response({"needs_setup": selectors.user_needs_setup()})


class SetupView(PublicAPIView):
    @extend_schema(
        tags=TAG,
        summary="Create the first admin (only while no user exists; 409 after)",
        request=s.UsernamePassword,
        responses=s.KeyOut,
    )
    def post(self, request):
        data = self.parse(s.UsernamePassword)
        _, issued = services.setup_first_admin(username=data["username"], password=data["password"])
        return Response(s.key_response(issued.raw_key))


class TokenView(PublicAPIView):
    @extend_schema(
        tags=TAG,
        summary="Exchange username and password for a new API key",
        description="With MFA enabled the answer is `{key: '', requires_mfa: true}`: call mfa/login-verify/ next.",
        request=s.UsernamePassword,
        responses=s.KeyOut,
    )
    def post(self, request):
        data = self.parse(s.UsernamePassword)
        issued = services.login_with_password(username=data["username"], password=data["password"])
        return Response(s.key_response(issued.raw_key if issued else None))


class MeView(AgentsAPIView):
    @extend_schema(tags=TAG, summary="The key's owner", responses=s.UserOut)
    def get(self, request):
        return Response(s.user_out(request.user))


class MfaSetupView(AgentsAPIView):
    @extend_schema(
        tags=TAG,
        summary="Start TOTP enrolment (MFA stays off until verified)",
        request=None,
        responses=s.MfaSetupOut,
    )
    def post(self, request):
        secret, uri = services.mfa_setup(user=request.user)
        return Response({"secret": secret, "provisioning_uri": uri})


class MfaVerifyView(AgentsAPIView):
    @extend_schema(
        tags=TAG, summary="Confirm a TOTP code and turn MFA on", request=s.Code, responses=s.MfaStatusOut
    )
    def post(self, request):
        user = services.mfa_enable(user=request.user, code=self.parse(s.Code)["code"])
        return Response({"mfa_enabled": user.mfa_enabled})


class MfaDisableView(AgentsAPIView):
    @extend_schema(
        tags=TAG, summary="Turn MFA off with a valid TOTP code", request=s.Code, responses=s.MfaStatusOut
    )
    def post(self, request):
        user = services.mfa_disable(user=request.user, code=self.parse(s.Code)["code"])
        return Response({"mfa_enabled": user.mfa_enabled})


class MfaStatusView(AgentsAPIView):
    @extend_schema(tags=TAG, summary="Whether MFA is on for the key's owner", responses=s.MfaStatusOut)
    def get(self, request):
        return Response({"mfa_enabled": request.user.mfa_enabled})


class MfaLoginVerifyView(PublicAPIView):
    @extend_schema(
        tags=TAG,
        summary="Second login step: the TOTP code after token/ answered requires_mfa",
        description="Accepted only within 5 minutes of a correct password; repeated wrong codes lock the account.",
        request=s.UsernameCode,
        responses=s.KeyOut,
    )
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
    @extend_schema(
        tags=TAG,
        summary="Emergency MFA reset, from the machine itself only",
        description="Resets the caller's MFA; an admin may name another `username`. 403 unless from loopback.",
        request=s.MfaReset,
        responses=s.MfaStatusOut,
    )
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
