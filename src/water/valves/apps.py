from django.apps import AppConfig


class ValvesConfig(AppConfig):
    name = "water.valves"
    label = "water_valves"
    verbose_name = "IndoWater valves"
