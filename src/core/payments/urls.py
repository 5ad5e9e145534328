"""Payment pages and the endpoints gateways and returning browsers call."""

from django.urls import path

from core.payments import views

app_name = "payments"

urlpatterns = [
    path("webhooks/<slug:gateway>/", views.webhook_view, name="webhook"),
    path("return/<str:reference>/", views.return_view, name="return"),
    path("sandbox/<str:reference>/", views.sandbox_view, name="sandbox"),
    path("<str:reference>/", views.detail_view, name="detail"),
    path("<str:reference>/receipt.pdf", views.receipt_view, name="receipt"),
]
