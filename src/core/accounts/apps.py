from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "core.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from core.accounts import events  # noqa: F401 - registers the account events
        from core.accounts.admin_site import admin_site_configure

        admin_site_configure()
