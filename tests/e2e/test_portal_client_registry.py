"""A water authority's staff in a real browser: an operator registers a customer and a
property, an administrator creates a block tariff and prices a month with the calculator."""

from __future__ import annotations

from playwright.sync_api import expect

from conftest import enrol_mfa
from tests.e2e.conftest import screenshot as _screenshot
from tests.e2e.conftest import sign_in
from tests.factories import MembershipFactory, TenantFactory, UserFactory
from water.registry.models import Customer, Property
from water.tariffs.models import Tariff
from water.tests.factories import ClientFactory, CustomerFactory, PropertyFactory

VALID_NIK = "3273015505900001"
PHONE, DESKTOP = {"width": 360, "height": 780}, {"width": 1280, "height": 900}


def screenshot(page, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    _screenshot(page, f"client-registry-{name}")


def both_widths(page, name: str) -> None:
    page.set_viewport_size(DESKTOP)
    screenshot(page, f"{name}-desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, f"{name}-mobile")
    page.set_viewport_size(DESKTOP)


def unexpected(problems: list[str]) -> list[str]:
    """Console errors, except the browser's note on the 422 of a refused form (intended)."""
    return [p for p in problems if "status of 422" not in p]


def _authority():
    tenant = TenantFactory(name="Perumda Tirtawening Kota Bandung", slug="tirtawening")
    ClientFactory(tenant=tenant)
    staff = {}
    for role, name in (("client_admin", "Rina Admin"), ("client_operator", "Dedi Operator")):
        user = UserFactory(full_name=name, email=f"{role}@tirtawening.id")
        MembershipFactory(user=user, tenant=tenant, role=role)
        enrol_mfa(user)
        staff[role] = user
    return tenant, staff["client_admin"], staff["client_operator"]


def test_an_operator_registers_a_customer_and_a_property(asgi_server, page):
    tenant, _admin, operator = _authority()
    for n in range(3):
        CustomerFactory(
            tenant=tenant,
            customer_number=f"PLG-00{n}",
            full_name=("Ahmad Fauzi", "Siti Rahayu", "Toko Makmur")[n],
            address=("Jl. Dago No. 12", "Jl. Riau No. 7", "Jl. Braga No. 3")[n],
            customer_class=("residential", "social", "commercial")[n],
        )
    PropertyFactory(tenant=tenant, code="BDG-001", name="Rumah Bapak Ahmad", address="Jl. Dago 12")
    base = f"{asgi_server.url}/water/t/{tenant.pk}"
    sign_in(page, asgi_server.url, operator)

    page.goto(f"{base}/customers/")
    expect(page.get_by_role("heading", name="Customers", exact=True)).to_be_visible()
    both_widths(page, "customers-list")
    page.get_by_role("link", name="Add a customer").click()
    page.locator("#id_full_name").fill("Sari Wulandari")
    page.locator("#id_customer_number").fill("PLG-0042")
    page.locator("#id_nik").fill("12345")
    page.locator("#id_phone").fill("0812 2233 4455")
    page.locator("#id_address").fill("Jl. Cihampelas No. 112, Bandung")
    page.get_by_role("button", name="Register the customer").click()
    expect(page.locator("#id_nik_error")).to_have_text("NIK must be exactly 16 digits.")
    assert Customer.objects.filter(customer_number="PLG-0042").count() == 0
    both_widths(page, "customer-form-errors")

    page.locator("#id_nik").fill(VALID_NIK)
    page.get_by_role("button", name="Register the customer").click()
    expect(page.get_by_text("The customer was registered.")).to_be_visible()
    expect(page.get_by_role("heading", name="Sari Wulandari")).to_be_visible()
    customer = Customer.objects.get(customer_number="PLG-0042")
    assert (customer.nik, customer.phone) == (VALID_NIK, "+6281222334455")
    both_widths(page, "customer-detail")

    page.goto(f"{base}/customers/?q=PLG-004")
    expect(page.locator(".reg-table tbody tr")).to_have_count(1)

    page.goto(f"{base}/properties/new/")
    page.locator("#id_name").fill("Kos Melati")
    page.locator("#id_code").fill("BDG-0042")
    page.locator("#id_property_type").select_option("boarding_house")
    page.locator("#id_address").fill("Jl. Cihampelas No. 112")
    page.locator("#id_city").fill("Bandung")
    page.locator("#id_province").fill("Jawa Barat")
    page.locator("#id_latitude").fill("-6.893")
    page.get_by_role("button", name="Register the property").click()
    expect(page.locator("#id_longitude_error")).to_have_text(
        "Give latitude and longitude together."
    )
    both_widths(page, "property-form-errors")
    page.locator("#id_longitude").fill("107.604")
    page.get_by_role("button", name="Register the property").click()
    expect(page.get_by_role("heading", name="Kos Melati")).to_be_visible()
    prop = Property.objects.get(code="BDG-0042")
    assert (prop.verification_status, str(prop.longitude)) == ("pending", "107.604000")
    page.locator("#id_document_type").select_option("building_permit")
    page.locator("#id_file").set_input_files(
        files=[{"name": "pbg.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}]
    )
    page.get_by_role("button", name="Upload document").click()
    expect(page.get_by_text("The document was uploaded.")).to_be_visible()
    expect(page.locator("#documents")).to_contain_text("pbg.pdf")
    both_widths(page, "property-detail")

    page.goto(f"{base}/properties/")
    expect(page.locator(".reg-table tbody tr")).to_have_count(2)
    both_widths(page, "properties-list")
    assert unexpected(page.problems) == []


def test_an_administrator_creates_a_tariff_and_prices_a_month(asgi_server, page):
    tenant, admin, _operator = _authority()
    base = f"{asgi_server.url}/water/t/{tenant.pk}"
    sign_in(page, asgi_server.url, admin)

    page.goto(f"{base}/tariffs/")
    both_widths(page, "tariffs-empty")
    page.get_by_role("link", name="New tariff").click()
    page.locator("#id_name").fill("Rumah Tangga 2026")
    page.locator("#id_customer_class").select_option("residential")
    page.locator("#id_effective_from").fill("2026-01-01")
    page.locator("#id_fixed_monthly_charge_idr").fill("10000")
    rows = [("0", "10000", "4500"), ("10000", "20000", "6000"), ("21000", "", "9000")]
    for index, (start, end, price) in enumerate(rows):
        page.locator(f"#id_blocks-{index}-from_litres").fill(start)
        page.locator(f"#id_blocks-{index}-to_litres").fill(end)
        page.locator(f"#id_blocks-{index}-price_per_m3_idr").fill(price)
    page.get_by_role("button", name="Create tariff").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Block 3: it must start where the previous block ends."
    )
    assert Tariff.objects.count() == 0
    both_widths(page, "tariff-form-errors")

    page.get_by_role("button", name="+ Add a block").click()
    expect(page.locator("#id_blocks-4-from_litres")).to_be_visible()
    page.locator("#id_blocks-2-from_litres").fill("20000")
    page.get_by_role("button", name="Create tariff").click()
    expect(page.get_by_text("The tariff was created.")).to_be_visible()
    tariff = Tariff.objects.get()
    assert list(tariff.blocks.values_list("from_litres", "to_litres", "price_per_m3_idr")) == [
        (0, 10_000, 4_500),
        (10_000, 20_000, 6_000),
        (20_000, None, 9_000),
    ]

    page.locator("#id_litres").fill("25555")
    expect(page.locator('[data-quote="total"]')).to_have_text("Rp 164,995")
    expect(page.locator("[data-block-amount]")).to_have_text(
        ["Rp 45,000", "Rp 60,000", "Rp 49,995"]
    )
    both_widths(page, "tariff-detail")

    page.goto(f"{base}/tariffs/")
    expect(page.locator(".reg-table tbody tr")).to_have_count(1)
    both_widths(page, "tariffs-list")
    page.goto(f"{base}/tariffs/calculator/?litres=8000&customer_class=residential")
    expect(page.locator('[data-quote="total"]')).to_have_text("Rp 46,000")
    both_widths(page, "tariff-calculator")
    assert unexpected(page.problems) == []
