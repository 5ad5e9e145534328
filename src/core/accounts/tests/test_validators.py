import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from core.accounts.validators import CharacterClassValidator


@pytest.mark.parametrize(
    ("password", "missing"),
    [
        ("lowercase1!", "an upper-case letter"),
        ("UPPERCASE1!", "a lower-case letter"),
        ("NoDigits!!", "a digit"),
        ("NoSymbol12", "a symbol such as ! ? # or @"),
        ("abcdefgh", "an upper-case letter, a digit, a symbol such as ! ? # or @"),
    ],
)
def test_character_classes_name_what_is_missing(password, missing):
    with pytest.raises(ValidationError) as excinfo:
        CharacterClassValidator().validate(password)
    assert excinfo.value.messages == [f"The password must contain {missing}."]
    assert excinfo.value.error_list[0].code == "password_character_classes"


def test_a_password_with_every_class_passes():
    assert CharacterClassValidator().validate("Tirta-Asri-2026") is None


@pytest.mark.django_db
def test_full_policy_reports_length_and_common_passwords():
    with pytest.raises(ValidationError) as excinfo:
        validate_password("Aa1!")
    assert "This password is too short. It must contain at least 8 characters." in (
        excinfo.value.messages
    )
    with pytest.raises(ValidationError) as excinfo:
        validate_password("password")
    assert "This password is too common." in excinfo.value.messages


@pytest.mark.django_db
def test_similarity_to_the_email_is_refused(user_factory):
    user = user_factory(email="budi.santoso@example.test", full_name="Budi Santoso")
    with pytest.raises(ValidationError) as excinfo:
        validate_password("Budi.Santoso1!", user)
    assert any("too similar" in message for message in excinfo.value.messages)
