"""Input parsing and output shapes for users, keys and auth responses."""

from rest_framework import serializers

from ..models import ApiKey, Role, User


class UsernamePassword(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=512, trim_whitespace=False)


class Code(serializers.Serializer):
    code = serializers.CharField(max_length=16)


class UsernameCode(Code):
    username = serializers.CharField(max_length=150)


class MfaReset(serializers.Serializer):
    username = serializers.CharField(max_length=150, required=False)


class KeyCreate(serializers.Serializer):
    name = serializers.CharField(max_length=100, default="default")
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class UserCreate(UsernamePassword):
    role = serializers.ChoiceField(choices=[Role.ADMIN, Role.NORMAL], default=Role.NORMAL)


class UserPatch(serializers.Serializer):
    role = serializers.ChoiceField(choices=[Role.ADMIN, Role.NORMAL], required=False)
    is_active = serializers.BooleanField(required=False)
    password = serializers.CharField(max_length=512, trim_whitespace=False, required=False)


class Ids(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), max_length=1000)


# Output shapes, declared for the OpenAPI schema; responses are built by the *_out functions below.
class KeyOut(serializers.Serializer):
    key = serializers.CharField(help_text="The raw API key, shown once; empty when requires_mfa.")
    requires_mfa = serializers.BooleanField()


class SetupStatusOut(serializers.Serializer):
    needs_setup = serializers.BooleanField()


class MfaStatusOut(serializers.Serializer):
    mfa_enabled = serializers.BooleanField()


class MfaSetupOut(serializers.Serializer):
    secret = serializers.CharField()
    provisioning_uri = serializers.CharField()


class UserOut(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    mfa_enabled = serializers.BooleanField()
    is_active = serializers.BooleanField()
    purpose = serializers.CharField()
    created_at = serializers.DateTimeField()


class ApiKeyOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    last_used_at = serializers.DateTimeField(allow_null=True)
    is_active = serializers.BooleanField()


class ApiKeyCreatedOut(ApiKeyOut):
    key = serializers.CharField(help_text="The raw API key. Shown in this response only.")


class AgentOut(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    purpose = serializers.CharField()
    api_key_preview = serializers.CharField(help_text="The key's stored prefix, masked (keys are hashed).")
    created_at = serializers.DateTimeField()
    created_by = serializers.CharField(allow_null=True)


def key_response(raw_key: str | None) -> dict:
    return {"key": raw_key or "", "requires_mfa": raw_key is None}


def user_out(user: User) -> dict:
    return {
        "id": user.pk,
        "username": user.username,
        "role": user.role,
        "mfa_enabled": user.mfa_enabled,
        "is_active": user.is_active,
        "purpose": user.purpose,
        "created_at": user.date_joined.isoformat(),
    }


def api_key_out(api_key: ApiKey) -> dict:
    """Never the key itself: only the stored prefix, enough to tell keys apart."""
    return {
        "id": api_key.pk,
        "name": api_key.name,
        "prefix": api_key.prefix,
        "created_at": api_key.created_at.isoformat(),
        "expires_at": api_key.expires_at.isoformat() if api_key.expires_at else None,
        "last_used_at": api_key.last_used_at.isoformat() if api_key.last_used_at else None,
        "is_active": api_key.is_active,
    }


def agent_out(agent: User, key_prefix: str) -> dict:
    return {
        "id": agent.pk,
        "username": agent.username,
        "purpose": agent.purpose,
        # Keys are stored hashed, so the reference's "last 8 characters" cannot exist: show the prefix.
        "api_key_preview": f"{key_prefix}****" if key_prefix else "",
        "created_at": agent.date_joined.isoformat(),
        "created_by": agent.created_by.username if agent.created_by else None,
    }
