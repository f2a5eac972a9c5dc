"""pipelit/sql.py: a select compiled once runs with new values and converts its columns as the ORM does."""

import pytest

from apps.workflows.models import Workflow
from pipelit import sql

pytestmark = pytest.mark.django_db

SLUG = "\x00slug\x00"


def compiled():
    rows = Workflow.objects.filter(slug=SLUG).values_list("id", "slug", "is_active", "created_at")
    return sql.compile_select(rows, {"slug": SLUG})


def test_a_compiled_select_runs_with_new_values_and_converts_like_the_orm(user):
    from tests.factories import WorkflowFactory

    workflow = WorkflowFactory(owner=user, slug="compiled-one")
    query = compiled()
    row = sql.select_row(query, slug="compiled-one")
    assert row == list(
        Workflow.objects.filter(pk=workflow.pk).values_list("id", "slug", "is_active", "created_at")[0]
    )
    assert sql.select_row(query, slug="no-such-workflow") is None
    loaded = sql.loaded(Workflow, query.alias, ("id", "slug", "is_active", "created_at"), row)
    assert loaded.pk == workflow.pk and loaded.get_deferred_fields() >= {"name", "owner_id"}


def test_a_query_with_a_value_that_is_not_a_sentinel_is_refused():
    rows = Workflow.objects.filter(slug=SLUG, name="fixed").values_list("id")
    with pytest.raises(RuntimeError):
        sql.compile_select(rows, {"slug": SLUG})


def test_loaded_takes_a_full_row_or_some_fields_in_any_order(user):
    from tests.factories import WorkflowFactory

    workflow = WorkflowFactory(owner=user, slug="loaded-one")
    names = sql.attnames(Workflow)
    row = Workflow.objects.filter(pk=workflow.pk).values_list(*names)[0]
    full = sql.loaded(Workflow, "default", names, row)
    assert [getattr(full, name) for name in names] == list(row) and not full.get_deferred_fields()
    assert not full._state.adding and full._state.db == "default"
    some = sql.loaded(Workflow, "default", ("slug", "id"), ("loaded-one", workflow.pk))
    assert (some.pk, some.slug) == (workflow.pk, "loaded-one")
    assert some.get_deferred_fields() == set(names) - {"id", "slug"}


def test_loaded_refuses_values_that_do_not_match_the_names():
    with pytest.raises(ValueError):
        sql.loaded(Workflow, "default", ("id", "slug"), (1,))
    with pytest.raises(ValueError):
        sql.loaded(Workflow, "default", ("id", "no_such_field"), (1, 2))
