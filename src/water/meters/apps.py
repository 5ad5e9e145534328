from django.apps import AppConfig


class MetersConfig(AppConfig):
    name = "water.meters"
    label = "water_meters"
    verbose_name = "IndoWater meters"
