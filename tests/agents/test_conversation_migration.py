"""Migration 0006 copies the old ConversationMessage rows into the checkpointer before dropping them."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from apps.agents import conversations

BEFORE = [("agents", "0005_merge_20261125_2110")]
AFTER = [("agents", "0006_conversation_messages_to_checkpointer")]


@pytest.mark.django_db(transaction=True)
def test_stored_turns_survive_the_move_to_the_checkpointer():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_state = executor.loader.project_state(BEFORE).apps
    Message = old_state.get_model("agents", "ConversationMessage")
    thread = "7:99"
    for role, text in (("user", "hello"), ("assistant", "hi there"), ("user", "again")):
        Message.objects.create(thread_id=thread, role=role, text=text)
    try:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(AFTER)

        messages, has_more = conversations.history_page(thread_id=thread, limit=10)
        assert [(m["role"], m["text"]) for m in messages] == [
            ("user", "hello"),
            ("assistant", "hi there"),
            ("user", "again"),
        ]
        assert has_more is False
        assert all(datetime.fromisoformat(m["timestamp"]) <= datetime.now(UTC) for m in messages)
        assert "agents_conversationmessage" not in connection.introspection.table_names()
    finally:
        conversations.history_clear(thread_id=thread)
