from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "core.web"
    label = "web"
