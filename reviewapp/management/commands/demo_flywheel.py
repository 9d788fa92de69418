from __future__ import annotations

import json
from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reviewapp import workflow
from reviewapp.curation import ExportFilters
from reviewapp.export import ExportOptions
from reviewapp.models import DraftRequest, ModelProfile
from reviewapp.snapshots import snapshot_request, snapshot_write

# What a clinician might write instead of the drafts: short, warm, one question.
DECISIONS = [
    (
        "en",
        "I can't sleep and my mind keeps racing at night.",
        "That sounds exhausting. What tends to be on your mind when you lie awake?",
    ),
    (
        "en",
        "Work has been overwhelming and I snap at my kids.",
        "That is a lot to carry at once. When does the pressure feel worst?",
    ),
    (
        "en",
        "I feel like nobody would notice if I stopped replying.",
        "I'm glad you wrote to me. Who is one person you would like to hear from?",
    ),
    (
        "en",
        "My anxiety is worse before meetings.",
        "Thank you for telling me. What happens in your body just before a meeting?",
    ),
    (
        "en",
        "I haven't wanted to do anything this week.",
        "That sounds heavy. Was there a moment this week that felt even a little easier?",
    ),
    (
        "en",
        "I keep replaying an argument with my sister.",
        "That sounds painful. What part of the argument stays with you most?",
    ),
    (
        "en",
        "I'm tired all the time even after sleeping.",
        "That must be wearing. How long has the tiredness been like this?",
    ),
    (
        "en",
        "I feel guilty for taking a sick day.",
        "Rest is part of getting better. What made the day feel necessary?",
    ),
    (
        "fi",
        "En saa unta ja ajatukset pyörivät öisin.",
        "Kuulostaa uuvuttavalta. Mitkä ajatukset valvottavat eniten?",
    ),
    (
        "fi",
        "Töissä on liikaa ja olen kireä kotona.",
        "Se on paljon kannettavaa. Milloin paine tuntuu pahimmalta?",
    ),
    (
        "fi",
        "Tuntuu ettei kukaan huomaisi jos katoaisin.",
        "Hyvä että kirjoitit minulle. Kenestä haluaisit kuulla?",
    ),
    (
        "fi",
        "Olen väsynyt vaikka nukun paljon.",
        "Kuulostaa raskaalta. Kuinka kauan väsymys on jatkunut?",
    ),
]
NEW_MESSAGE = "I keep lying awake worrying about money."


class Command(BaseCommand):
    help = (
        "The flywheel on the demo: clinicians' decisions -> an SFT export snapshot -> "
        "train_adapter -> the new profile version drafting a reply."
    )

    def add_arguments(self, parser):
        parser.add_argument("--epochs", type=float, default=5.0)
        parser.add_argument("--learning-rate", type=float, default=1e-3)

    def handle(self, *args, **options):
        # Imported here: the worker's task loads torch and the model.
        from worker.tasks import generate_candidates

        clinician = get_user_model().objects.filter(username="clinician").first()
        if clinician is None:
            raise CommandError("run seed_demo first (it creates the clinician)")
        started = timezone.now()
        for locale, text, reply in DECISIONS:
            conversation, _ = workflow.conversation_start(locale=locale)
            message = workflow.message_receive(conversation=conversation, text=text)
            draft = message.draft_requests.get()
            # The real task, run here rather than on a worker, so the demo waits for it.
            generate_candidates.apply(args=[draft.pk])
            workflow.draft_request_decide(
                request_id=draft.pk, user=clinician, action="write", text=reply
            )
        self.stdout.write(f"1. {len(DECISIONS)} drafted requests answered by a clinician")

        snapshot = snapshot_write(
            snapshot_request(
                ExportOptions(fmt="sft", filters=ExportFilters(since=started.date()))
            ).pk
        )
        counts = snapshot.manifest["counts"] if snapshot.manifest else snapshot.error
        self.stdout.write(f"2. export snapshot {snapshot.pk}: {snapshot.folder} {counts}")

        out = StringIO()
        call_command(
            "train_adapter",
            "--snapshot",
            str(snapshot.pk),
            "--epochs",
            str(options["epochs"]),
            "--learning-rate",
            str(options["learning_rate"]),
            "--make-default",
            stdout=out,
        )
        trained = json.loads(out.getvalue())
        self.stdout.write(f"3. trained: {trained}")

        conversation, _ = workflow.conversation_start(locale="en")
        message = workflow.message_receive(conversation=conversation, text=NEW_MESSAGE)
        draft = message.draft_requests.get()
        generate_candidates.apply(args=[draft.pk])
        draft = DraftRequest.objects.get(pk=draft.pk)
        profile = ModelProfile.objects.get(is_default=True)
        self.stdout.write(f"4. {profile} drafts for: {NEW_MESSAGE!r}")
        for candidate in draft.candidates.all():
            self.stdout.write(f"   [{candidate.profile}] {candidate.text}")
