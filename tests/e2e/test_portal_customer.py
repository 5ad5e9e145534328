"""The customer workspace in a real browser: dashboard, usage chart and payments, two widths,
English and Indonesian."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core.payments.models import Payment, State
from tests.e2e.conftest import screenshot as _screenshot
from tests.e2e.conftest import sign_in
from tests.factories import MembershipFactory, TenantFactory, UserFactory
from water.billing.models import DailyUsage, PrepaidAccount
from water.meters.models import ValveState
from water.portal.tests.customer_data import tariff, today_in_jakarta
from water.tests.factories import ClientFactory, CustomerFactory, MeterFactory, PropertyFactory

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 360, "height": 780}}


def screenshot(page, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    _screenshot(page, name)


def _household(language: str):
    tenant = TenantFactory(name="Perumda Tirtawening Kota Bandung", slug=f"tirtawening-{language}")
    ClientFactory(tenant=tenant)
    tariff(tenant)
    user = UserFactory(
        full_name="Sari Wulandari", email=f"sari.{language}@example.id", language=language
    )
    MembershipFactory(user=user, tenant=tenant, role="customer")
    customer = CustomerFactory(tenant=tenant, user=user, full_name="Sari Wulandari")
    today = today_in_jakarta()
    meters = []
    for serial, address, balance, valve in (
        ("IW-BDG-0042117", "Jl. Cihampelas No. 112", 8_400, ValveState.OPEN),
        ("IW-BDG-0042118", "Jl. Dago No. 7 (kos)", 184_250, ValveState.OPEN),
    ):
        home = PropertyFactory(tenant=tenant, address=address, city="Bandung")
        meter = MeterFactory(
            tenant=tenant,
            property=home,
            serial=f"{serial}{language.upper()}",
            customer=customer,
            valve_state=valve,
            last_reading_at=timezone.now() - timedelta(minutes=25),
        )
        PrepaidAccount.objects.create(
            tenant=tenant,
            meter=meter,
            balance_idr=balance,
            month_start=today.replace(day=1),
            month_litres=12_500,
            month_consumption_idr=68_750,
        )
        for back in range(60):
            litres = 350 + (back * 37) % 260 + back * 4
            DailyUsage.objects.create(
                tenant=tenant,
                meter=meter,
                day=today - timedelta(days=back),
                litres=litres,
                charge_idr=litres * 5,
                readings=24,
            )
        meters.append(meter)
    for n, state in enumerate((State.SETTLED, State.PENDING, State.EXPIRED)):
        Payment.objects.create(
            reference=f"IW-2611{n:02d}-{language.upper()}Q9D",
            tenant=tenant,
            payer=user,
            purpose="water.topup",
            purpose_ref=str(meters[n % 2].pk),
            description="Water credit",
            currency="IDR",
            amount_minor=50_000,
            fee_minor=350,
            total_minor=50_350,
            gateway="sandbox",
            method="qris",
            state=state,
        )
    return user


def _outside_the_browser_loop(make, **kwargs):
    made = []
    worker = threading.Thread(target=lambda: made.append(make(**kwargs)))
    worker.start()
    worker.join(timeout=30)
    return made[0]


@pytest.mark.parametrize(("language", "locale"), [("en", "en-GB"), ("id", "id-ID")])
def test_a_customer_sees_the_dashboard_usage_and_payments(asgi_server, browser, language, locale):
    user = _outside_the_browser_loop(_household, language=language)
    context = browser.new_context(viewport=WIDTHS["desktop"], locale=locale)
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    sign_in(page, asgi_server.url, user)

    page.goto(f"{asgi_server.url}/water/my/")
    expect(page.locator(".my-meter")).to_have_count(2)
    expect(page.locator('[data-balance="8400"]')).to_be_visible()
    expect(page.locator(".my-low")).to_have_count(1)
    for name, size in WIDTHS.items():
        page.set_viewport_size(size)
        screenshot(page, f"portal-customer-dashboard-{name}-{language}")

    page.set_viewport_size(WIDTHS["desktop"])
    page.locator(".portal-tabs a").nth(1).click()
    expect(page).to_have_url(f"{asgi_server.url}/water/my/usage/")
    expect(page.locator("#usage-chart")).to_be_visible()
    expect(page.locator(".my-chart.is-drawn")).to_have_count(1)
    expect(page.locator(".my-usage-table tbody tr")).to_have_count(30)
    for name, size in WIDTHS.items():
        page.set_viewport_size(size)
        page.wait_for_timeout(300)  # the chart resizes to the new width
        box = page.locator("#usage-chart").bounding_box()
        assert box is not None
        assert box["width"] <= size["width"]
        screenshot(page, f"portal-customer-usage-{name}-{language}")

    page.set_viewport_size(WIDTHS["desktop"])
    page.goto(f"{asgi_server.url}/water/my/payments/")
    expect(page.locator("tr[data-reference]")).to_have_count(3)
    for name, size in WIDTHS.items():
        page.set_viewport_size(size)
        screenshot(page, f"portal-customer-payments-{name}-{language}")

    assert [p for p in problems if "sw.js" not in p] == []
    context.close()


def test_the_offline_page_at_phone_width(asgi_server, page):
    page.set_viewport_size(WIDTHS["phone"])
    page.goto(f"{asgi_server.url}/water/offline/")
    expect(page.locator("h1")).to_have_text("You are offline")
    screenshot(page, "portal-customer-offline-phone-en")
