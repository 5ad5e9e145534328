"""Landing page, after-login router and the portal home of each service."""

from django.urls import path, register_converter

from core.web import views
from core.web.converters import ServiceConverter

register_converter(ServiceConverter, "service")

app_name = "web"
urlpatterns = [
    path("", views.landing_view, name="landing"),
    path("home/", views.home_view, name="home"),
    path("<service:service>/", views.portal_view, name="portal"),
]
