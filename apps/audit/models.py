"""AuditEntry: one row per recorded action. Rows are written once and never changed or removed."""

from django.db import models


class AuditLogImmutable(Exception):
    """Raised on any attempt to change or delete an audit entry."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditLogImmutable("Audit entries cannot be changed.")

    def delete(self):
        raise AuditLogImmutable("Audit entries cannot be deleted.")


class AuditEntry(models.Model):
    class Outcome(models.TextChoices):
        OK = "ok", "Done"
        DENIED = "denied", "Refused"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # No foreign key: an entry outlives the user it names; the username is copied for the same reason.
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_username = models.CharField(max_length=150, blank=True, default="")
    actor_is_agent = models.BooleanField(default=False)
    api_key_name = models.CharField(max_length=100, blank=True, default="")
    source = models.CharField(max_length=16, default="system")
    action = models.CharField(max_length=64, db_index=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.OK)
    target_type = models.CharField(max_length=64, blank=True, default="", db_index=True)
    target_id = models.CharField(max_length=255, blank=True, default="")
    target_repr = models.CharField(max_length=255, blank=True, default="")
    workflow_slug = models.CharField(max_length=255, blank=True, default="", db_index=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    detail = models.TextField(blank=True, default="")
    request_id = models.CharField(max_length=64, blank=True, default="", db_index=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "audit entries"
        default_permissions = ("view",)

    def __str__(self) -> str:
        who = self.actor_username or "system"
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {who} {self.action} {self.target_type} {self.target_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AuditLogImmutable("Audit entries cannot be changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogImmutable("Audit entries cannot be deleted.")
