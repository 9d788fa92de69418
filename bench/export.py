"""Export throughput at 100,000 reviewed requests: items per second and peak memory.

    python bench/export.py [--requests 100000] [--database countersign_export_bench] [--reseed]

Seeds its own database once (kept for later runs): conversations of five patient
messages, each with a request of three candidates and a clinician's decision
(50% approved, 20% edited, 20% rejected, 10% written), released replies in the
conversation, one patient message in ten carrying a name and a phone number.
Then runs the real ``dataset_export`` (DPO: prompts, chosen and rejected texts,
every text de-identified) in a child process and reads its peak resident
memory. Baseline in the same run: the same export with de-identification
switched off, to show what it costs. An item is one exported patient message.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MESSAGES_PER_CONVERSATION = 5

CHILD = r"""
import json, os, resource, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewapp.settings")
import django
django.setup()
from reviewapp import export
if {raw}:
    export.deidentify = lambda text, pseudonyms=None: (text, [])
started = time.perf_counter()
manifest = export.dataset_export(export.ExportOptions(fmt="dpo"), out_dir=Path({out!r}))
elapsed = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
size = sum(f.stat().st_size for f in Path({out!r}).iterdir())
print(json.dumps({{"items": manifest["counts"]["messages"], "seconds": elapsed,
                  "peak_mb": peak, "mb_written": size / 1e6}}))
"""

# Patients write different messages: a first message is one of 30 x 30 x 30
# combinations, so prompts are not collapsed as duplicates; later ones differ by
# their history. Some fragments carry digits, as patients' messages do.
OPENERS_EN = [
    f"{a} {b}."
    for a in (
        "I haven't slept properly",
        "I keep waking at 4am",
        "Work keeps piling up",
        "My partner and I keep arguing",
        "I've felt flat",
        "I can't concentrate",
    )
    for b in ("for weeks", "since the spring", "most days", "again this week", "lately")
]
OPENERS_FI = [
    f"{a} {b}."
    for a in (
        "En ole nukkunut kunnolla",
        "Herään joka yö kolmelta",
        "Töitä vaan kasautuu",
        "Riitelemme puolison kanssa",
        "Olo on ollut lattea",
        "En pysty keskittymään",
    )
    for b in (
        "viikkoihin",
        "keväästä asti",
        "melkein joka päivä",
        "taas tällä viikolla",
        "viime aikoina",
    )
]
MIDDLES_EN = [
    f"{a} {b}."
    for a in (
        "Some days I can't get out of bed",
        "I skipped lunch 3 times",
        "I cried at work",
        "I stopped answering messages",
        "My sister noticed",
        "I feel tense all the time",
    )
    for b in ("and I hate it", "again", "and I don't know why", "twice this week", "today")
]
MIDDLES_FI = [
    f"{a} {b}."
    for a in (
        "Joinain päivinä en jaksa nousta",
        "Jätin lounaan väliin 3 kertaa",
        "Itkin töissä",
        "Lakkasin vastaamasta viesteihin",
        "Siskoni huomasi sen",
        "Olen jännittynyt koko ajan",
    )
    for b in ("ja se ärsyttää", "taas", "enkä tiedä miksi", "kahdesti tällä viikolla", "tänään")
]
CLOSERS_EN = [
    f"{a} {b}"
    for a in (
        "I don't know who to talk to",
        "Is this normal",
        "What should I do",
        "Can we talk about it",
        "I'm worried",
        "Could you help me",
    )
    for b in ("about it?", "right now?", "before Friday?", "at all?", "honestly?")
]
CLOSERS_FI = [
    f"{a} {b}"
    for a in (
        "En tiedä kenelle puhuisin",
        "Onko tämä normaalia",
        "Mitä mun pitäisi tehdä",
        "Voidaanko puhua tästä",
        "Olen huolissani",
        "Voisitko auttaa",
    )
    for b in ("tästä?", "nyt?", "ennen perjantaita?", "ollenkaan?", "rehellisesti?")
]
IDENTIFYING = " My name is {name} and you can call me on 040 {a:03d} {b:04d}."
NAMES = ("Sanna Virtanen", "Matti Korhonen", "Emily Clarke", "James Porter")
REPLY_OPENINGS = (
    "It sounds like the last few weeks have been really heavy for you",
    "Thank you for telling me how things have been",
    "That sounds exhausting, and it makes sense that you feel worn down",
    "I'm glad you wrote about this",
)
REPLY_QUESTIONS = (
    "When you say you can't sleep, is it falling asleep or waking early?",
    "What has helped, even a little, on the better days?",
    "Who around you knows how hard this has been?",
    "What would you most like to change first?",
)
REPLY_STEPS = (
    "We could look at a few small steps together before your next appointment.",
    "Let's make a short plan for the evenings and see how it goes.",
    "Writing down what keeps you awake can make it easier to talk through.",
)
EDIT_TAIL = " Would it help to write down what keeps you awake tonight?"
WRITTEN = "Thank you for telling me. Let's talk this through at your appointment."


def patient_text(conversation_index: int, turn: int, finnish: bool) -> str:
    i = conversation_index * 7 + turn * 7919
    openers, middles, closers = (
        (OPENERS_FI, MIDDLES_FI, CLOSERS_FI) if finnish else (OPENERS_EN, MIDDLES_EN, CLOSERS_EN)
    )
    return " ".join((openers[i % 30], middles[(i // 30) % 30], closers[(i // 900) % 30]))


def candidate_text(message_index: int, position: int) -> str:
    i = message_index * 3 + position
    middle = ("I hear you", "you are not alone", "that matters")[i % 3]
    return (
        f"{REPLY_OPENINGS[i % 4]}, and {middle}. "
        f"{REPLY_QUESTIONS[(i // 4) % 4]} {REPLY_STEPS[(i // 16) % 3]}"
    )


def seed(requests: int) -> None:
    """Runs in a child process with Django set up against the bench database."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewapp.settings")
    import django

    django.setup()
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from reviewapp.models import (
        Candidate,
        Conversation,
        Decision,
        DraftRequest,
        Message,
        ModelProfile,
        sha256_text,
    )

    # Historical timestamps: bulk_create would stamp every row "now".
    for model in (Conversation, Message, DraftRequest, Decision, Candidate):
        for field in model._meta.concrete_fields:
            if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
                field.auto_now_add = field.auto_now = False

    now = timezone.now()
    start = now - timedelta(days=200)
    n_conv = requests // MESSAGES_PER_CONVERSATION
    with transaction.atomic():
        user = get_user_model().objects.create(username="bench-clinician")
        profile = ModelProfile.objects.filter(is_default=True).first()
        conversations = Conversation.objects.bulk_create(
            [
                Conversation(
                    pseudonym=f"P-{i:06d}",
                    locale="fi" if i % 5 == 0 else "en",
                    token_hash=sha256_text(f"export-bench-{i}"),
                    created_at=start + timedelta(minutes=i),
                )
                for i in range(n_conv)
            ],
            batch_size=5000,
        )
        for chunk in range(0, n_conv, 2000):
            _seed_conversations(
                conversations[chunk : chunk + 2000], user, profile, start, sha256_text
            )
    print(json.dumps({"conversations": n_conv, "requests": n_conv * MESSAGES_PER_CONVERSATION}))


def _seed_conversations(conversations, user, profile, start, sha256_text) -> None:
    from datetime import timedelta

    from reviewapp.models import Candidate, Decision, DraftRequest, Message

    patients, plans = [], []
    for conversation in conversations:
        base = conversation.created_at
        index = int(conversation.pseudonym[2:])
        for turn in range(MESSAGES_PER_CONVERSATION):
            # Deterministic and spread: i % 10 picks the decision, i % 4 the name.
            i = (index * MESSAGES_PER_CONVERSATION + turn) * 7919
            text = patient_text(index, turn, finnish=conversation.locale == "fi")
            if i % 10 == 0:
                text += IDENTIFYING.format(name=NAMES[i % 4], a=i % 1000, b=i % 10000)
            created = base + timedelta(hours=turn)
            patients.append(
                Message(
                    conversation=conversation,
                    role="patient",
                    text=text,
                    created_at=created,
                )
            )
            plans.append((i, created))
    patients = Message.objects.bulk_create(patients, batch_size=5000)
    drafts = DraftRequest.objects.bulk_create(
        [
            DraftRequest(
                message=message,
                profile=profile,
                status="rejected" if i % 10 in (7, 8) else "released",
                version=3,
                generation_attempts=1,
                created_at=created,
                updated_at=created,
                waiting_since=created,
            )
            for message, (i, created) in zip(patients, plans, strict=True)
        ],
        batch_size=5000,
    )
    candidates = Candidate.objects.bulk_create(
        [
            Candidate(
                draft_request=draft,
                position=position,
                text=candidate_text(draft.message_id, position),
                profile=profile,
                generation_params={},
                seed=position,
                prompt_tokens=200,
                completion_tokens=60,
                latency_ms=900,
                created_at=draft.created_at,
            )
            for draft in drafts
            for position in range(3)
        ],
        batch_size=5000,
    )
    decisions = []
    for d_index, ((i, created), draft) in enumerate(zip(plans, drafts, strict=True)):
        first = candidates[d_index * 3]
        kind = i % 10
        if kind in (7, 8):
            action, candidate, text = "reject", None, ""
        elif kind == 9:
            action, candidate, text = "write", None, WRITTEN
        elif kind in (5, 6):
            action, candidate, text = "edit", first, first.text + EDIT_TAIL
        else:
            action, candidate, text = "approve", first, first.text
        decisions.append(
            Decision(
                draft_request=draft,
                action=action,
                candidate=candidate,
                final_text=text,
                final_text_sha256=sha256_text(text) if text else "",
                ai_drafted=action in ("approve", "edit"),
                reasons=["tone_empathy"] if action == "reject" else [],
                reviewer=user,
                created_at=created + timedelta(minutes=20),
            )
        )
    decisions = Decision.objects.bulk_create(decisions, batch_size=5000)
    Message.objects.bulk_create(
        [
            Message(
                conversation_id=draft.message.conversation_id,
                role="clinician",
                text=decision.final_text,
                decision=decision,
                created_at=decision.created_at,
            )
            for decision, draft in zip(decisions, drafts, strict=True)
            if decision.action != "reject"
        ],
        batch_size=5000,
    )


def database_env(database: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "DATABASE_CONN_MAX_AGE": "0",
    }


def psql(sql: str) -> str:
    result = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", sql],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def seeded(database: str) -> int:
    count = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            database,
            "-tAc",
            "SELECT count(*) FROM reviewapp_draftrequest",
        ],
        capture_output=True,
        text=True,
    )
    return int(count.stdout.strip() or 0) if count.returncode == 0 else 0


def prepare(database: str, requests: int, reseed: bool) -> None:
    exists = psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}'") == "1"
    env = database_env(database)
    if exists and not reseed and seeded(database) == requests:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        return
    psql(f'DROP DATABASE IF EXISTS "{database}"')
    psql(f'CREATE DATABASE "{database}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    subprocess.run([sys.executable, __file__, "--_seed", str(requests)], env=env, check=True)
    psql_db = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-c", "ANALYZE"]
    subprocess.run(psql_db, check=True, capture_output=True)


def run(database: str, raw: bool) -> dict:
    with tempfile.TemporaryDirectory() as out:
        code = CHILD.format(root=str(ROOT), raw=raw, out=str(Path(out) / "dpo"))
        result = subprocess.run(
            [sys.executable, "-c", code],
            env=database_env(database),
            capture_output=True,
            text=True,
            check=True,
        )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="countersign_export_bench")
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--_seed", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._seed:
        seed(args._seed)
        return
    prepare(args.database, args.requests, args.reseed)
    rows = {
        "DPO export, de-identified (shipped)": run(args.database, raw=False),
        "baseline: same export, no de-identification": run(args.database, raw=True),
    }
    print("| run | items | seconds | items/s | peak memory | written |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in rows.items():
        rate = r["items"] / r["seconds"]
        cells = (
            f"{r['items']:,} | {r['seconds']:.1f} | {rate:,.0f} | {r['peak_mb']:.0f} MB"
            f" | {r['mb_written']:.0f} MB"
        )
        print(f"| {name} | {cells} |")
    shipped, baseline = rows.values()
    ratio = (shipped["items"] / shipped["seconds"]) / (baseline["items"] / baseline["seconds"])
    print(f"\nde-identified/raw throughput ratio: {ratio:.2f}")


if __name__ == "__main__":
    main()
