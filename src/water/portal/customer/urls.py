"""The customer's workspace, mounted at /water/my/ (names in the water_portal namespace)."""

from django.urls import path

from water.portal.customer import views

urlpatterns = [
    path("", views.dashboard_view, name="my_dashboard"),
    path("usage/", views.usage_view, name="my_usage"),
    path("usage.csv", views.usage_csv_view, name="my_usage_csv"),
    path("payments/", views.payments_view, name="my_payments"),
]
