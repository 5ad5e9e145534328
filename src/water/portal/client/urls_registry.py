"""Customers, properties and tariffs of the staff workspace (under /water/t/<tenant_id>/)."""

from django.urls import path

from water.portal.client import customers, properties, tariffs

urlpatterns = [
    path("customers/", customers.customer_list_view, name="client_customers"),
    path("customers/new/", customers.customer_new_view, name="client_customer_new"),
    path("customers/<int:customer_id>/", customers.customer_view, name="client_customer"),
    path(
        "customers/<int:customer_id>/portal-access/",
        customers.customer_access_view,
        name="client_customer_access",
    ),
    path(
        "customers/<int:customer_id>/delete/",
        customers.customer_delete_view,
        name="client_customer_delete",
    ),
    path("properties/", properties.property_list_view, name="client_properties"),
    path("properties/new/", properties.property_new_view, name="client_property_new"),
    path("properties/<int:property_id>/", properties.property_view, name="client_property"),
    path(
        "properties/<int:property_id>/documents/",
        properties.property_document_view,
        name="client_property_documents",
    ),
    path(
        "properties/<int:property_id>/resubmit/",
        properties.property_resubmit_view,
        name="client_property_resubmit",
    ),
    path("tariffs/", tariffs.tariff_list_view, name="client_tariffs"),
    path("tariffs/new/", tariffs.tariff_new_view, name="client_tariff_new"),
    path("tariffs/calculator/", tariffs.tariff_calculator_view, name="client_tariff_calculator"),
    path("tariffs/<int:tariff_id>/", tariffs.tariff_view, name="client_tariff"),
    path("tariffs/<int:tariff_id>/edit/", tariffs.tariff_edit_view, name="client_tariff_edit"),
    path(
        "tariffs/<int:tariff_id>/delete/", tariffs.tariff_delete_view, name="client_tariff_delete"
    ),
]
