from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "core.api"
    label = "platform_api"
    verbose_name = "API"
