"""TOTP enrolment, verification, recovery codes and the user's own switch-off."""

from __future__ import annotations

import time

import pyotp
import pytest
from django.utils import translation

from core.accounts.models import MFADevice, RecoveryCode
from core.accounts.roles import Role
from core.accounts.services.mfa import (
    mfa_enrolment_confirm,
    mfa_enrolment_start,
    mfa_recovery_codes_regenerate,
    mfa_verify,
)
from core.accounts.services.registration import (
    InvalidInput,
    WrongPassword,
    mfa_enrolment_pending,
    mfa_self_disable,
    mfa_self_regenerate_codes,
    mfa_status_for,
)
from core.errors import PermissionDenied

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English whatever an earlier request activated."""
    with translation.override("en"):
        yield


def _next_step_code(secret: str) -> str:
    return pyotp.TOTP(secret).at(int(time.time()) + 30)


def test_enrolment_confirmed_with_a_current_code_issues_ten_recovery_codes(user_factory):
    user = user_factory()
    device = mfa_enrolment_start(user=user)

    codes = mfa_enrolment_confirm(
        user=user, device_id=device.pk, code=pyotp.TOTP(device.secret).now()
    )

    assert codes is not None
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert user.mfa_enabled is True
    assert RecoveryCode.objects.filter(user=user, used_at__isnull=True).count() == 10


def test_enrolment_with_a_wrong_code_leaves_mfa_off(user_factory):
    user = user_factory()
    device = mfa_enrolment_start(user=user)

    codes = mfa_enrolment_confirm(user=user, device_id=device.pk, code="000000")

    assert codes is None
    assert user.mfa_enabled is False
    assert RecoveryCode.objects.filter(user=user).count() == 0


def test_the_pending_device_is_reused_until_confirmed(user_factory):
    user = user_factory()

    first = mfa_enrolment_pending(user=user, device_id=None)
    again = mfa_enrolment_pending(user=user, device_id=first.pk)

    assert again.pk == first.pk
    assert again.secret == first.secret


def test_a_totp_code_is_accepted_once(user_factory, mfa_enrol):
    user = user_factory()
    secret, _codes = mfa_enrol(user)
    code = _next_step_code(secret)

    assert mfa_verify(user=user, code=code) is True
    assert mfa_verify(user=user, code=code) is False


def test_a_recovery_code_works_once(user_factory, mfa_enrol):
    user = user_factory()
    _secret, codes = mfa_enrol(user)

    assert mfa_verify(user=user, code=codes[0].upper()) is True
    assert mfa_verify(user=user, code=codes[0]) is False
    assert RecoveryCode.objects.filter(user=user, used_at__isnull=True).count() == 9


def test_regenerating_codes_cancels_the_old_ones(user_factory, mfa_enrol):
    user = user_factory()
    _secret, old = mfa_enrol(user)

    new = mfa_recovery_codes_regenerate(user=user)

    assert mfa_verify(user=user, code=old[0]) is False
    assert mfa_verify(user=user, code=new[0]) is True


def test_self_regeneration_needs_the_password(user_factory, mfa_enrol, password):
    user = user_factory()
    _secret, old = mfa_enrol(user)

    with pytest.raises(WrongPassword):
        mfa_self_regenerate_codes(user=user, password="Wrong-pass-1!")
    assert mfa_verify(user=user, code=old[0]) is True

    new = mfa_self_regenerate_codes(user=user, password=password)
    assert len(new) == 10
    assert mfa_verify(user=user, code=old[1]) is False


def test_staff_may_not_switch_mfa_off(user_factory, membership_factory, mfa_enrol, password):
    user = user_factory()
    membership_factory(user=user, role=Role.CLIENT_OPERATOR)
    mfa_enrol(user)

    with pytest.raises(PermissionDenied):
        mfa_self_disable(user=user, password=password)

    assert MFADevice.objects.filter(user=user, confirmed_at__isnull=False).count() == 1
    assert mfa_status_for(user=user).may_disable is False


def test_a_customer_switches_mfa_off_with_the_password(
    user_factory, membership_factory, mfa_enrol, password
):
    user = user_factory()
    membership_factory(user=user, role=Role.CUSTOMER)
    mfa_enrol(user)
    assert mfa_status_for(user=user).may_disable is True

    with pytest.raises(WrongPassword):
        mfa_self_disable(user=user, password="Wrong-pass-1!")
    assert user.mfa_enabled is True

    mfa_self_disable(user=user, password=password)
    assert user.mfa_enabled is False
    assert RecoveryCode.objects.filter(user=user).count() == 0
    with pytest.raises(InvalidInput):
        mfa_self_disable(user=user, password=password)
