import base64
import string

import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from core.crypto.keyring import (
    KeyRingError,
    blind_index,
    current_keyring,
    new_key_text,
    normalise_digits,
    normalise_text,
    parse_keyring,
)

KEY_A = base64.b64encode(b"a" * 32).decode()
KEY_B = base64.b64encode(b"b" * 32).decode()


def test_parse_keyring_first_key_is_active_and_all_keys_kept():
    # given two entries with spaces around them
    text = f" new:{KEY_B} , old:{KEY_A} "

    # when
    ring = parse_keyring(text)

    # then
    assert ring.active_id == "new"
    assert ring.active == b"b" * 32
    assert ring.keys == {"new": b"b" * 32, "old": b"a" * 32}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The key ring is empty."),
        (f"k1{KEY_A}", "Each key must be written as '<alphanumeric id>:<base64 key>'."),
        (f"k-1:{KEY_A}", "Each key must be written as '<alphanumeric id>:<base64 key>'."),
        (f"ké:{KEY_A}", "Each key must be written as '<alphanumeric id>:<base64 key>'."),
        ("k1:not base64!", "Key 'k1' is not valid base64."),
        (f"k1:{base64.b64encode(b'x' * 16).decode()}", "Key 'k1' must be 32 bytes (AES-256)."),
        (f"k1:{KEY_A},k1:{KEY_B}", "Key id 'k1' appears twice."),
    ],
)
def test_parse_keyring_refuses_malformed_text(text, message):
    with pytest.raises(KeyRingError) as caught:
        parse_keyring(text)

    assert str(caught.value) == message


def test_new_key_text_is_a_parsable_fresh_entry():
    # when
    first, second = new_key_text("k2"), new_key_text("k2")

    # then
    assert first.startswith("k2:")
    assert parse_keyring(first).active_id == "k2"
    assert len(parse_keyring(first).active) == 32
    assert first != second


@pytest.mark.parametrize("kid", ["", "k-2", "k$2", "ключ"])
def test_new_key_text_refuses_ids_the_ring_cannot_hold(kid):
    with pytest.raises(KeyRingError):
        new_key_text(kid)


def test_current_keyring_follows_overridden_settings():
    with override_settings(FIELD_ENCRYPTION_KEYS=f"new:{KEY_B},old:{KEY_A}"):
        assert current_keyring().active_id == "new"
    assert current_keyring().active_id == "t1"


def test_blind_index_is_hmac_sha256_hex_and_separates_contexts():
    # when
    phone = blind_index("0812 3456", context="accounts.user.phone")
    other_column = blind_index("0812 3456", context="water.customer.phone")

    # then
    assert len(phone) == 64
    assert int(phone, 16) >= 0
    assert phone != other_column


def test_blind_index_depends_on_the_key():
    before = blind_index("Budi")
    with override_settings(BLIND_INDEX_KEY=KEY_A):
        after = blind_index("Budi")

    assert before != after


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("not base64!", "BLIND_INDEX_KEY is not valid base64."),
        (base64.b64encode(b"short").decode(), "BLIND_INDEX_KEY must be at least 32 bytes."),
    ],
)
def test_blind_index_refuses_a_weak_or_malformed_key(key, message):
    with override_settings(BLIND_INDEX_KEY=key), pytest.raises(KeyRingError) as caught:
        blind_index("Budi")

    assert str(caught.value) == message


def test_normalisers_fold_case_width_whitespace_and_digits():
    assert normalise_text("  Budi\t SANTOSO\n") == "budi santoso"
    assert normalise_text("ＢＵＤＩ") == "budi"
    assert normalise_text("STRASSE") == normalise_text("straße")
    assert normalise_digits("+62 812-3456-7890") == "6281234567890"
    assert normalise_digits("３２０１ ٠١") == "320101"


text_values = st.text(max_size=60)


@given(value=text_values)
def test_blind_index_is_deterministic(value):
    assert blind_index(value, context="x.y.z") == blind_index(value, context="x.y.z")


@given(value=text_values, pad=st.sampled_from([" ", "\t", "\n  ", "\r\n"]))
def test_blind_index_ignores_surrounding_whitespace(value, pad):
    assert blind_index(f"{pad}{value}{pad}") == blind_index(value)


@given(value=st.text(alphabet=string.ascii_letters + string.digits + " .-'éÉñÑüÜ", max_size=40))
def test_blind_index_ignores_case(value):
    assert blind_index(value.upper()) == blind_index(value.lower()) == blind_index(value)


@given(
    words=st.lists(st.text(alphabet="abcXYZ019", min_size=1, max_size=8), min_size=1, max_size=5)
)
def test_blind_index_collapses_inner_whitespace(words):
    assert blind_index("  \t ".join(words)) == blind_index(" ".join(words))


@given(first=text_values, second=text_values)
def test_blind_index_differs_for_different_normalised_values(first, second):
    if normalise_text(first) != normalise_text(second):
        assert blind_index(first) != blind_index(second)
