from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from reviewapp import workflow
from reviewapp.models import Conversation, Service, UserPreference, default_service_id
from reviewapp.roles import roles_sync

SAMPLE_MESSAGE = (
    "Hi. I've been feeling really low since I lost my job last month. "
    "I can't sleep and I keep thinking I've let everyone down."
)
SAMPLE_MESSAGE_FI = (
    "Hei. Olen ollut tosi väsynyt ja alakuloinen koko syksyn, enkä jaksa enää lähteä töihin."
)

# username: (role, interface language)
DEMO_USERS = {
    "clinician": ("clinician", "en"),
    "hoitaja": ("clinician", "fi"),
    "supervisor": ("supervisor", "en"),
    "annotator": ("annotator", "en"),
    "curator": ("curator", "en"),
}


class Command(BaseCommand):
    help = "Create the demo users (new passwords each run), one per role, and sample conversations."

    def handle(self, *args, **options):
        roles_sync()
        users = get_user_model()
        service = Service.objects.get(pk=default_service_id())
        for username, (role, language) in DEMO_USERS.items():
            user, _ = users.objects.get_or_create(username=username)
            password = secrets.token_urlsafe(9)
            user.set_password(password)
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            service.members.add(user)
            UserPreference.objects.update_or_create(user=user, defaults={"language": language})
            self.stdout.write(f"{role} login: {username} / {password} ({language})")

        admin, _ = users.objects.get_or_create(username="admin", defaults={"is_staff": True})
        admin_password = secrets.token_urlsafe(9)
        admin.is_staff = admin.is_superuser = True
        admin.set_password(admin_password)
        admin.save()
        self.stdout.write(f"admin login: admin / {admin_password}")
        self.stdout.write(
            "second factor: clinician, supervisor, curator and admin enrol an authenticator "
            "app at their first login (the page shows a QR code and the key)"
        )

        if not Conversation.objects.exists():
            for locale, text in (("en", SAMPLE_MESSAGE), ("fi", SAMPLE_MESSAGE_FI)):
                conversation, chat_token = workflow.conversation_start(locale=locale)
                workflow.message_receive(conversation=conversation, text=text)
                self.stdout.write(f"sample patient chat ({locale}): /chat/{chat_token}/")
