"""Locust users for ``bench/load.py``: patients posting messages, clinicians working the queue.

Not run on its own: ``bench/load.py`` starts the server, seeds the clinician and
passes what the users need through the environment:

- ``LOAD_PATIENTS``, ``LOAD_CLINICIANS``: how many users of each kind;
- ``LOAD_MESSAGE_RATE``: messages per second each patient user sends (0: back to back);
- ``LOAD_CLINICIAN_RATE``: requests per second each clinician user sends;
- ``LOAD_API_TOKEN``: the clinician's API token (``Authorization: Token ...``);
- ``LOAD_SESSION_COOKIE``: the clinician's logged-in session (``Cookie: ...``);
- ``LOAD_ACCEPTED``: a file to write the id of every accepted (201) message to, one a line.

A patient opens a conversation (``POST /api/v1/conversations``), sends it one to
eight messages (``POST .../messages`` with its bearer token), then opens the next.
Messages are the labelled ones of ``tests/data/risk_eval.jsonl`` in the queue
bench's mix: 85% routine, 12% elevated, 3% crisis (Finnish and English alike).
A clinician opens the queue page (``GET /queue/``, half its requests), lists the
queue through the API (``GET /api/v1/queue?limit=30``) and opens a draft from it
(``GET /api/v1/drafts/ID``), a quarter each.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from locust import FastHttpUser, constant, constant_throughput, events, task

ROOT = Path(__file__).resolve().parent.parent
LEVEL_SHARE = {"none": 0.85, "elevated": 0.12, "crisis": 0.03}
MESSAGES_PER_CONVERSATION = (1, 8)

_by_level: dict[str, list[str]] = {}
for _line in (ROOT / "tests" / "data" / "risk_eval.jsonl").read_text().splitlines():
    if _line.strip():
        _row = json.loads(_line)
        _by_level.setdefault(_row["level"], []).append(_row["text"])

accepted: list[int] = []


def _rate(name: str):
    rate = float(os.environ.get(name, "0"))
    return constant_throughput(rate) if rate > 0 else constant(0)


def message_text(rng: random.Random) -> str:
    level = rng.choices(list(LEVEL_SHARE), weights=list(LEVEL_SHARE.values()))[0]
    return rng.choice(_by_level[level])


class Patient(FastHttpUser):
    fixed_count = int(os.environ.get("LOAD_PATIENTS", "0"))
    wait_time = _rate("LOAD_MESSAGE_RATE")

    def on_start(self) -> None:
        self.rng = random.Random()
        self.left = 0

    def _open_conversation(self) -> bool:
        with self.client.post(
            "/api/v1/conversations",
            json={"locale": self.rng.choice(["en", "fi"])},
            name="POST /api/v1/conversations",
            catch_response=True,
        ) as reply:
            if reply.status_code != 201:
                reply.failure(f"status {reply.status_code}")
                return False
            body = reply.json()
        self.conversation = body["id"]
        self.auth = {"Authorization": f"Bearer {body['token']}"}
        self.left = self.rng.randint(*MESSAGES_PER_CONVERSATION)
        return True

    @task
    def post_message(self) -> None:
        if self.left == 0 and not self._open_conversation():
            return
        self.left -= 1
        with self.client.post(
            f"/api/v1/conversations/{self.conversation}/messages",
            json={"text": message_text(self.rng)},
            headers=self.auth,
            name="POST /api/v1/conversations/ID/messages",
            catch_response=True,
        ) as reply:
            if reply.status_code != 201:
                reply.failure(f"status {reply.status_code}")
                return
            accepted.append(reply.json()["id"])


class Clinician(FastHttpUser):
    fixed_count = int(os.environ.get("LOAD_CLINICIANS", "0"))
    wait_time = _rate("LOAD_CLINICIAN_RATE")

    def on_start(self) -> None:
        self.api = {"Authorization": f"Token {os.environ['LOAD_API_TOKEN']}"}
        self.page = {"Cookie": os.environ["LOAD_SESSION_COOKIE"]}
        self.drafts: list[int] = []

    @task(2)
    def queue_page(self) -> None:
        with self.client.get(
            "/queue/", headers=self.page, name="GET /queue/", catch_response=True
        ) as reply:
            if reply.status_code != 200 or b'href="/review/' not in (reply.content or b""):
                reply.failure(f"status {reply.status_code}, or no queue rows")

    @task(1)
    def queue_api(self) -> None:
        with self.client.get(
            "/api/v1/queue?limit=30",
            headers=self.api,
            name="GET /api/v1/queue",
            catch_response=True,
        ) as reply:
            if reply.status_code != 200:
                reply.failure(f"status {reply.status_code}")
                return
            self.drafts = [item["id"] for item in reply.json()["items"]]

    @task(1)
    def draft_detail(self) -> None:
        if not self.drafts:
            return self.queue_api()
        with self.client.get(
            f"/api/v1/drafts/{random.choice(self.drafts)}",
            headers=self.api,
            name="GET /api/v1/drafts/ID",
            catch_response=True,
        ) as reply:
            if reply.status_code != 200:
                reply.failure(f"status {reply.status_code}")


@events.quitting.add_listener
def _write_accepted(environment, **_kwargs) -> None:
    path = os.environ.get("LOAD_ACCEPTED")
    if path:
        Path(path).write_text("".join(f"{i}\n" for i in accepted))
