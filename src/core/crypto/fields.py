"""Model fields that store personal data encrypted with AES-256-GCM under the key ring.

Stored text: ``"<kid>$<base64(nonce || ciphertext || tag)>"`` with a random 96-bit nonce per
value, so every value names the key that sealed it and the ring can rotate without a flag day.
Empty strings and NULL are stored as they are (an empty value reveals only that it is empty).

Column binding: `EncryptedTextField` seals every value with the associated data
``"app_label.model.field"`` (for example ``"accounts.user.phone"``), so a ciphertext copied
into another column, or another table, fails to open (decision 0004). Renaming a model
or field changes the binding: pin the old name with ``bind_to=`` or re-seal the values in a
data migration with `decrypt`/`encrypt`.

`BlindIndexField` gives an encrypted field an exact-match lookup column named
``<field>_bidx``; `blind_lookup` queries it. It is filled by `Model.save()` (and
`bulk_create`); `QuerySet.update` and `bulk_update` bypass it, and saving the source field
through ``update_fields`` without its index is refused.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import signals

from core.crypto.keyring import NORMALISERS, KeyRing, blind_index, current_keyring

NONCE_BYTES = 12
SEPARATOR = "$"
BLIND_INDEX_SUFFIX = "_bidx"


class DecryptionError(ValueError):
    """Ciphertext could not be opened: unknown key id, wrong key, tampering or corruption."""


def encrypt(plaintext: str, *, ring: KeyRing | None = None, aad: bytes = b"") -> str:
    """Seal `plaintext` under the ring's active key, bound to the associated data `aad`."""
    ring = ring or current_keyring()
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = AESGCM(ring.active).encrypt(nonce, plaintext.encode(), aad or None)
    return f"{ring.active_id}{SEPARATOR}{base64.b64encode(nonce + sealed).decode()}"


def decrypt(token: str, *, ring: KeyRing | None = None, aad: bytes = b"") -> str:
    """Open a value sealed by `encrypt` with whichever ring key it names and the same `aad`."""
    ring = ring or current_keyring()
    kid, sep, body = token.partition(SEPARATOR)
    if not sep or kid not in ring.keys:
        raise DecryptionError(f"Unknown encryption key id {kid!r}.")
    try:
        raw = base64.b64decode(body, validate=True)
        opened = AESGCM(ring.keys[kid]).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad or None)
        return opened.decode()
    except Exception as exc:  # InvalidTag, binascii.Error, short input: all mean "cannot open"
        raise DecryptionError("Ciphertext failed authentication.") from exc


def key_id_of(token: str) -> str:
    """The key id a stored value was sealed with."""
    return token.partition(SEPARATOR)[0]


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A text field encrypted at rest. Not filterable: pair it with a `BlindIndexField`."""

    description = "Text encrypted with AES-256-GCM"

    def __init__(self, *args: Any, bind_to: str | None = None, **kwargs: Any) -> None:
        self.bind_to = bind_to
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.bind_to is not None:
            kwargs["bind_to"] = self.bind_to
        return name, path, args, kwargs

    @property
    def binding(self) -> str:
        """The column label every value is bound to: ``"app_label.model.field"``."""
        if self.bind_to is not None:
            return self.bind_to
        if not hasattr(self, "model"):
            raise TypeError("An EncryptedTextField must belong to a model to be used.")
        return f"{self.model._meta.label_lower}.{self.name}"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value, aad=self.binding.encode())

    def get_prep_value(self, value: Any) -> str | None:
        if value is None or value == "":
            return value
        return encrypt(str(value), aad=self.binding.encode())

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            raise TypeError(
                f"{self.name} is encrypted and cannot be filtered with {lookup_name!r}; "
                f"use blind_lookup() on {self.name}{BLIND_INDEX_SUFFIX} (or {self.name}__isnull)."
            )
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name: str) -> Any:
        raise TypeError(f"{self.name} is encrypted and cannot be transformed with {lookup_name!r}.")


class BlindIndexField(models.CharField):  # type: ignore[type-arg]
    """HMAC-SHA256 of an encrypted field's normalised plaintext, filled on save.

    Declare it as ``<source>_bidx = BlindIndexField(source="<source>")``; `normaliser` is a
    key of `core.crypto.keyring.NORMALISERS` ("text": case and whitespace folded, "digits").
    """

    description = "Blind index of an encrypted field"

    def __init__(self, *args: Any, source: str, normaliser: str = "text", **kwargs: Any) -> None:
        if normaliser not in NORMALISERS:
            raise ValueError(f"Unknown blind-index normaliser {normaliser!r}.")
        self.source, self.normaliser = source, normaliser
        kwargs.update(max_length=64, null=True, blank=True, editable=False, db_index=True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        for key in ("max_length", "null", "blank", "editable", "db_index"):
            kwargs.pop(key, None)
        kwargs["source"] = self.source
        if self.normaliser != "text":
            kwargs["normaliser"] = self.normaliser
        return name, path, args, kwargs

    def source_field(self) -> EncryptedTextField:
        """The encrypted field this index serves."""
        field = self.model._meta.get_field(self.source)
        if not isinstance(field, EncryptedTextField):
            raise TypeError(f"{self.source} is not an EncryptedTextField.")
        return field

    def digest(self, value: str | None) -> str | None:
        """The index value for `value`; None when it is empty after normalisation."""
        if value is None or not NORMALISERS[self.normaliser](str(value)):
            return None
        binding = self.source_field().binding
        return blind_index(str(value), context=binding, normaliser=self.normaliser)

    def pre_save(self, model_instance: models.Model, add: bool) -> str | None:
        digest = self.digest(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, digest)
        return digest

    def contribute_to_class(
        self, cls: type[models.Model], name: str, private_only: bool = False
    ) -> None:
        super().contribute_to_class(cls, name, private_only=private_only)
        if not cls._meta.abstract:
            signals.pre_save.connect(
                self._refuse_stale_index,
                sender=cls,
                weak=False,
                dispatch_uid=f"blind-index:{id(cls)}:{name}",
            )

    def _refuse_stale_index(self, *, update_fields: frozenset[str] | None, **_: Any) -> None:
        if update_fields and self.source in update_fields and self.name not in update_fields:
            raise ValueError(
                f"Saving {self.source} without {self.name} would leave the blind index stale; "
                f"add {self.name!r} to update_fields."
            )

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        try:
            self.source_field()
        except (TypeError, FieldDoesNotExist):
            errors.append(
                checks.Error(
                    f"BlindIndexField source {self.source!r} must be an EncryptedTextField "
                    "on the same model.",
                    obj=self,
                    id="crypto.E001",
                )
            )
        if self.name != f"{self.source}{BLIND_INDEX_SUFFIX}":
            errors.append(
                checks.Error(
                    f"Name this field {self.source}{BLIND_INDEX_SUFFIX}.",
                    obj=self,
                    id="crypto.E002",
                )
            )
        return errors


def blind_lookup[M: models.Model](
    queryset: models.QuerySet[M], field: str, value: str
) -> models.QuerySet[M]:
    """Rows whose encrypted `field` equals `value` (after normalisation), via `<field>_bidx`."""
    try:
        index = queryset.model._meta.get_field(f"{field}{BLIND_INDEX_SUFFIX}")
    except FieldDoesNotExist as exc:
        raise TypeError(f"{queryset.model.__name__}.{field} has no blind index.") from exc
    if not isinstance(index, BlindIndexField) or index.source != field:
        raise TypeError(f"{index.name} is not a BlindIndexField of {field}.")
    digest = index.digest(value)
    if digest is None:
        return queryset.none()
    return queryset.filter(**{index.name: digest})
