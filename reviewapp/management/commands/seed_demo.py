from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand

from reviewapp import workflow
from reviewapp.models import Conversation

SAMPLE_MESSAGE = (
    "Hi. I've been feeling really low since I lost my job last month. "
    "I can't sleep and I keep thinking I've let everyone down."
)


def reviewers_group() -> Group:
    group, _ = Group.objects.get_or_create(name="clinicians")
    group.permissions.add(Permission.objects.get(codename="review_draftrequest"))
    return group


class Command(BaseCommand):
    help = (
        "Create the demo clinician and admin (new passwords each run) and one sample conversation."
    )

    def handle(self, *args, **options):
        users = get_user_model()
        clinician, _ = users.objects.get_or_create(username="clinician")
        clinician_password = secrets.token_urlsafe(9)
        clinician.set_password(clinician_password)
        clinician.save()
        clinician.groups.add(reviewers_group())

        admin, _ = users.objects.get_or_create(username="admin", defaults={"is_staff": True})
        admin_password = secrets.token_urlsafe(9)
        admin.is_staff = admin.is_superuser = True
        admin.set_password(admin_password)
        admin.save()

        chat_token = None
        if not Conversation.objects.exists():
            conversation, chat_token = workflow.conversation_start(locale="en")
            workflow.message_receive(conversation=conversation, text=SAMPLE_MESSAGE)

        self.stdout.write(f"clinician login: clinician / {clinician_password}")
        self.stdout.write(f"admin login:     admin / {admin_password}")
        if chat_token:
            self.stdout.write(f"sample patient chat: /chat/{chat_token}/")
