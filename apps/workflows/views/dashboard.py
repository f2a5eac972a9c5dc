"""The dashboard at `/`: the user's workflows (search, tag, pages), daily charts, create/duplicate/delete/import.

The page composes two apps: workflows come from this app's selectors, the last status per workflow and
the daily charts from `apps.execution.stats` (imported here, in the adapter, so the workflows models and
services still know nothing of executions).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied

from apps.workflows import selectors, services
from apps.workflows.exceptions import AlreadyExists, GraphInvalid
from apps.workflows.forms import WorkflowCreateForm, WorkflowImportForm
from apps.workflows.services.workflows import slug_available

PAGE_SIZE = 50
CHART_DAYS = 30


def _table_context(request) -> dict:
    from apps.execution import stats

    query = request.GET.get("q", "").strip()[:200]
    tag = request.GET.get("tag", "").strip()[:100]
    workflows = stats.with_last_execution(selectors.workflow_search(user=request.user, query=query, tag=tag))
    page = Paginator(workflows, PAGE_SIZE).get_page(request.GET.get("page"))
    return {"page": page, "query": query, "tag": tag}


def _charts(user) -> dict:
    from apps.execution import charts, stats

    today, counts = stats.executions_per_day(user=user, days=CHART_DAYS)
    days = charts.days_back(today, CHART_DAYS)

    def describe_runs(day, parts):
        detail = ", ".join(f"{n} {status}" for status, n in sorted(parts.items())) or "no executions"
        return f"{day:%b %d}: {detail}"

    runs = charts.daily_bars(days=days, values=counts, order=charts.BAR_STATUSES, describe=describe_runs)
    _, costs = stats.cost_per_day(user=user, days=CHART_DAYS)
    cost = charts.daily_bars(
        days=days,
        values={day: {"cost": float(value)} for day, value in costs.items()},
        order=("cost",),
        describe=lambda day, parts: f"{day:%b %d}: {charts.money(parts.get('cost', 0))}",
        fmt=charts.money,
    )
    cost.total_label = charts.money(cost.total)
    runs.description = (
        f"{runs.total:g} executions in the last {CHART_DAYS} days; each bar's title gives the day's counts."
    )
    cost.description = (
        f"{cost.total_label} in the last {CHART_DAYS} days; each bar's title gives the day's cost."
    )
    return {"runs_chart": runs, "cost_chart": cost, "chart_statuses": charts.BAR_STATUSES}


@login_required
@require_GET
def dashboard(request):
    context = _table_context(request)
    if request.htmx and request.htmx.target == "workflow-table":
        return render(request, "workflows/_workflow_table.html", context)
    context.update(
        _charts(request.user),
        tags=selectors.workflow_tags(user=request.user),
        create_form=WorkflowCreateForm(),
        import_form=WorkflowImportForm(),
    )
    return render(request, "workflows/dashboard.html", context)


def _done(request, message: str, *, to: str = "/"):
    messages.success(request, message)
    return HttpResponseClientRedirect(to) if request.htmx else redirect(to)


@login_required
@require_POST
def workflow_create(request):
    form = WorkflowCreateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            workflow = services.workflow_create(
                owner=request.user,
                name=data["name"],
                slug=data["slug"] or None,
                description=data["description"],
            )
        except AlreadyExists as exc:
            form.add_error("slug", str(exc.detail))
        else:
            return _done(request, f"Workflow “{workflow.name}” created.")
    template = "workflows/_create_form.html" if request.htmx else "workflows/create.html"
    return render(request, template, {"create_form": form}, status=200 if request.htmx else 422)


def _writable(request, slug: str):
    try:
        return selectors.workflow_get_for_user(user=request.user, slug=slug, write=True)
    except ApiPermissionDenied as exc:
        raise PermissionDenied(str(exc.detail)) from exc


@login_required
@require_POST
def workflow_delete(request, slug: str):
    workflow = _writable(request, slug)
    services.workflow_delete(workflow=workflow)
    return _done(request, f"Workflow “{workflow.name}” deleted.")


@login_required
@require_POST
def workflow_duplicate(request, slug: str):
    """A real copy (nodes, configs, edges) through export + import, owned by the caller."""
    source = selectors.workflow_get_for_user(user=request.user, slug=slug)
    document = services.workflow_export(workflow=source)
    try:
        copy, _ = services.workflow_import(
            owner=request.user,
            document=document,
            slug=slug_available(f"{source.slug}-copy"),
            name=f"{source.name} (copy)"[:255],
        )
    except GraphInvalid as exc:
        messages.error(request, "Could not duplicate: " + "; ".join(exc.errors))
        return HttpResponseClientRedirect("/") if request.htmx else redirect("/")
    return _done(request, f"Duplicated “{source.name}” as “{copy.name}” ({copy.slug}).")


@login_required
@require_POST
def workflow_import(request):
    form = WorkflowImportForm(request.POST, request.FILES)
    context = {"import_form": form}
    if form.is_valid():
        try:
            workflow, warnings = services.workflow_import(
                owner=request.user, document=form.cleaned_data["file"]
            )
        except GraphInvalid as exc:
            context["import_errors"] = exc.errors
        else:
            context.update(imported=workflow, warnings=warnings)
    if request.htmx:
        response = render(request, "workflows/_import_result.html", context)
    else:
        response = render(
            request, "workflows/import.html", context, status=201 if "imported" in context else 422
        )
    if "imported" in context:
        response["HX-Trigger"] = "workflows-changed"
    return response
