"""`model:` declarations -> an ai_model config. Order: inherit > capability > discover > credential_id."""

from __future__ import annotations

import logging
from typing import Any

from apps.workflows.dsl.errors import Problems
from apps.workflows.dsl.parser import join, type_name
from apps.workflows.dsl.source import Parent

log = logging.getLogger(__name__)

MODEL_PARAMS = (
    "temperature",
    "max_tokens",
    "top_p",
    "frequency_penalty",
    "presence_penalty",
    "timeout",
    "max_retries",
    "response_format",
)
NODE_KEYS = ("id", "position", "label", "config")
STRATEGY_KEYS = (
    "inherit",
    "capability",
    "discover",
    "credential_id",
    "llm_credential_id",
    "model_name",
    "preference",
)
PREFERENCES = ("cheapest", "fastest", "most_capable")
LIST_MODELS_TIMEOUT = 5.0


def normalize(spec: Any, path: str, problems: Problems) -> dict[str, Any] | None:
    """`inherit` / `discover` / "<capability>" / {...} -> one mapping."""
    if isinstance(spec, str):
        word = spec.strip()
        if word in ("inherit", "discover"):
            return {word: True}
        return {"capability": word} if word else None
    if isinstance(spec, dict):
        unknown = set(spec) - set(STRATEGY_KEYS) - set(MODEL_PARAMS) - set(NODE_KEYS)
        for key in sorted(unknown):
            problems.add(join(path, key), "Unknown model key.")
        return spec
    problems.add(
        path, f"Must be 'inherit', 'discover', a capability string or a mapping, not {type_name(spec)}."
    )
    return None


class ModelResolver:
    """Resolves model declarations for one compilation (the credential/model listing is cached)."""

    def __init__(self, parent: Parent | None = None) -> None:
        self.parent = parent
        self._catalog: list[tuple[Any, list[str]]] | None = None

    def resolve(self, spec: dict[str, Any], path: str, problems: Problems) -> dict[str, Any] | None:
        """The flat ai_model config (credential_id, model_name, params) or None after adding a problem."""
        if spec.get("inherit"):
            base = self._inherit(path, problems)
        elif spec.get("capability"):
            base = self._capability(str(spec["capability"]), path, problems)
        elif spec.get("discover"):
            base = self._discover(spec.get("preference") or "cheapest", path, problems)
        elif spec.get("credential_id") is not None or spec.get("llm_credential_id") is not None:
            base = self._explicit(spec, path, problems)
        else:
            problems.add(path, "Say how to pick the model: inherit, capability, discover or credential_id.")
            return None
        if base is None:
            return None
        for key in MODEL_PARAMS:
            if spec.get(key) is not None:
                base[key] = spec[key]
        return base

    def _inherit(self, path: str, problems: Problems) -> dict[str, Any] | None:
        if self.parent is None:
            problems.add(
                join(path, "inherit"),
                "There is no parent agent to inherit from (only the workflow_create tool has one).",
            )
            return None
        config = self.parent.model_config()
        if not config or not config.get("credential_id"):
            problems.add(
                join(path, "inherit"),
                f"The parent agent '{self.parent.node_id}' has no model with a credential to inherit.",
            )
            return None
        return {k: config[k] for k in ("credential_id", "model_name", *MODEL_PARAMS) if k in config}

    def catalog(self) -> list[tuple[Any, list[str]]]:
        """[(LLM credential, model names it offers)]: what the provider lists plus names already in use."""
        if self._catalog is None:
            from apps.agents.llm.models_api import list_models
            from apps.workflows.models import ModelConfig

            catalog = []
            for credential in _llm_class().objects.order_by("id"):
                names = set(
                    ModelConfig.objects.filter(credential_id=credential.pk)
                    .exclude(model_name="")
                    .values_list("model_name", flat=True)
                )
                try:
                    names |= {m["id"] for m in list_models(credential, timeout=LIST_MODELS_TIMEOUT)}
                except Exception as exc:  # noqa: BLE001 - an unreachable provider just offers fewer models
                    log.info("model listing failed for credential %s: %s", credential.pk, exc)
                catalog.append((credential, sorted(names)))
            self._catalog = catalog
        return self._catalog

    def _capability(self, capability: str, path: str, problems: Problems) -> dict[str, Any] | None:
        wanted = capability.lower()
        exact, partial = [], []
        for credential, names in self.catalog():
            for name in names:
                if name.lower() == wanted:
                    exact.append((credential, name))
                elif wanted in name.lower():
                    partial.append((credential, name))
        partial.sort(key=lambda pair: (pair[0].pk, len(pair[1]), pair[1]))
        found = (exact or partial or [None])[0]
        if found is None:
            offered = (
                "; ".join(f"{c.name}: {', '.join(n) or 'none'}" for c, n in self.catalog())
                or "no LLM credentials"
            )
            problems.add(
                join(path, "capability"),
                f"No LLM credential offers a model matching '{capability}' ({offered}).",
            )
            return None
        return {"credential_id": found[0].pk, "model_name": found[1]}

    def _discover(self, preference: str, path: str, problems: Problems) -> dict[str, Any] | None:
        from apps.agents.costs import price_for

        if preference not in PREFERENCES:
            problems.add(join(path, "preference"), f"Must be one of {', '.join(PREFERENCES)}.")
            return None
        pairs = [(c, n) for c, names in self.catalog() for n in names]
        if not pairs:
            problems.add(join(path, "discover"), "No LLM credential offers any model.")
            return None

        def price(pair) -> float | None:
            rates = price_for(pair[1], pair[0])
            return float(rates[0] + rates[1]) if rates else None

        priced = [(price(p), p) for p in pairs]
        known = [(cost, p) for cost, p in priced if cost is not None]
        if not known:
            chosen = pairs[0]
        elif preference == "most_capable":  # the priciest model is the most capable one we can tell
            chosen = max(known, key=lambda item: item[0])[1]
        else:  # cheapest; smaller models are also the fastest
            chosen = min(known, key=lambda item: item[0])[1]
        return {"credential_id": chosen[0].pk, "model_name": chosen[1]}

    def _explicit(self, spec: dict[str, Any], path: str, problems: Problems) -> dict[str, Any] | None:
        key = "credential_id" if spec.get("credential_id") is not None else "llm_credential_id"
        credential_id = spec[key]
        ok = True
        if isinstance(credential_id, bool) or not isinstance(credential_id, int):
            problems.add(join(path, key), "Must be a credential id (a number).")
            ok = False
        elif not _llm_class().objects.filter(pk=credential_id).exists():
            problems.add(join(path, key), f"LLM credential {credential_id} not found.")
            ok = False
        if not isinstance(spec.get("model_name"), str) or not spec["model_name"].strip():
            problems.add(join(path, "model_name"), "Required with credential_id.")
            ok = False
        return {"credential_id": credential_id, "model_name": spec["model_name"]} if ok else None


def _llm_class():
    from apps.agents.models import LLMCredential

    return LLMCredential
