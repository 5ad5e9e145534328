"""Fixtures shared by the whole suite."""

from __future__ import annotations

import asyncio

import pyotp
import pytest
from django.core.cache import cache
from django.test import TransactionTestCase
from django.utils import translation

from core.accounts.services.mfa import mfa_enrolment_confirm, mfa_enrolment_start
from core.audit.testing import flush_with_audit_triggers_suspended
from tests.factories import DEFAULT_PASSWORD, MembershipFactory, TenantFactory, UserFactory


@pytest.fixture(scope="session", autouse=True)
def audit_flushable():
    """`transaction=True` tests end with a flush; let it empty the append-only audit table."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            TransactionTestCase, "_fixture_teardown", flush_with_audit_triggers_suspended()
        )
        yield


@pytest.fixture(autouse=True)
def _no_event_loop_left_running(request):
    """A test that leaves an event loop running in this thread breaks every later request
    that passes through async middleware; name the culprit instead."""
    yield
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    pytest.fail(f"{request.node.nodeid} left an event loop running: {loop!r}")


@pytest.fixture(autouse=True)
def _english():
    """A request that switches language must not leak it into the next test."""
    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the cache; every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def password() -> str:
    return DEFAULT_PASSWORD


@pytest.fixture
def user_factory():
    return UserFactory


@pytest.fixture
def tenant_factory():
    return TenantFactory


@pytest.fixture
def membership_factory():
    return MembershipFactory


def enrol_mfa(user) -> tuple[str, list[str]]:
    """Enrol a TOTP device for `user`; returns the secret and the recovery codes."""
    device = mfa_enrolment_start(user=user)
    step_code = pyotp.TOTP(device.secret).now()
    codes = mfa_enrolment_confirm(user=user, device_id=device.pk, code=step_code)
    assert codes is not None
    return device.secret, codes


@pytest.fixture
def mfa_enrol():
    return enrol_mfa
