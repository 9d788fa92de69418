"""The roles people hold, as Django groups with their permissions.

One table: a role is the set of permissions listed here. Groups are brought
in line with it after every migrate, so a fresh database has them too.
"""

from __future__ import annotations

REVIEW = "reviewapp.review_draftrequest"
SUPERVISE = "reviewapp.supervise_draftrequest"
ANNOTATE = "reviewapp.annotate_annotationbatch"
MANAGE_ANNOTATION = "reviewapp.manage_annotationbatch"
EXPORT = "reviewapp.export_trainingdata"
ANALYTICS = "reviewapp.view_analytics"
COMPARE = "reviewapp.manage_comparison"

ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "clinician": (REVIEW,),
    # Supervisors alone start blind comparisons and promote a version to the default.
    "supervisor": (REVIEW, SUPERVISE, MANAGE_ANNOTATION, ANALYTICS, COMPARE),
    # Annotators see imported prompts only, never a patient's conversation.
    "annotator": (ANNOTATE,),
    # Only curators take data out, and only de-identified.
    "curator": (EXPORT, ANALYTICS),
}


def roles_sync(**_kwargs) -> None:
    """Create each role's group and give it exactly its permissions."""
    from django.contrib.auth.models import Group, Permission

    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)


def user_can(user, perm: str) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm(perm))
