from django.apps import AppConfig


class RoadsideConfig(AppConfig):
    name = "roadside"
    verbose_name = "RoadSide+ TT"
