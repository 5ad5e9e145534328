"""The platform superadmin's workspace, mounted at /water/platform/."""

from django.urls import path

from water.portal.platform import views_audit, views_clients, views_overview, views_verification

urlpatterns = [
    path("", views_overview.dashboard_view, name="platform_dashboard"),
    path("clients/", views_clients.clients_view, name="platform_clients"),
    path("clients/new/", views_clients.client_new_view, name="platform_client_new"),
    path("clients/<int:tenant_id>/", views_clients.client_view, name="platform_client"),
    path("verification/", views_verification.verification_view, name="platform_verification"),
    path(
        "verification/<int:property_id>/",
        views_verification.property_view,
        name="platform_property",
    ),
    path(
        "verification/<int:property_id>/documents/<int:document_id>/",
        views_verification.document_view,
        name="platform_property_document",
    ),
    path("audit/", views_audit.audit_view, name="platform_audit"),
]
