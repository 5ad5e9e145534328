import base64
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from core.accounts.models import MFADevice, User
from core.audit import actions
from core.audit.models import AuditEvent
from core.crypto.fields import decrypt
from core.crypto.keyring import parse_keyring

OLD_ENTRY = f"old:{base64.b64encode(b'o' * 32).decode()}"
NEW_ENTRY = f"new:{base64.b64encode(b'n' * 32).decode()}"


def _raw(table, column):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} ORDER BY id")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def _run(*args):
    out = StringIO()
    call_command("reencrypt_fields", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def sealed_under_old(user_factory):
    """Three users (one without a phone) and one MFA secret, all written under ring 'old'."""
    with override_settings(FIELD_ENCRYPTION_KEYS=OLD_ENTRY):
        users = [
            user_factory(email="a@example.test", phone="0811"),
            user_factory(email="b@example.test", phone="0822"),
            user_factory(email="c@example.test", phone=""),
        ]
        MFADevice.objects.create(user=users[0], secret="JBSWY3DPEHPK3PXP")
    return users


def _empty_models() -> list[str]:
    """Encrypted models other than the two these tests fill: they report zeros."""
    from core.crypto.services import encrypted_fields_by_model

    labels = [m._meta.label_lower for m in encrypted_fields_by_model()]
    return [label for label in labels if label not in {"accounts.user", "accounts.mfadevice"}]


def _zero_lines(verb: str = "re-encrypted") -> list[str]:
    return [f"{label}: 0 {verb}, 0 already current, 0 failed" for label in _empty_models()]


def _zero_counts() -> dict[str, dict[str, int]]:
    return {label: {"reencrypted": 0, "failed": 0} for label in _empty_models()}


@pytest.mark.django_db
def test_reencrypt_reseals_old_values_under_the_active_key_and_is_idempotent(sealed_under_old):
    # given the ring rotated to "new", keeping "old" for reading
    with override_settings(FIELD_ENCRYPTION_KEYS=f"{NEW_ENTRY},{OLD_ENTRY}"):
        assert [v[:4] for v in _raw("accounts_user", "phone")] == ["old$", "old$", ""]

        # when
        first = _run("--batch-size", "1")
        second = _run()

        # then
        ring = parse_keyring(f"{NEW_ENTRY},{OLD_ENTRY}")
        phones = _raw("accounts_user", "phone")
        secrets = _raw("accounts_mfadevice", "secret")
        assert [v[:4] for v in phones] == ["new$", "new$", ""]
        assert [decrypt(v, ring=ring, aad=b"accounts.user.phone") for v in phones[:2]] == [
            "0811",
            "0822",
        ]
        assert secrets[0].startswith("new$")
        assert decrypt(secrets[0], ring=ring, aad=b"accounts.mfadevice.secret") == (
            "JBSWY3DPEHPK3PXP"
        )
        assert [u.phone for u in User.objects.order_by("email")] == ["0811", "0822", ""]
    assert first.splitlines() == [
        "accounts.user: 2 re-encrypted, 0 already current, 0 failed",
        "accounts.mfadevice: 1 re-encrypted, 0 already current, 0 failed",
        *_zero_lines(),
        "Total: 3 values re-encrypted under key new",
    ]
    assert second.splitlines() == [
        "accounts.user: 0 re-encrypted, 2 already current, 0 failed",
        "accounts.mfadevice: 0 re-encrypted, 1 already current, 0 failed",
        *_zero_lines(),
        "Total: 0 values re-encrypted under key new",
    ]


@pytest.mark.django_db
def test_reencrypt_is_audited_with_its_counts(sealed_under_old):
    with override_settings(FIELD_ENCRYPTION_KEYS=f"{NEW_ENTRY},{OLD_ENTRY}"):
        _run()
        _run()

    events = list(AuditEvent.objects.filter(action=actions.DATA_REENCRYPTED).order_by("seq"))
    assert [(e.actor_email, e.data) for e in events] == [
        (
            "system:reencrypt_fields",
            {
                "active_key_id": "new",
                "reencrypted": 3,
                "failed": 0,
                "models": {
                    "accounts.user": {"reencrypted": 2, "failed": 0},
                    "accounts.mfadevice": {"reencrypted": 1, "failed": 0},
                    **_zero_counts(),
                },
            },
        ),
        (
            "system:reencrypt_fields",
            {
                "active_key_id": "new",
                "reencrypted": 0,
                "failed": 0,
                "models": {
                    "accounts.user": {"reencrypted": 0, "failed": 0},
                    "accounts.mfadevice": {"reencrypted": 0, "failed": 0},
                    **_zero_counts(),
                },
            },
        ),
    ]


@pytest.mark.django_db
def test_dry_run_counts_and_changes_nothing(sealed_under_old):
    before = _raw("accounts_user", "phone") + _raw("accounts_mfadevice", "secret")

    with override_settings(FIELD_ENCRYPTION_KEYS=f"{NEW_ENTRY},{OLD_ENTRY}"):
        out = _run("--dry-run")

    assert out.splitlines() == [
        "accounts.user: 2 to re-encrypt, 0 already current, 0 failed",
        "accounts.mfadevice: 1 to re-encrypt, 0 already current, 0 failed",
        *_zero_lines("to re-encrypt"),
        "Total: 3 values to re-encrypt under key new (dry run, nothing changed)",
    ]
    assert _raw("accounts_user", "phone") + _raw("accounts_mfadevice", "secret") == before
    assert AuditEvent.objects.filter(action=actions.DATA_REENCRYPTED).count() == 0


@pytest.mark.django_db
def test_values_under_a_key_missing_from_the_ring_are_reported_and_left_alone(sealed_under_old):
    # given the old key was dropped before re-encrypting
    before = _raw("accounts_user", "phone")
    user_id = User.objects.values_list("pk", flat=True).get(email="a@example.test")

    # when
    with override_settings(FIELD_ENCRYPTION_KEYS=NEW_ENTRY), pytest.raises(CommandError) as caught:
        _run()

    # then
    assert f"accounts.user.phone pk={user_id}: Unknown encryption key id 'old'." in str(
        caught.value
    )
    assert _raw("accounts_user", "phone") == before
    event = AuditEvent.objects.get(action=actions.DATA_REENCRYPTED)
    assert (event.data["reencrypted"], event.data["failed"]) == (0, 3)


@pytest.mark.django_db
def test_each_batch_is_read_with_its_rows_locked_where_the_database_can(sealed_under_old):
    # given two models with stale values and batches of two rows
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=f"{NEW_ENTRY},{OLD_ENTRY}"),
        CaptureQueriesContext(connection) as queries,
    ):
        _run("--batch-size", "2")

    # then accounts.user takes two batches (2 + 0 rows left) and mfadevice one, each locked
    locking = [
        q["sql"]
        for q in queries.captured_queries
        if "FOR UPDATE" in q["sql"] and q["sql"].startswith('SELECT "accounts_')
    ]
    expected = 3 if connection.features.has_select_for_update else 0
    assert len(locking) == expected


@pytest.mark.django_db
def test_batch_size_must_be_positive():
    with pytest.raises(CommandError, match="--batch-size must be at least 1."):
        _run("--batch-size", "0")


def test_generate_field_key_prints_a_ring_entry():
    out = StringIO()

    call_command("generate_field_key", "k2", stdout=out)

    entry = out.getvalue().strip()
    ring = parse_keyring(entry)
    assert ring.active_id == "k2"
    assert len(ring.active) == 32


@pytest.mark.parametrize(
    ("kid", "message"),
    [
        ("t1", "Key id 't1' is already in the ring; choose a new one."),
        ("k-2", "A key id must be non-empty ASCII letters and digits."),
    ],
)
def test_generate_field_key_refuses_unusable_ids(kid, message):
    out = StringIO()

    with pytest.raises(CommandError) as caught:
        call_command("generate_field_key", kid, stdout=out)

    assert str(caught.value) == message
    assert out.getvalue() == ""
