"""Forms of the workflow pages: create (slug derived from the name unless given) and import."""

from __future__ import annotations

import json

from django import forms

from apps.workflows.serializers import RESERVED_SLUGS

MAX_IMPORT_BYTES = 5 * 1024 * 1024


class WorkflowCreateForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=255,
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-slug-source": ""}),
    )
    slug = forms.SlugField(
        label="Slug",
        max_length=255,
        required=False,
        help_text="Lowercase letters, digits and hyphens; derived from the name when left empty.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-slug-target": ""}),
    )
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(f"'{slug}' is reserved; choose another slug.")
        return slug


class WorkflowImportForm(forms.Form):
    file = forms.FileField(
        label="Workflow export (JSON)",
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )

    def clean_file(self) -> dict:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB.")
        try:
            document = json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise forms.ValidationError(f"Not a JSON file: {exc}") from exc
        if not isinstance(document, dict) or not isinstance(document.get("workflow"), dict):
            raise forms.ValidationError(
                'Not a Pipelit workflow export: no "workflow" object at the top level.'
            )
        for key in ("nodes", "edges"):
            if not isinstance(document.get(key, []), list):
                raise forms.ValidationError(f'"{key}" must be a list.')
        return document
