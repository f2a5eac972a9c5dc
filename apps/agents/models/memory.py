"""Global memory: facts (semantic), episodes (episodic), procedures (procedural) and memory users."""

import uuid

from django.db import models


class FactScope(models.TextChoices):
    SESSION = "session", "Session"
    USER = "user", "User"
    AGENT = "agent", "Agent"
    GLOBAL = "global", "Global"


# Most specific first: a key lookup returns the first scope that has the key.
SCOPE_ORDER = (FactScope.SESSION, FactScope.USER, FactScope.AGENT, FactScope.GLOBAL)


class FactType(models.TextChoices):
    USER_PREFERENCE = "user_preference", "User preference"
    WORLD_KNOWLEDGE = "world_knowledge", "World knowledge"
    SELF_KNOWLEDGE = "self_knowledge", "Self knowledge"
    CORRECTION = "correction", "Correction"
    RELATIONSHIP = "relationship", "Relationship"


class ProcedureType(models.TextChoices):
    WORKFLOW_GRAPH = "workflow_graph", "Workflow graph"
    PROMPT_TEMPLATE = "prompt_template", "Prompt template"
    CODE_SNIPPET = "code_snippet", "Code snippet"
    TOOL_SEQUENCE = "tool_sequence", "Tool sequence"


class MemoryUser(models.Model):
    """One person across channels (`canonical_id` like `gw:12345` or `email:a@b.c`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    canonical_id = models.CharField(max_length=255, unique=True)
    display_name = models.CharField(max_length=255, blank=True, default="")
    telegram_id = models.CharField(max_length=64, blank=True, default="")
    email = models.CharField(max_length=255, blank=True, default="")
    external_ids = models.JSONField(default=dict, blank=True)  # {channel: external id}
    preferences = models.JSONField(default=dict, blank=True)  # cached from user-scoped facts
    total_conversations = models.PositiveIntegerField(default=0)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_users"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-last_seen_at", "-created_at"]

    def __str__(self) -> str:
        return self.display_name or self.canonical_id


class MemoryFact(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    scope = models.CharField(max_length=16, choices=FactScope.choices, default=FactScope.GLOBAL)
    # Who the scope belongs to: "" (global), the agent id, the memory user's id, or the session id.
    scope_id = models.CharField(max_length=255, blank=True, default="")
    agent_id = models.CharField(max_length=255, blank=True, default="")
    user = models.ForeignKey(
        MemoryUser, null=True, blank=True, on_delete=models.CASCADE, related_name="facts"
    )
    session_id = models.CharField(max_length=255, blank=True, default="")
    key = models.CharField(max_length=255)
    value = models.JSONField(null=True, blank=True)
    fact_type = models.CharField(max_length=32, choices=FactType.choices, default=FactType.WORLD_KNOWLEDGE)
    confidence = models.FloatField(default=0.8)
    times_confirmed = models.PositiveIntegerField(default=0)
    times_contradicted = models.PositiveIntegerField(default=0)
    access_count = models.PositiveIntegerField(default=0)
    last_accessed_at = models.DateTimeField(null=True, blank=True)
    embedding = models.JSONField(null=True, blank=True)  # reserved for vector search
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "scope_id", "key"], name="memory_fact_key_once_per_scope"
            )
        ]
        indexes = [models.Index(fields=["key"])]

    def __str__(self) -> str:
        return f"{self.key} ({self.scope})"


class MemoryEpisode(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agent_id = models.CharField(max_length=255, blank=True, default="")
    user = models.ForeignKey(
        MemoryUser, null=True, blank=True, on_delete=models.SET_NULL, related_name="episodes"
    )
    # One episode per execution; the row outlives the execution it describes.
    execution = models.OneToOneField(
        "execution.WorkflowExecution",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="episode",
    )
    workflow_slug = models.CharField(max_length=255, blank=True, default="")
    trigger_type = models.CharField(max_length=64, blank=True, default="")
    trigger_input = models.JSONField(null=True, blank=True)
    conversation = models.JSONField(default=list, blank=True)
    actions_taken = models.JSONField(default=list, blank=True)
    final_output = models.JSONField(null=True, blank=True)
    success = models.BooleanField(default=False)
    error_code = models.CharField(max_length=64, null=True, blank=True)
    error_message = models.TextField(blank=True, default="")
    summary = models.TextField(blank=True, default="")
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveBigIntegerField(null=True, blank=True)
    total_tokens = models.PositiveBigIntegerField(default=0)
    total_cost_usd = models.DecimalField(max_digits=14, decimal_places=6, default=0)
    feedback_rating = models.SmallIntegerField(null=True, blank=True)
    feedback_comment = models.TextField(blank=True, default="")
    embedding = models.JSONField(null=True, blank=True)  # reserved for vector search
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["agent_id", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.agent_id}: {self.summary[:60]}"


class MemoryProcedure(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agent_id = models.CharField(max_length=255, blank=True, default="")
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    trigger_conditions = models.JSONField(default=dict, blank=True)  # e.g. {"goal_contains": ["weather"]}
    procedure_type = models.CharField(
        max_length=32, choices=ProcedureType.choices, default=ProcedureType.TOOL_SEQUENCE
    )
    procedure_content = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=32, blank=True, default="")  # taught | learned | evolved
    parent_procedure = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="evolutions"
    )
    times_used = models.PositiveIntegerField(default=0)
    times_succeeded = models.PositiveIntegerField(default=0)
    times_failed = models.PositiveIntegerField(default=0)
    avg_duration_ms = models.PositiveBigIntegerField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def success_rate(self) -> float:
        finished = self.times_succeeded + self.times_failed
        return round(self.times_succeeded / finished, 3) if finished else 0.0
