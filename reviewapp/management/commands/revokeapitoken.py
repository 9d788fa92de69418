from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from reviewapp.audit import audit_record
from reviewapp.tokens import api_tokens_revoke


class Command(BaseCommand):
    help = "Revoke USERNAME's API tokens: the one whose first characters are --prefix, or all."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--prefix", default="", help="the token's first characters")
        parser.add_argument("--all", action="store_true", help="every live token of the user")

    def handle(self, *args, username: str, prefix: str, **options):
        if not prefix and not options["all"]:
            raise CommandError("Name a token with --prefix, or revoke them all with --all.")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        revoked = api_tokens_revoke(user=user, prefix=prefix)
        if not revoked:
            raise CommandError("No live token matched.")
        audit_record(action="apitoken.revoke", actor_kind="cli", obj=user, revoked=revoked)
        self.stdout.write(f"{revoked} token(s) revoked")
