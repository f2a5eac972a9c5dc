"""Conversation memory moved from the ConversationMessage table into the LangGraph checkpointer
(apps.agents.conversations): copy every stored thread there, then drop the table."""

from django.db import migrations


def copy_threads(apps, schema_editor):
    ConversationMessage = apps.get_model("agents", "ConversationMessage")
    if not ConversationMessage.objects.using(schema_editor.connection.alias).exists():
        return
    from apps.agents import conversations

    thread_ids = (
        ConversationMessage.objects.using(schema_editor.connection.alias)
        .order_by()
        .values_list("thread_id", flat=True)
        .distinct()
    )
    for thread_id in thread_ids:
        rows = ConversationMessage.objects.filter(thread_id=thread_id).order_by("created_at", "id")
        conversations.append_messages(thread_id, [(row.role, row.text, row.created_at) for row in rows])


class Migration(migrations.Migration):
    dependencies = [
        ("agents", "0005_merge_20261125_2110"),
    ]

    operations = [
        migrations.RunPython(copy_threads, migrations.RunPython.noop),
        migrations.DeleteModel(name="ConversationMessage"),
    ]
