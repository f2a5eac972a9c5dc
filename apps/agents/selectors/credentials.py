"""Credential reads: the polymorphic family resolves each row to its concrete class."""

from django.db.models import QuerySet
from django.http import Http404

from ..models import Credential


def credential_model_for(credential_type: str) -> type[Credential] | None:
    for model in Credential.__subclasses__():
        if model.credential_type == credential_type:
            return model
    return None


def credential_list() -> QuerySet[Credential]:
    return Credential.objects.order_by("id")


def credential_get(*, credential_id: int) -> Credential:
    credential = Credential.objects.filter(pk=credential_id).first()
    if credential is None:
        raise Http404("Credential not found.")
    return credential
