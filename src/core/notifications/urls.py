"""Notification pages, mounted at /notifications/."""

from django.urls import path

from core.notifications import sms_webhooks, views

app_name = "notifications"
urlpatterns = [
    path("", views.centre_view, name="centre"),
    path("bell/", views.bell_view, name="bell"),
    path("<int:notification_id>/read/", views.mark_read_view, name="mark_read"),
    path("read-all/", views.mark_all_read_view, name="mark_all_read"),
    path("preferences/", views.preferences_view, name="preferences"),
    path("sms/status/", sms_webhooks.twilio_status_callback, name="sms_status"),
]
