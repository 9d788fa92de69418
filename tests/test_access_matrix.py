"""Every page and API endpoint, visited as every role: each answers only those it is for,
refusals are audited, and no id or patient token opens someone else's data."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from reviewapp import workflow
from reviewapp.annotation_import import ImportRow
from reviewapp.comparisons import comparison_start
from reviewapp.export import ExportOptions
from reviewapp.models import AuditEvent, Comparison, Decision, DraftRequest, ModelProfile, Service
from reviewapp.snapshots import snapshot_request, snapshot_write
from tests.factories import patient_message, ready_request
from tests.test_annotation import _batch, _drafted
from tests.two_factor import TwoFactorClient, enrol_if_needed

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "none", "clinician", "supervisor", "annotator", "curator", "admin")
REVIEWERS = {"clinician", "supervisor", "admin"}

# (path, who may open it); everyone else is refused (403, or sent to log in).
PAGES = [
    ("/queue/", REVIEWERS),
    ("/review/{draft}/", REVIEWERS),
    ("/review/{draft}/status/", REVIEWERS),
    ("/workers/", REVIEWERS),
    ("/supervisor/", {"supervisor", "admin"}),
    ("/annotation/", {"annotator", "supervisor", "admin"}),
    ("/annotation/{batch}/", {"supervisor", "admin"}),
    ("/annotation/item/{item}/", {"annotator", "admin"}),
    ("/exports/", {"curator", "admin"}),
    ("/exports/{snapshot}/files/README.md", {"curator", "admin"}),
    ("/admin/reviewapp/auditevent/", {"admin"}),
    ("/analytics/", {"supervisor", "curator", "admin"}),
    ("/analytics/compare/", {"supervisor", "curator", "admin"}),
    ("/comparisons/", {"supervisor", "curator", "admin"}),
    ("/comparisons/{comparison}/", {"supervisor", "curator", "admin"}),
    ("/profiles/{profile}/promote/", {"supervisor", "admin"}),
    ("/calibration/", {"supervisor", "admin"}),
]
# State-changing requests: refused ones must change nothing.
POSTS = [
    ("/review/{draft}/claim/", {}),
    ("/review/{draft}/lease/", {}),
    ("/review/{draft}/decide/", {"action": "write", "own_text": "Mine."}),
    ("/exports/", {"format": "sft", "validation_percent": "0", "min_edit_distance": "0.1"}),
    ("/annotation/item/{item}/", {"action": "write", "own_text": "Mine."}),
    ("/profiles/{profile}/promote/", {}),
    ("/comparisons/{comparison}/end/", {}),
]
API = [
    ("get", "/api/v1/queue", REVIEWERS),
    ("get", "/api/v1/drafts/{draft}", REVIEWERS),
]


@pytest.fixture
def world(alice, sam, ann, cora, mallory, tiny_profile):
    admin = get_user_model().objects.create_superuser("root", password="pw-root")
    enrol_if_needed(admin)
    users = {
        "none": mallory,
        "clinician": alice,
        "supervisor": sam,
        "annotator": ann,
        "curator": cora,
        "admin": admin,
    }
    batch = _drafted(_batch(sam, [ImportRow("An imported prompt.")], k=2))
    snapshot = snapshot_write(snapshot_request(ExportOptions(fmt="sft"), actor=cora).pk)
    draft = ready_request()  # before the comparison, so no draw can route it there
    other = ModelProfile.objects.create(name="other", label="other", base_model="unused")
    comparison = comparison_start(
        service=Service.objects.get(),
        profile_a=tiny_profile,
        profile_b=other,
        share=0.1,
        actor=sam,
    )
    ids = {
        "profile": other.pk,
        "comparison": comparison.pk,
        "draft": draft.pk,
        "batch": batch.pk,
        "item": batch.items.get().pk,
        "snapshot": snapshot.pk,
    }
    return users, ids


def _client(users, role) -> TwoFactorClient:
    client = TwoFactorClient()
    if role != "anonymous":
        client.force_login(users[role])
    return client


def _refused(response) -> bool:
    to_login = response.status_code == 302 and response["Location"].startswith(
        ("/login/", "/admin/login/")
    )
    return response.status_code == 403 or to_login


@pytest.mark.parametrize("role", ROLES)
def test_each_page_answers_only_the_roles_it_is_for(world, role):
    users, ids = world
    client = _client(users, role)
    denied_before = AuditEvent.objects.filter(action="access.denied").count()
    forbidden = 0
    for path, allowed in PAGES:
        response = client.get(path.format(**ids))
        if role in allowed:
            assert response.status_code == 200, (role, path, response.status_code)
        else:
            assert _refused(response), (role, path, response.status_code)
            forbidden += response.status_code == 403
    denied = AuditEvent.objects.filter(action="access.denied").count() - denied_before
    assert denied == forbidden


@pytest.mark.parametrize("role", ["anonymous", "none", "annotator", "curator"])
def test_refused_posts_change_nothing(world, role):
    users, ids = world
    client = _client(users, role)
    draft_before = DraftRequest.objects.values().get(pk=ids["draft"])
    for path, data in POSTS:
        if role == "curator" and path == "/exports/":
            continue  # curators may export
        if role == "annotator" and path.startswith("/annotation/"):
            continue  # annotators annotate
        response = client.post(path.format(**ids), data)
        assert _refused(response), (role, path, response.status_code)
    assert DraftRequest.objects.values().get(pk=ids["draft"]) == draft_before
    assert not Decision.objects.exists()
    assert not ModelProfile.objects.get(pk=ids["profile"]).is_default
    assert Comparison.objects.get(pk=ids["comparison"]).running


@pytest.mark.parametrize("role", ["none", "clinician", "supervisor", "annotator", "curator"])
def test_the_clinician_api_answers_only_reviewers(world, role):
    users, ids = world
    out = StringIO()
    call_command("createapitoken", users[role].username, stdout=out)
    auth = {"HTTP_AUTHORIZATION": f"Token {out.getvalue().strip()}"}
    client = TwoFactorClient()
    for method, path, allowed in API:
        response = getattr(client, method)(path.format(**ids), **auth)
        expected = 200 if role in allowed else 403
        assert response.status_code == expected, (role, path, response.status_code)
        if expected == 403:
            denied = AuditEvent.objects.filter(action="access.denied").last()
            assert denied.details["channel"] == "api" and denied.actor == users[role]
    claim = client.post(
        f"/api/v1/drafts/{ids['draft']}/claim", content_type="application/json", **auth
    )
    assert (claim.status_code == 200) == (role in REVIEWERS), (role, claim.status_code)
    assert client.get("/api/v1/queue").status_code == 401  # no token, nothing


def test_a_patient_token_opens_its_own_conversation_only(client):
    mine, my_token = workflow.conversation_start()
    theirs, their_token = workflow.conversation_start()
    patient_message("Their private message.", conversation=theirs)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {my_token}"}
    other = f"/api/v1/conversations/{theirs.pk}/messages"
    listed = client.get(other, **auth)
    assert listed.status_code in (403, 404) and b"private" not in listed.content
    posted = client.post(other, {"text": "Into theirs."}, content_type="application/json", **auth)
    assert posted.status_code in (403, 404)
    assert not theirs.messages.filter(text="Into theirs.").exists()
    assert client.get(f"/api/v1/conversations/{mine.pk}/messages", **auth).status_code == 200
    page = client.get(f"/chat/{my_token}/").content
    assert b"private" not in page
    # A clinician's API token is not a patient's, nor the other way round.
    assert client.get("/api/v1/queue", HTTP_AUTHORIZATION=f"Token {their_token}").status_code == 401


@pytest.fixture
def nina(db):
    """A clinician of another service, "north"."""
    from reviewapp.models import Service
    from tests.conftest import _persona

    user = _persona("nina", role="clinician")
    user.services.clear()
    Service.objects.create(slug="north", name="North").members.add(user)
    return user


def test_clinicians_see_their_own_services_conversations_only(client, nina, alice):
    from reviewapp.models import Service

    ours = ready_request()  # the default service's
    north = Service.objects.get(slug="north")
    conversation, _ = workflow.conversation_start(service=north)
    theirs = ready_request(message=patient_message("North's patient.", conversation=conversation))
    client.force_login(nina)
    queue = client.get("/queue/").content.decode()
    assert f"/review/{theirs.pk}/" in queue and f"/review/{ours.pk}/" not in queue
    page = client.get(f"/review/{ours.pk}/")
    assert page.status_code == 403 and b"break-glass" in page.content
    assert client.post(f"/review/{ours.pk}/claim/", {}).status_code == 403
    out = StringIO()
    call_command("createapitoken", "nina", stdout=out)
    auth = {"HTTP_AUTHORIZATION": f"Token {out.getvalue().strip()}"}
    assert client.get(f"/api/v1/drafts/{ours.pk}", **auth).status_code == 404
    listed = {item["id"] for item in client.get("/api/v1/queue", **auth).json()["items"]}
    assert listed == {theirs.pk}
    alice_client = TwoFactorClient()
    alice_client.force_login(alice)
    assert alice_client.get(f"/review/{theirs.pk}/").status_code == 403


def test_break_glass_opens_another_services_conversation_with_a_reason_on_record(
    client, nina, sam, mailoutbox
):
    from datetime import timedelta

    from django.utils import timezone

    from reviewapp.models import BreakGlassGrant

    sam.email = "sam@example.org"
    sam.save()
    draft = ready_request()
    client.force_login(nina)
    short = client.post(f"/review/{draft.pk}/break-glass/", {"reason": "need it"})
    assert short.status_code == 400 and not BreakGlassGrant.objects.exists()
    reason = "Covering the main service's crisis line tonight"
    opened = client.post(f"/review/{draft.pk}/break-glass/", {"reason": reason})
    assert opened.status_code == 302 and opened["Location"] == f"/review/{draft.pk}/"
    assert client.get(f"/review/{draft.pk}/").status_code == 200
    event = AuditEvent.objects.get(action="break_glass.open")
    assert event.actor == nina and event.details["reason"] == reason
    assert event.details["service"] == "main"
    [mail] = mailoutbox
    assert mail.to == ["sam@example.org"] and reason in mail.body and "nina" in mail.body
    assert "Break-glass" in mail.subject
    BreakGlassGrant.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    again = TwoFactorClient()
    again.force_login(nina)
    assert again.get(f"/review/{draft.pk}/").status_code == 403


def test_a_patient_writes_to_the_service_named_or_the_default_one(client, nina):
    created = client.post(
        "/api/v1/conversations", {"service": "north"}, content_type="application/json"
    )
    assert created.status_code == 201
    from reviewapp.models import Conversation

    assert Conversation.objects.get(pk=created.json()["id"]).service.slug == "north"
    default = client.post("/api/v1/conversations", {}, content_type="application/json")
    assert Conversation.objects.get(pk=default.json()["id"]).service.slug == "main"
    unknown = client.post(
        "/api/v1/conversations", {"service": "nowhere"}, content_type="application/json"
    )
    assert unknown.status_code == 400 and "No such service" in unknown.json()["error"]
