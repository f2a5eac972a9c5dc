"""Credentials: one polymorphic family; every secret column is Fernet-encrypted at rest."""

from django.conf import settings
from django.db import models
from polymorphic.models import PolymorphicModel

from pipelit.crypto import EncryptedTextField


class CredentialType(models.TextChoices):
    LLM = "llm", "LLM provider"
    GATEWAY = "gateway", "Message gateway"
    GIT = "git", "Git repository"
    TOOL = "tool", "Tool"
    TELEGRAM = "telegram", "Telegram bot"


class Credential(PolymorphicModel):
    """Global: any authenticated user may use any credential; `created_by` records who made it."""

    credential_type: str = ""
    secret_fields: tuple[str, ...] = ()

    name = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="credentials"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.credential_type})"


class ProviderType(models.TextChoices):
    OPENAI = "openai", "OpenAI"
    ANTHROPIC = "anthropic", "Anthropic"
    OPENAI_COMPATIBLE = "openai_compatible", "OpenAI-compatible"


class LLMCredential(Credential):
    credential_type = CredentialType.LLM
    secret_fields = ("api_key",)

    provider_type = models.CharField(
        max_length=32, choices=ProviderType.choices, default=ProviderType.OPENAI_COMPATIBLE
    )
    api_key = EncryptedTextField(blank=True, default="")
    base_url = models.CharField(max_length=500, blank=True, default="")
    organization_id = models.CharField(max_length=200, blank=True, default="")
    custom_headers = models.JSONField(default=dict, blank=True)
    # Per-credential USD prices per million tokens, overriding the built-in table: {model: {input, output}}.
    price_overrides = models.JSONField(default=dict, blank=True)


class GatewayCredential(Credential):
    credential_type = CredentialType.GATEWAY
    secret_fields = ("api_key",)

    api_key = EncryptedTextField(blank=True, default="")
    allowed_user_ids = models.CharField(max_length=1000, blank=True, default="")


class GitCredential(Credential):
    credential_type = CredentialType.GIT
    secret_fields = ("ssh_private_key", "access_token", "webhook_secret")

    provider = models.CharField(max_length=32, default="github")
    auth_method = models.CharField(max_length=16, default="token")
    username = models.CharField(max_length=200, blank=True, default="")
    ssh_private_key = EncryptedTextField(blank=True, default="")
    access_token = EncryptedTextField(blank=True, default="")
    webhook_secret = EncryptedTextField(blank=True, default="")


class ToolCredential(Credential):
    credential_type = CredentialType.TOOL
    secret_fields = ("secret",)

    tool_type = models.CharField(max_length=64, default="api")
    config = models.JSONField(default=dict, blank=True)
    secret = EncryptedTextField(blank=True, default="")


class TelegramCredential(Credential):
    credential_type = CredentialType.TELEGRAM
    secret_fields = ("bot_token", "webhook_secret")

    bot_token = EncryptedTextField(blank=True, default="")
    webhook_secret = EncryptedTextField(blank=True, default="")
    allowed_user_ids = models.CharField(max_length=1000, blank=True, default="")
