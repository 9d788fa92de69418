from __future__ import annotations

from django.apps import AppConfig


class ReviewappConfig(AppConfig):
    name = "reviewapp"
    verbose_name = "Countersign review desk"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from reviewapp import checks  # noqa: F401  (registers the checks)
