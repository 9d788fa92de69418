from __future__ import annotations

from django.contrib import admin

from reviewapp.audit import audit_record
from reviewapp.models import ApiToken, AuditEvent, ModelProfile, Service
from reviewapp.profiles import profile_save


@admin.register(ModelProfile)
class ModelProfileAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "version",
        "label",
        "loading_mode",
        "prompt_format",
        "language",
        "queue",
        "is_default",
    )
    list_filter = ("loading_mode", "prompt_format", "language")
    readonly_fields = ("version", "created_at")

    def save_model(self, request, obj, form, change):
        profile_save(profile=obj, actor=request.user, request=request)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "actor_kind", "action", "object_type", "object_id", "ip")
    list_filter = ("action", "actor_kind")

    # The audit log is append-only, in the admin too.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("key_hash", "prefix", "created_at", "last_used_at")


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "profile")
    filter_horizontal = ("members",)

    # Which model drafts a site's replies is a routing decision: audited.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            action="service.save",
            actor=request.user,
            obj=obj,
            request=request,
            profile=obj.profile_id,
            changed=sorted(form.changed_data),
        )
