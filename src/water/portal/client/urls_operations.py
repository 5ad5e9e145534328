"""Operations routes of a water authority's staff workspace: dashboard, meters, alerts."""

from django.urls import path

from water.portal.client import alerts, dashboard, meters

urlpatterns = [
    path("", dashboard.dashboard_view, name="client_dashboard"),
    path("meters/", meters.meters_view, name="client_meters"),
    path("meters/new/", meters.meter_new_view, name="client_meter_new"),
    path("meters/<int:meter_id>/", meters.meter_view, name="client_meter"),
    path("meters/<int:meter_id>/valve/", meters.meter_valve_view, name="client_meter_valve"),
    path("meters/<int:meter_id>/topup/", meters.meter_topup_view, name="client_meter_topup"),
    path(
        "meters/<int:meter_id>/customer/",
        meters.meter_customer_view,
        name="client_meter_customer",
    ),
    path("meters/<int:meter_id>/replace/", meters.meter_replace_view, name="client_meter_replace"),
    path("meters/<int:meter_id>/retire/", meters.meter_retire_view, name="client_meter_retire"),
    path(
        "meters/<int:meter_id>/provisioning-token/",
        meters.meter_token_view,
        name="client_meter_token",
    ),
    path("alerts/", alerts.alerts_view, name="client_alerts"),
    path(
        "alerts/<int:alert_id>/<str:action>/",
        alerts.alert_action_view,
        name="client_alert_action",
    ),
]
