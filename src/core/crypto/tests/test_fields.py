import base64

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from core.accounts.models import MFADevice, User
from core.crypto.fields import DecryptionError, decrypt, encrypt, key_id_of
from core.crypto.keyring import parse_keyring

OLD = parse_keyring(f"old:{base64.b64encode(b'o' * 32).decode()}")
RING = parse_keyring(
    f"new:{base64.b64encode(b'n' * 32).decode()},old:{base64.b64encode(b'o' * 32).decode()}"
)


def _raw_column(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def _flip(token, position):
    kid, _, body = token.partition("$")
    raw = bytearray(base64.b64decode(body))
    raw[position] ^= 0x01
    return f"{kid}${base64.b64encode(bytes(raw)).decode()}"


@given(plaintext=st.text())
def test_encrypt_then_decrypt_returns_the_plaintext(plaintext):
    assert decrypt(encrypt(plaintext, ring=RING, aad=b"a.b.c"), ring=RING, aad=b"a.b.c") == (
        plaintext
    )


def test_encrypt_writes_kid_and_base64_of_nonce_ciphertext_and_tag():
    # when
    token = encrypt("08123456789", ring=RING)

    # then
    kid, separator, body = token.partition("$")
    assert (kid, separator) == ("new", "$")
    assert key_id_of(token) == "new"
    assert len(base64.b64decode(body)) == 12 + len("08123456789") + 16


def test_encrypt_uses_a_fresh_nonce_for_every_value():
    first, second = encrypt("same", ring=RING), encrypt("same", ring=RING)

    assert first != second
    assert base64.b64decode(first[4:])[:12] != base64.b64decode(second[4:])[:12]


def test_decrypt_opens_values_sealed_by_an_older_ring_key():
    # given a value sealed when "old" was the only key
    token = encrypt("rahasia", ring=OLD)

    # when the ring has a new active key
    opened = decrypt(token, ring=RING)

    # then
    assert key_id_of(token) == "old"
    assert opened == "rahasia"


@pytest.mark.parametrize("position", [0, 11, 12, 20, -1])
def test_decrypt_refuses_a_flipped_byte(position):
    token = encrypt("08123456789", ring=RING)

    with pytest.raises(DecryptionError, match="failed authentication"):
        decrypt(_flip(token, position), ring=RING)


def test_decrypt_refuses_a_wrong_key_under_the_same_id():
    token = encrypt("rahasia", ring=OLD)
    impostor = parse_keyring(f"old:{base64.b64encode(b'x' * 32).decode()}")

    with pytest.raises(DecryptionError, match="failed authentication"):
        decrypt(token, ring=impostor)


@pytest.mark.parametrize("token", ["gone$AAAA", "no-separator", ""])
def test_decrypt_refuses_an_unknown_key_id(token):
    with pytest.raises(DecryptionError, match="Unknown encryption key id"):
        decrypt(token, ring=RING)


@pytest.mark.parametrize("body", ["not base64!", "AAAA", ""])
def test_decrypt_refuses_garbage_after_a_known_id(body):
    with pytest.raises(DecryptionError, match="failed authentication"):
        decrypt(f"new${body}", ring=RING)


def test_decrypt_refuses_other_associated_data():
    token = encrypt("rahasia", ring=RING, aad=b"accounts.user.phone")

    with pytest.raises(DecryptionError, match="failed authentication"):
        decrypt(token, ring=RING, aad=b"accounts.mfadevice.secret")
    with pytest.raises(DecryptionError, match="failed authentication"):
        decrypt(token, ring=RING)


@pytest.mark.django_db
def test_user_phone_is_stored_sealed_and_bound_to_its_column(user_factory):
    # given
    user = user_factory(phone="+62 812 3456 7890")

    # when
    raw = _raw_column("accounts_user", "phone", user.pk)

    # then
    assert raw.startswith("t1$")
    assert "3456" not in raw
    assert decrypt(raw, aad=b"accounts.user.phone") == "+62 812 3456 7890"
    assert User.objects.get(pk=user.pk).phone == "+62 812 3456 7890"


@pytest.mark.django_db
def test_empty_phone_is_stored_empty(user_factory):
    user = user_factory(phone="")

    assert _raw_column("accounts_user", "phone", user.pk) == ""
    assert User.objects.get(pk=user.pk).phone == ""


@pytest.mark.django_db
def test_a_value_copied_into_another_column_does_not_open(user_factory):
    # given a phone sealed for accounts.user.phone and an MFA secret
    user = user_factory(phone="08123456789")
    device = MFADevice.objects.create(user=user, secret="JBSWY3DPEHPK3PXP")
    phone_token = _raw_column("accounts_user", "phone", user.pk)

    # when an attacker with database access moves the phone ciphertext into the secret column
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_mfadevice SET secret = %s WHERE id = %s", [phone_token, device.pk]
        )

    # then
    with pytest.raises(DecryptionError, match="failed authentication"):
        MFADevice.objects.get(pk=device.pk)


@pytest.mark.django_db
def test_a_tampered_stored_value_does_not_open(user_factory):
    user = user_factory(phone="08123456789")
    tampered = _flip(_raw_column("accounts_user", "phone", user.pk), 15)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_user SET phone = %s WHERE id = %s", [tampered, user.pk])

    with pytest.raises(DecryptionError):
        User.objects.get(pk=user.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "lookup",
    [
        {"phone": "08123456789"},
        {"phone__iexact": "x"},
        {"phone__in": ["x"]},
        {"phone__startswith": "0812"},
        {"phone__lower": "x"},
    ],
)
def test_filtering_an_encrypted_field_raises_type_error(lookup):
    with pytest.raises(TypeError, match="phone is encrypted"):
        User.objects.filter(**lookup)


@pytest.mark.django_db
def test_isnull_is_the_one_lookup_allowed(user_factory):
    user = user_factory(phone="08123456789")

    assert list(User.objects.filter(phone__isnull=False)) == [user]
    assert list(User.objects.filter(phone__isnull=True)) == []
