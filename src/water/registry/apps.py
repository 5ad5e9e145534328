from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "water.registry"
    label = "water_registry"
    verbose_name = "IndoWater registry"
