"""Saving model profiles so that every candidate keeps saying exactly what made it."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from reviewapp.audit import audit_record
from reviewapp.models import Candidate, ModelProfile, Service


def default_clear_others(profile: ModelProfile) -> ModelProfile | None:
    """Clear the default flag of every other profile (one default at a time, cleared
    first so the unique constraint holds); returns the one that was the default."""
    previous = ModelProfile.objects.filter(is_default=True).exclude(pk=profile.pk).first()
    ModelProfile.objects.filter(is_default=True).exclude(pk=profile.pk).update(is_default=False)
    return previous


def profile_save(*, profile: ModelProfile, actor, request=None, **details) -> ModelProfile:
    """Save an added or edited profile.

    A profile that has drafted candidates is never changed in place: the edit is
    saved as the next version of the same name (taking over as default, and as
    the profile of every site that used the edited one), and the old version
    stays as its candidates knew it.
    """
    with transaction.atomic():
        edited = profile.pk
        is_revision = (
            profile.pk is not None and Candidate.objects.filter(profile_id=profile.pk).exists()
        )
        if is_revision:
            latest = ModelProfile.objects.filter(name=profile.name).aggregate(v=Max("version"))
            profile.pk = None
            profile.version = (latest["v"] or 0) + 1
        if profile.is_default:
            default_clear_others(profile)
        profile.save()
        sites = []
        if is_revision:
            following = Service.objects.filter(profile_id=edited)
            sites = list(following.values_list("slug", flat=True))
            following.update(profile=profile)
        audit_record(
            action="profile.revise" if is_revision else "profile.save",
            actor=actor,
            obj=profile,
            request=request,
            version=profile.version,
            **({"sites": sites} if sites else {}),
            **details,
        )
    return profile


def profile_next_version(base: ModelProfile, *, actor=None, **changes) -> ModelProfile:
    """Save ``base`` with ``changes`` as the next version of its name; ``base`` stays
    as its candidates knew it. Default only if ``changes`` say so."""
    fields = {
        f.name: getattr(base, f.name)
        for f in ModelProfile._meta.concrete_fields
        if f.name not in ("id", "version", "is_default", "created_at")
    }
    with transaction.atomic():
        # Locked, so two versions saved at once never take the same number.
        taken = ModelProfile.objects.select_for_update().filter(name=base.name)
        latest = max(p.version for p in taken)
        profile = ModelProfile(**{**fields, **changes, "version": latest + 1})
        details = {"from_version": base.version}
        if profile.trained_from_id:
            details["snapshot"] = profile.trained_from_id
        return profile_save(profile=profile, actor=actor, **details)
