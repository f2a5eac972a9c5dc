"""People and agents: the user model with a role, and hashed API keys."""

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

KEY_PREFIX_LEN = 8


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    NORMAL = "normal", "Normal"
    AGENT = "agent", "Agent"


class User(AbstractUser):
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.NORMAL)
    purpose = models.CharField(max_length=500, blank=True, default="")
    created_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="created_agents"
    )
    mfa_enabled = models.BooleanField(default=False)
    # TOTP secret, Fernet-encrypted like every other secret at rest.
    totp_secret_encrypted = models.TextField(blank=True, default="")
    mfa_failed_attempts = models.PositiveIntegerField(default=0)
    mfa_locked_until = models.DateTimeField(null=True, blank=True)
    # Set when a password was verified for an MFA account: the TOTP step must follow before this.
    mfa_pending_until = models.DateTimeField(null=True, blank=True)
    # TOTP time step of the last accepted code, so a code cannot be replayed within its window.
    mfa_last_used_step = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_agent(self) -> bool:
        return self.role == Role.AGENT


def hash_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def generate_raw_key() -> str:
    return f"plt_{secrets.token_urlsafe(32)}"


class ApiKeyQuerySet(models.QuerySet):
    def usable(self):
        now = timezone.now()
        return self.filter(is_active=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiKey(models.Model):
    """A bearer key. Only its SHA-256 is stored; the raw key is shown once, at creation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, default="default")
    prefix = models.CharField(max_length=KEY_PREFIX_LEN * 2)
    key_hash = models.CharField(max_length=64, unique=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
