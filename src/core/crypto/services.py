"""Re-sealing stored encrypted values under the active key of the ring."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.db import models, transaction
from django.db.models.functions import Cast

from core.audit import actions
from core.audit.services import audit_record
from core.crypto.fields import SEPARATOR, DecryptionError, EncryptedTextField, decrypt
from core.crypto.keyring import current_keyring

REENCRYPT_ACTOR = "system:reencrypt_fields"


@dataclass
class ModelReencryption:
    """Counts for one model: values re-sealed, values already current, values that failed."""

    label: str
    reencrypted: int = 0
    current: int = 0
    failed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReencryptReport:
    """The outcome of one run over every encrypted field."""

    active_key_id: str
    dry_run: bool
    models: list[ModelReencryption]

    @property
    def reencrypted(self) -> int:
        return sum(item.reencrypted for item in self.models)

    @property
    def failed(self) -> list[str]:
        return [failure for item in self.models for failure in item.failed]


def encrypted_fields_by_model() -> dict[type[models.Model], list[EncryptedTextField]]:
    """Every installed concrete model with its own (not inherited) encrypted columns."""
    found: dict[type[models.Model], list[EncryptedTextField]] = {}
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        local = [f for f in model._meta.local_concrete_fields if isinstance(f, EncryptedTextField)]
        if local:
            found[model] = local
    return found


def _raw(name: str) -> str:
    return f"_sealed_{name}"


def _model_reencrypt(
    *, model: type[models.Model], fields: list[EncryptedTextField], batch_size: int, dry_run: bool
) -> ModelReencryption:
    active = current_keyring().active_id
    result = ModelReencryption(label=model._meta.label_lower)
    sealed = model._base_manager.annotate(
        **{_raw(f.attname): Cast(f.attname, output_field=models.TextField()) for f in fields}
    )
    current_prefix = f"{active}{SEPARATOR}"
    for f in fields:
        result.current += sealed.filter(
            **{f"{_raw(f.attname)}__startswith": current_prefix}
        ).count()
    stale = models.Q()
    for f in fields:
        raw = _raw(f.attname)
        stale |= (
            models.Q(**{f"{raw}__isnull": False})
            & ~models.Q(**{raw: ""})
            & ~models.Q(**{f"{raw}__startswith": current_prefix})
        )
    last_pk = None
    while True:
        with transaction.atomic():
            batch = sealed.filter(stale).order_by("pk")
            if last_pk is not None:
                batch = batch.filter(pk__gt=last_pk)
            if not dry_run:
                batch = batch.select_for_update(of=("self",))
            rows = list(batch.values_list("pk", *(_raw(f.attname) for f in fields))[:batch_size])
            for pk, *tokens in rows:
                _row_reseal(
                    model=model,
                    pk=pk,
                    fields=fields,
                    tokens=tokens,
                    result=result,
                    active=active,
                    dry_run=dry_run,
                )
        if len(rows) < batch_size:
            return result
        last_pk = rows[-1][0]


def _row_reseal(
    *,
    model: type[models.Model],
    pk: object,
    fields: list[EncryptedTextField],
    tokens: list[str | None],
    result: ModelReencryption,
    active: str,
    dry_run: bool,
) -> None:
    changes: dict[str, str] = {}
    for f, token in zip(fields, tokens, strict=True):
        if not token or token.startswith(f"{active}{SEPARATOR}"):
            continue
        try:
            changes[f.attname] = decrypt(token, aad=f.binding.encode())
        except DecryptionError as exc:
            result.failed.append(f"{result.label}.{f.name} pk={pk}: {exc}")
    if changes and not dry_run:
        model._base_manager.filter(pk=pk).update(**changes)
    result.reencrypted += len(changes)


def field_values_reencrypt(*, batch_size: int = 500, dry_run: bool = False) -> ReencryptReport:
    """Re-seal every encrypted value not under the active key, batch by batch.

    Each batch is one transaction with its rows locked (FOR UPDATE where the database has
    it). A real run is audited as DATA_REENCRYPTED with the per-model counts; running it
    again changes nothing. Values that cannot be opened are counted, not changed.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1.")
    report = ReencryptReport(
        active_key_id=current_keyring().active_id,
        dry_run=dry_run,
        models=[
            _model_reencrypt(model=model, fields=fields, batch_size=batch_size, dry_run=dry_run)
            for model, fields in encrypted_fields_by_model().items()
        ],
    )
    if not dry_run:
        audit_record(
            action=actions.DATA_REENCRYPTED,
            actor_email=REENCRYPT_ACTOR,
            data={
                "active_key_id": report.active_key_id,
                "reencrypted": report.reencrypted,
                "failed": len(report.failed),
                "models": {
                    item.label: {"reencrypted": item.reencrypted, "failed": len(item.failed)}
                    for item in report.models
                },
            },
        )
    return report
