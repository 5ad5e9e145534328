"""The customer's top-up pages, mounted at /water/."""

from django.urls import path

from water.topups import views

app_name = "water_topups"

urlpatterns = [
    path("topup/", views.topup_view, name="topup"),
    path("topup/summary/", views.summary_view, name="summary"),
    path("topup/meters/<int:meter_id>/balance/", views.balance_view, name="balance"),
]
