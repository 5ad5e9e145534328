"""Session policy (staff idle/absolute limits, forced MFA enrolment) and the session list."""

from __future__ import annotations

import time
from importlib import import_module

import pyotp
import pytest
from django.conf import settings
from django.test import Client

from core.accounts.models import UserSession
from core.accounts.roles import Role
from core.accounts.services.sessions import SEEN_KEY, STARTED_KEY
from core.audit import actions
from core.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _sign_in(client, user, password, secret=None):
    response = client.post("/accounts/login/", {"email": user.email, "password": password})
    if secret is not None:
        code = pyotp.TOTP(secret).at(int(time.time()) + 30)
        response = client.post("/accounts/login/verify/", {"code": code})
    return response


def _age_session(client, *, idle: float, age: float) -> None:
    session = client.session
    now = time.time()
    session[SEEN_KEY] = now - idle
    session[STARTED_KEY] = now - age
    session.save()


@pytest.fixture
def staff(user_factory, membership_factory, mfa_enrol):
    user = user_factory(email="operator@tirta.id")
    membership_factory(user=user, role=Role.CLIENT_OPERATOR)
    secret, _codes = mfa_enrol(user)
    user.totp_secret = secret
    return user


@pytest.fixture
def customer(user_factory, membership_factory):
    user = user_factory(email="pelanggan@tirta.id")
    membership_factory(user=user, role=Role.CUSTOMER)
    return user


def test_staff_idle_for_31_minutes_are_signed_out(client, staff, password):
    _sign_in(client, staff, password, staff.totp_secret)
    _age_session(client, idle=31 * 60, age=40 * 60)

    response = client.get("/water/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/water/"
    assert UserSession.objects.filter(user=staff).count() == 0
    assert client.get("/accounts/profile/")["Location"].startswith("/accounts/login/")


def test_staff_idle_for_29_minutes_stay_signed_in(client, staff, password):
    _sign_in(client, staff, password, staff.totp_secret)
    _age_session(client, idle=29 * 60, age=40 * 60)

    assert client.get("/water/?overview=1").status_code == 200


def test_staff_sessions_end_after_12_hours_even_when_active(client, staff, password):
    _sign_in(client, staff, password, staff.totp_secret)
    _age_session(client, idle=60, age=12 * 3600 + 60)

    response = client.get("/accounts/profile/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/profile/"


def test_customers_are_not_timed_out_after_31_idle_minutes(client, customer, password):
    _sign_in(client, customer, password)
    _age_session(client, idle=31 * 60, age=13 * 3600)

    assert client.get("/water/?overview=1").status_code == 200


def test_staff_without_mfa_are_sent_to_enrolment_which_works(
    client, user_factory, membership_factory, password
):
    user = user_factory()
    membership_factory(user=user, role=Role.CLIENT_ADMIN)
    _sign_in(client, user, password)

    portal = client.get("/water/")
    enrolment = client.get("/accounts/mfa/")

    assert portal.status_code == 302
    assert portal["Location"] == "/accounts/mfa/"
    assert enrolment.status_code == 200
    assert b'<svg class="qr-code"' in enrolment.content


def test_the_session_list_shows_only_the_users_own_sessions(
    client, customer, user_factory, password
):
    other = user_factory()
    UserSession.objects.create(user=other, session_key="x" * 32, user_agent="Other/1.0")
    _sign_in(client, customer, password)

    response = client.get("/accounts/sessions/")

    assert response.status_code == 200
    assert [s.user_id for s in response.context["sessions"]] == [customer.pk]
    assert b"This device" in response.content
    assert b"Other/1.0" not in response.content


def test_revoking_another_device_ends_that_session(client, customer, password):
    other_device = Client()
    _sign_in(other_device, customer, password)
    _sign_in(client, customer, password)
    other_key = other_device.session.session_key
    row = UserSession.objects.get(session_key=other_key)

    response = client.post(f"/accounts/sessions/{row.pk}/revoke/")

    store = import_module(settings.SESSION_ENGINE).SessionStore
    assert response.status_code == 302
    assert response["Location"] == "/accounts/sessions/"
    assert UserSession.objects.filter(pk=row.pk).exists() is False
    assert store().exists(other_key) is False
    assert other_device.get("/accounts/profile/").status_code == 302
    assert client.get("/accounts/profile/").status_code == 200
    assert AuditEvent.objects.filter(action=actions.SESSION_REVOKED).count() == 1


def test_revoking_another_users_session_answers_404_and_changes_nothing(
    client, customer, user_factory, password
):
    other = user_factory()
    row = UserSession.objects.create(user=other, session_key="y" * 32)
    _sign_in(client, customer, password)

    response = client.post(f"/accounts/sessions/{row.pk}/revoke/")

    assert response.status_code == 404
    assert UserSession.objects.filter(pk=row.pk).exists() is True
    assert AuditEvent.objects.filter(action=actions.SESSION_REVOKED).count() == 0


def test_revoking_the_current_session_signs_this_browser_out(client, customer, password):
    _sign_in(client, customer, password)
    row = UserSession.objects.get(session_key=client.session.session_key)

    response = client.post(f"/accounts/sessions/{row.pk}/revoke/")

    assert response["Location"] == "/accounts/login/"
    assert UserSession.objects.filter(user=customer).count() == 0
    assert client.get("/accounts/profile/").status_code == 302


def test_revoke_is_post_only(client, customer, password):
    _sign_in(client, customer, password)
    row = UserSession.objects.get(session_key=client.session.session_key)

    assert client.get(f"/accounts/sessions/{row.pk}/revoke/").status_code == 405
    assert UserSession.objects.filter(pk=row.pk).exists() is True
