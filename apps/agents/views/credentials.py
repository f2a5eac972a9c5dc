"""The credentials page: list (secrets masked), create per type, delete, and an inline test of LLM credentials."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from .. import selectors, services
from ..api.credentials import credential_out
from ..forms import CREDENTIAL_FORMS
from ..models import CredentialType, LLMCredential

PAGE_SIZE = 50
DEFAULT_TYPE = CredentialType.LLM


def _form_class(credential_type: str | None):
    form_class = CREDENTIAL_FORMS.get(credential_type or DEFAULT_TYPE)
    if form_class is None:
        raise Http404("Unknown credential type.")
    return form_class


def _row(credential) -> dict:
    """What the table shows: non-empty scalar detail fields, secrets only as their mask."""
    out = credential_out(credential)
    facts = [
        (key.replace("_", " "), value)
        for key, value in out["detail"].items()
        if value not in ("", None) and not isinstance(value, dict | list)
    ]
    return {
        "credential": credential,
        "type_label": CredentialType(credential.credential_type).label,
        "facts": facts,
    }


def _form_context(form, credential_type: str) -> dict:
    return {
        "form": form,
        "credential_type": credential_type,
        "credential_types": [(value, CredentialType(value).label) for value in CREDENTIAL_FORMS],
    }


@login_required
@require_http_methods(["GET", "POST"])
def credentials_page(request):
    credential_type = request.POST.get("credential_type") or request.GET.get("type") or DEFAULT_TYPE
    form_class = _form_class(credential_type)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        credential = services.credential_create(
            created_by=request.user,
            name=form.cleaned_data["name"],
            credential_type=credential_type,
            detail=form.detail(),
        )
        messages.success(request, f"Credential “{credential.name}” created.")
        return HttpResponseClientRedirect("/credentials/") if request.htmx else redirect("credentials")
    context = _form_context(form, credential_type)
    if request.htmx and request.htmx.target == "credential-form":
        return render(request, "agents/_credential_form.html", context)
    page = Paginator(selectors.credential_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    context.update(page=page, rows=[_row(credential) for credential in page])
    status = 422 if request.method == "POST" else 200
    return render(request, "agents/credentials.html", context, status=status)


@login_required
@require_GET
def credential_form(request):
    """The create form of one type (the type picker swaps it in)."""
    credential_type = request.GET.get("type") or DEFAULT_TYPE
    return render(
        request,
        "agents/_credential_form.html",
        _form_context(_form_class(credential_type)(), credential_type),
    )


@login_required
@require_POST
def credential_delete(request, credential_id: int):
    credential = selectors.credential_get(credential_id=credential_id)
    services.credential_delete(credential=credential)
    messages.success(request, f"Credential “{credential.name}” deleted.")
    return HttpResponseClientRedirect("/credentials/") if request.htmx else redirect("credentials")


@login_required
@require_POST
def credential_test(request, credential_id: int):
    from ..llm import models_api

    credential = selectors.credential_get(credential_id=credential_id)
    if not isinstance(credential, LLMCredential):
        result = models_api.CredentialTestResult(
            ok=False, error="Only LLM credentials can be tested.", error_code="not_testable"
        )
    else:
        result = models_api.credential_test(credential)
    return render(
        request, "agents/_credential_test_result.html", {"credential": credential, "result": result}
    )
