"""Credential writes. Secrets arrive in plaintext, are stored encrypted, and leave only masked."""

from collections.abc import Iterable

from django.db import transaction

from pipelit import crypto

from .. import errors
from ..models import Credential, User
from ..selectors.credentials import credential_model_for


def _apply_detail(credential: Credential, detail: dict, *, keep_masked: bool) -> None:
    for field, value in detail.items():
        if keep_masked and field in credential.secret_fields:
            current = getattr(credential, field)
            # A client echoing the masked value back means "unchanged", not "set the secret to ****".
            if current and value == crypto.mask(current):
                continue
        setattr(credential, field, value)


@transaction.atomic
def credential_create(
    *, created_by: User | None, name: str, credential_type: str, detail: dict
) -> Credential:
    model = credential_model_for(credential_type)
    if model is None:
        raise errors.InvalidInput(f"Unknown credential_type '{credential_type}'.")
    credential = model(name=name, created_by=created_by)
    _apply_detail(credential, detail, keep_masked=False)
    credential.save()
    return credential


@transaction.atomic
def credential_update(
    *, credential: Credential, name: str | None = None, detail: dict | None = None
) -> Credential:
    if name is not None:
        credential.name = name
    _apply_detail(credential, detail or {}, keep_masked=True)
    credential.save()
    return credential


@transaction.atomic
def credential_delete(*, credential: Credential) -> None:
    credential.delete()


@transaction.atomic
def credential_batch_delete(*, ids: Iterable[int]) -> int:
    deleted = 0
    for credential in Credential.objects.filter(pk__in=list(ids)):
        credential.delete()
        deleted += 1
    return deleted
