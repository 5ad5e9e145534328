from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "water.billing"
    label = "water_billing"
    verbose_name = "IndoWater billing"
