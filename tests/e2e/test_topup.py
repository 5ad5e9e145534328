"""Topping up a water meter in a real browser: choose, see the fee, pay by QRIS, watch it land."""

from __future__ import annotations

import threading

from playwright.sync_api import expect

from core.payments.models import Payment, State
from tests.e2e.conftest import screenshot as _screenshot
from tests.e2e.conftest import sign_in
from tests.factories import MembershipFactory, TenantFactory, UserFactory
from water.billing.models import PrepaidAccount
from water.billing.services import account_credit
from water.meters.models import ValveState
from water.tests.factories import ClientFactory, CustomerFactory, MeterFactory, PropertyFactory


def screenshot(page, name: str) -> None:
    # Scrolled back up so the sticky header sits at the top of the full-page picture.
    page.evaluate("window.scrollTo(0, 0)")
    _screenshot(page, name)


def _customer_with_a_meter(language: str = "en"):
    tenant = TenantFactory(name="Perumda Tirtawening Kota Bandung", slug="tirtawening")
    ClientFactory(tenant=tenant)
    user = UserFactory(full_name="Sari Wulandari", email="sari@example.id", language=language)
    MembershipFactory(user=user, tenant=tenant, role="customer")
    home = PropertyFactory(tenant=tenant, address="Jl. Cihampelas No. 112", city="Bandung")
    meter = MeterFactory(
        tenant=tenant,
        property=home,
        serial="IW-BDG-0042117",
        customer=CustomerFactory(tenant=tenant, user=user, full_name="Sari Wulandari"),
        valve_state=ValveState.OPEN,
    )
    account_credit(meter=meter, amount_idr=18_500, kind="topup", idempotency_key="seed:1")
    return user, meter


def _outside_the_browser_loop(make, **kwargs):
    """Run `make` in a thread: a credit publishes live events, which need a loop-free thread."""
    made = []
    worker = threading.Thread(target=lambda: made.append(make(**kwargs)))
    worker.start()
    worker.join(timeout=30)
    return made[0]


def test_a_customer_pays_a_qris_topup_and_sees_it_arrive_live(asgi_server, page, settings):
    settings.PUBLIC_BASE_URL = asgi_server.url
    user, meter = _outside_the_browser_loop(_customer_with_a_meter)
    sign_in(page, asgi_server.url, user)
    page.goto(f"{asgi_server.url}/water/topup/")
    expect(page.get_by_role("heading", name="Top up water credit")).to_be_visible()
    expect(page.locator(".balance-amount")).to_have_text("Rp 18,500")

    # choose Rp 50,000 and QRIS: the summary shows the fee before paying
    page.locator("label.denom", has_text="Rp 50,000").click()
    page.locator("label.method-option", has_text="QRIS").click()
    expect(page.locator('[data-summary="fee"]')).to_have_text("Rp 350")
    expect(page.locator('[data-summary="total"]')).to_have_text("Rp 50,350")
    # a typed amount replaces the buttons, and going back to the buttons restores them
    page.locator("#id_custom_amount").fill("100000")
    expect(page.locator('[data-summary="total"]')).to_have_text("Rp 100,700")
    page.locator("#id_custom_amount").fill("")
    expect(page.locator('[data-summary="total"]')).to_have_text("Rp 50,350")
    screenshot(page, "topup-form-chosen-desktop")

    page.get_by_role("button", name="Pay Rp 50,350").click()
    expect(page.get_by_role("heading", name="Scan to pay with QRIS")).to_be_visible()
    expect(page.locator(".qr-frame svg")).to_be_visible()
    expect(page.locator(".payment-amount")).to_have_text("Rp 50,350")
    expect(page.locator("[data-live-status]")).to_have_attribute("data-state", "online")
    payment = Payment.objects.get()
    assert page.url == f"{asgi_server.url}/payments/{payment.reference}/"
    assert (payment.amount_minor, payment.fee_minor, payment.method) == (50_000, 350, "qris")
    screenshot(page, "topup-payment-qr-desktop")
    page.set_viewport_size({"width": 360, "height": 780})
    screenshot(page, "topup-payment-qr-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    # the payer's bank (the sandbox page, opened in a second tab) pays
    bank = page.context.new_page()
    # Script errors only: the bare sandbox page has no icon link, so Chromium's /favicon.ico
    # request answers 404 there.
    bank.on("pageerror", lambda error: page.problems.append(str(error)))
    bank.goto(page.get_by_role("link", name="open the sandbox payment page").get_attribute("href"))
    expect(bank.locator(".payment-amount")).to_have_text("Rp 50,350")
    screenshot(bank, "topup-sandbox-desktop")
    bank.set_viewport_size({"width": 360, "height": 780})
    screenshot(bank, "topup-sandbox-phone")
    bank.get_by_role("button", name="Pay", exact=True).click()

    # the first tab turns to "Payment received" by itself
    expect(page.get_by_text("Payment received")).to_be_visible(timeout=15_000)
    expect(page.locator("#payment-state")).to_have_attribute("data-state", "settled")
    screenshot(page, "topup-paid-desktop")
    page.set_viewport_size({"width": 360, "height": 780})
    screenshot(page, "topup-paid-phone")
    payment.refresh_from_db()
    assert payment.state == State.SETTLED
    assert PrepaidAccount.objects.get(meter=meter).balance_idr == 68_500

    # back on the top-up page the new balance and the paid top-up are listed
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Done").click()
    expect(page.locator(".balance-amount")).to_have_text("Rp 68,500")
    expect(page.locator(".recent-item").first).to_contain_text("Paid")
    screenshot(page, "topup-form-after-payment-desktop")
    assert page.problems == []


def test_the_topup_form_in_indonesian_on_a_phone_and_a_desktop(asgi_server, browser):
    user, _meter = _outside_the_browser_loop(_customer_with_a_meter, language="id")
    context = browser.new_context(
        viewport={"width": 360, "height": 780}, locale="id-ID", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    sign_in(page, asgi_server.url, user)
    page.goto(f"{asgi_server.url}/water/topup/")
    expect(page.get_by_role("heading", name="Isi ulang saldo air")).to_be_visible()
    expect(page.locator(".balance-amount")).to_have_text("Rp 18.500")
    page.locator("label.method-option", has_text="QRIS").tap()
    expect(page.locator('[data-summary="fee"]')).to_have_text("Rp 350")
    expect(page.locator('[data-summary="total"]')).to_have_text("Rp 50.350")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways on a phone ({width}px)"
    screenshot(page, "topup-form-phone-id")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "topup-form-desktop-id")
    assert problems == []
    context.close()
