"""The episode upsert, written out (episodes._upsert), writes what the ORM's INSERT ... ON CONFLICT writes,
and a second one refreshes the row as the ORM's does."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db.models.constants import OnConflict

from apps.agents.models import MemoryEpisode, MemoryUser
from apps.agents.services import episodes
from tests.factories import WorkflowExecutionFactory
from tests.support.stored import orm_fields, stored_columns

pytestmark = pytest.mark.django_db

# Columns that differ between the episodes of two runs, whoever writes them.
EPISODE_COLUMNS = {"id", "execution_id", "created_at"}
STARTED = datetime(2026, 3, 4, 5, 6, 7, 654321, tzinfo=UTC)


def orm_upsert(*, execution, fields) -> MemoryEpisode:
    """The same statement through the ORM's compiler (what episodes._upsert did before it was written out)."""
    episode, refreshed = MemoryEpisode(execution=execution, **fields), fields
    opts = MemoryEpisode._meta
    returned = MemoryEpisode._base_manager._insert(
        [episode],
        fields=opts.local_concrete_fields,
        returning_fields=[opts.pk, opts.get_field("created_at")],
        on_conflict=OnConflict.UPDATE,
        update_fields=[opts.get_field(name) for name in refreshed],
        unique_fields=[opts.get_field("execution")],
    )
    episode.pk, episode.created_at = returned[0]
    return episode


def fields_of(execution, user) -> dict:
    return {
        "agent_id": "chain",
        "workflow_slug": "chain",
        "user": user,
        "trigger_type": "webhook",
        "trigger_input": {"text": "héllo “quoted” ✓", "n": [1, 2.5, None, True]},
        "conversation": [{"role": "user", "content": "héllo"}],
        "actions_taken": [
            {"node_id": "code_1", "component_type": "code", "status": "success", "duration_ms": 3}
        ],
        "final_output": None,
        "success": True,
        "error_code": None,
        "error_message": "",
        "summary": "chain (webhook) completed",
        "started_at": STARTED,
        "ended_at": STARTED + timedelta(seconds=1, microseconds=234567),
        "duration_ms": 1234,
        "total_tokens": 99,
        "total_cost_usd": Decimal("0.012345"),
    }


def field_values(episode) -> dict:
    return orm_fields(MemoryEpisode.objects.filter(pk=episode.pk))[0]


def stored_values(episode) -> list[tuple]:
    return stored_columns(MemoryEpisode, where="id", value=episode.pk, skip=EPISODE_COLUMNS)


def both(user, change=None) -> tuple[MemoryEpisode, MemoryEpisode]:
    """The episode of one run through the ORM and of another written out (`change`: fields that differ
    from fields_of)."""
    by_orm, written_out = WorkflowExecutionFactory(), WorkflowExecutionFactory()
    fields = {**fields_of(by_orm, user), **(change or {})}
    mine = dict(fields)
    first = orm_upsert(execution=by_orm, fields=fields)
    second = episodes._upsert(execution=written_out, fields=mine)
    return first, second


def assert_same_rows(by_orm: MemoryEpisode, written_out: MemoryEpisode) -> None:
    expected, got = field_values(by_orm), field_values(written_out)
    assert {k: v for k, v in got.items() if k not in EPISODE_COLUMNS} == {
        k: v for k, v in expected.items() if k not in EPISODE_COLUMNS
    }
    assert stored_values(written_out) == stored_values(by_orm)
    # What came back (RETURNING) is what the row holds, converted as the ORM converts it.
    assert written_out.pk == got["id"] and written_out.created_at == got["created_at"]
    assert type(written_out.pk) is type(by_orm.pk) and written_out.created_at.tzinfo is not None
    assert abs(got["created_at"] - by_orm.created_at) < timedelta(minutes=1)  # both stamped on insert


def test_a_written_out_episode_is_the_row_the_orm_writes():
    user = MemoryUser.objects.create(canonical_id="u-1")
    assert_same_rows(*both(user))


def test_the_written_out_episode_holds_what_its_row_holds():
    user = MemoryUser.objects.create(canonical_id="u-2")
    by_orm, episode = both(user)
    held = {f.attname: getattr(episode, f.attname) for f in MemoryEpisode._meta.concrete_fields}
    assert held == field_values(episode)
    assert episode.user is user and episode.execution.pk == episode.execution_id != by_orm.execution_id
    assert not episode._state.adding and not episode.get_deferred_fields()


def test_a_written_out_episode_without_user_times_or_output_is_the_row_the_orm_writes():
    change = {"user": None, "started_at": None, "ended_at": None, "duration_ms": None, "error_code": "x"}
    assert_same_rows(*both(None, {**change, "final_output": {"output": [1, "two"]}, "success": False}))


def test_a_second_written_out_upsert_refreshes_the_row_as_the_orm_does():
    by_orm, written_out = both(None)
    for episode, upsert in ((by_orm, orm_upsert), (written_out, episodes._upsert)):
        MemoryEpisode.objects.filter(pk=episode.pk).update(feedback_rating=1, feedback_comment="good")
        fields = {
            **fields_of(episode.execution, None),
            "success": False,
            "summary": "again",
            "final_output": 7,
        }
        again = upsert(execution=episode.execution, fields=fields)
        assert again.pk == episode.pk and again.created_at == episode.created_at
    assert_same_rows(by_orm, written_out)
    assert field_values(written_out)["feedback_comment"] == "good"
