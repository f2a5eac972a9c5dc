"""Conversation memory: the user/assistant turns an agent with conversation_memory keeps per thread."""

from django.db import models


class ConversationMessage(models.Model):
    class Role(models.TextChoices):
        USER = "user"
        ASSISTANT = "assistant"

    # "{user_id}:{workflow_id}" (WorkflowExecution.thread_id, set by the chat endpoint)
    thread_id = models.CharField(max_length=255, db_index=True)
    role = models.CharField(max_length=16, choices=Role.choices)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["thread_id", "created_at"], name="conv_thread_created")]

    def __str__(self) -> str:
        return f"{self.thread_id} {self.role}: {self.text[:40]}"
