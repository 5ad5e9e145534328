"""Business counters move when the events they count happen."""

import pytest
from django.test import override_settings
from prometheus_client import REGISTRY

from core.accounts.errors import InvalidCredentials
from core.accounts.services.auth import auth_authenticate, login_succeeded
from core.audit.services import audit_record
from core.errors import RateLimited

pytestmark = pytest.mark.django_db


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_failed_and_successful_sign_ins_are_counted(user_factory, password):
    user = user_factory()
    failed = _value("platform_auth_logins_total", result="failed")
    succeeded = _value("platform_auth_logins_total", result="succeeded")

    with pytest.raises(InvalidCredentials):
        auth_authenticate(email=user.email, password="Wrong-Pass-1!", otp=None, ip="10.0.0.1")
    outcome = auth_authenticate(email=user.email, password=password, otp=None, ip="10.0.0.1")
    login_succeeded(user=outcome.user, channel="api")

    assert _value("platform_auth_logins_total", result="failed") == failed + 1
    assert _value("platform_auth_logins_total", result="succeeded") == succeeded + 1


@override_settings(RATE_LIMIT_LOGIN="2/60")
def test_throttled_sign_ins_are_counted_per_scope(user_factory, password):
    user = user_factory()
    throttled = _value("platform_auth_logins_total", result="throttled")
    limited = _value("platform_rate_limited_total", scope="login-ip")
    for _ in range(2):
        auth_authenticate(email=user.email, password=password, otp=None, ip="10.0.0.2")

    with pytest.raises(RateLimited):
        auth_authenticate(email=user.email, password=password, otp=None, ip="10.0.0.2")

    assert _value("platform_auth_logins_total", result="throttled") == throttled + 1
    assert _value("platform_rate_limited_total", scope="login-ip") == limited + 1


def test_audit_events_are_counted_once_committed(django_capture_on_commit_callbacks):
    before = _value("platform_audit_events_total", action="config.changed")
    with django_capture_on_commit_callbacks(execute=True):
        audit_record(action="config.changed", data={"key": "x"})
    assert _value("platform_audit_events_total", action="config.changed") == before + 1
