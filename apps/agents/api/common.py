"""Shared REST pieces: domain errors to HTTP answers, the admin-role permission."""

from drf_spectacular.utils import inline_serializer
from rest_framework import exceptions, permissions, serializers
from rest_framework.views import APIView

from pipelit.api import UnprocessableEntity

from .. import errors


class DomainError(exceptions.APIException):
    def __init__(self, error: errors.AgentsError):
        self.status_code = error.status_code
        super().__init__(error.detail)


# An APIView that answers a service's domain error with its status and `{"detail": ...}`.
# (A comment, not a docstring: the OpenAPI schema would show it as every view's description.)
class AgentsAPIView(APIView):
    def handle_exception(self, exc):
        if isinstance(exc, errors.InvalidInput):
            exc = UnprocessableEntity(exc.detail)
        elif isinstance(exc, errors.AgentsError):
            exc = DomainError(exc)
        return super().handle_exception(exc)

    def parse(self, serializer_class, **kwargs) -> dict:
        serializer = serializer_class(data=self.request.data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


# Public by the reference (setup, token, MFA login step): no key is read or required.
class PublicAPIView(AgentsAPIView):
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]


class IsAdminRole(permissions.BasePermission):
    message = "Admin role required."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_admin)


def envelope(name: str, item: type[serializers.Serializer]) -> serializers.Serializer:
    """The OpenAPI shape of a `{"items": [...], "total": N}` list answer."""
    return inline_serializer(
        name=f"{name}List", fields={"items": item(many=True), "total": serializers.IntegerField()}
    )
