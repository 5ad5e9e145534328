"""A person signs in through a real browser; the strict CSP never blocks our own pages."""

from __future__ import annotations

import pyotp
import pytest

from core.accounts.models import MFADevice
from tests.e2e.conftest import screenshot
from tests.factories import DEFAULT_PASSWORD, MembershipFactory, TenantFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_landing_page_renders_without_csp_violations_and_links_both_portals(asgi_server, page):
    response = page.goto(f"{asgi_server.url}/")

    assert response.status == 200
    assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
    portal_links = page.locator("a[href='/water/'], a[href='/roadside/']")
    assert portal_links.count() >= 2
    screenshot(page, "landing")
    assert page.problems == []


def test_staff_signs_in_enrols_mfa_and_reaches_the_portal(asgi_server, page):
    tenant = TenantFactory(name="PDAM Tirta Asri", slug="pdam-tirta-asri")
    admin = UserFactory(email="budi@tirta-asri.test", full_name="Budi Santoso")
    MembershipFactory(user=admin, tenant=tenant, role="client_admin")

    page.goto(f"{asgi_server.url}/water/")
    assert page.url.startswith(f"{asgi_server.url}/accounts/login/")
    page.fill("input[name=email]", admin.email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("main form[method=post] button[type=submit]")

    # Staff without MFA are sent to enrolment before anything else.
    page.wait_for_url(f"{asgi_server.url}/accounts/mfa/**")
    assert page.locator("svg").first.is_visible()  # the QR code, drawn on the server
    # The copy button is revealed by our nonce'd script: proof that the CSP lets it run.
    assert page.locator("button[data-copy='mfa-secret']").is_visible()
    secret = page.inner_text("#mfa-secret").replace(" ", "")
    screenshot(page, "mfa-enrolment")
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.click("form.form-inline button[type=submit]")

    page.wait_for_selector("text=recovery codes", timeout=5000)
    assert MFADevice.objects.filter(user=admin, confirmed_at__isnull=False).count() == 1
    page.goto(f"{asgi_server.url}/water/")
    assert page.locator("text=PDAM Tirta Asri").first.is_visible()
    screenshot(page, "water-portal-admin")
    assert page.problems == []


def test_wrong_password_shows_one_generic_message(asgi_server, page):
    user = UserFactory(email="agus@example.test")

    page.goto(f"{asgi_server.url}/accounts/login/")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", "Not-The-Password-1!")
    page.click("main form[method=post] button[type=submit]")

    assert page.url.startswith(f"{asgi_server.url}/accounts/login/")
    assert page.locator("[role=alert], .errorlist, .form-errors").first.is_visible()
    assert page.problems == []
