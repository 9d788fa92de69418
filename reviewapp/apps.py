from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReviewappConfig(AppConfig):
    name = "reviewapp"
    verbose_name = "Countersign review desk"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from reviewapp import auth_audit, checks  # noqa: F401  (checks registers the checks)
        from reviewapp.roles import roles_sync

        # After Django's own handler has created the permissions the roles name.
        post_migrate.connect(roles_sync, sender=self, dispatch_uid="countersign-roles")
        auth_audit.connect()
