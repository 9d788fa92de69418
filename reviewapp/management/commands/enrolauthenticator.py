from __future__ import annotations

from base64 import b32encode

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from reviewapp.audit import audit_record
from reviewapp.views.account import new_device


class Command(BaseCommand):
    help = (
        "Issue USERNAME a new TOTP authenticator and print, once, its otpauth:// link and "
        "its key (hand them over in person or as you would a password: the login pages never "
        "show them). The user confirms it with a first code at login; a confirmed one is "
        "replaced only with --replace."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--replace", action="store_true", help="retire a confirmed one")

    def handle(self, *args, username: str, replace: bool, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        confirmed = TOTPDevice.objects.filter(user=user, confirmed=True)
        if confirmed.exists() and not replace:
            raise CommandError(f"{username} has a confirmed authenticator; use --replace.")
        confirmed.delete()
        device = new_device(user)
        audit_record(action="second_factor.issued", actor_kind="cli", obj=user)
        self.stdout.write(device.config_url)
        # The same secret for typing into an app that cannot scan the link's QR code.
        self.stdout.write(f"key: {b32encode(device.bin_key).decode()}")
