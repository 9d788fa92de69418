"""Management commands: demo seeding, API tokens, the sweeper."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from reviewapp.models import AuditEvent, Conversation, DraftRequest
from reviewapp.tokens import user_for_api_token

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_it_seeds_a_clinician_who_can_log_in_and_review(tiny_profile):
    output = run("seed_demo")
    password = output.split("clinician login: clinician / ")[1].split()[0]
    login_request = RequestFactory().post("/login/")  # django-axes checks every attempt
    user = authenticate(login_request, username="clinician", password=password)
    assert user is not None and user.has_perm("reviewapp.review_draftrequest")
    assert Conversation.objects.count() == 2
    assert set(DraftRequest.objects.values_list("status", flat=True)) == {"queued"}
    assert "sample patient chat (en): /chat/" in output
    assert "sample patient chat (fi): /chat/" in output


def test_it_seeds_one_user_per_role_with_their_language(tiny_profile):
    from django.contrib.auth import get_user_model

    run("seed_demo")
    users = get_user_model().objects
    assert users.get(username="supervisor").has_perm("reviewapp.supervise_draftrequest")
    annotator = users.get(username="annotator")
    assert annotator.has_perm("reviewapp.annotate_annotationbatch")
    assert not annotator.has_perm("reviewapp.review_draftrequest")
    assert users.get(username="hoitaja").preference.language == "fi"


def test_it_does_not_seed_a_second_sample_conversation(tiny_profile):
    run("seed_demo")
    output = run("seed_demo")
    assert Conversation.objects.count() == 2 and "/chat/" not in output


def test_it_prints_an_api_token_that_works_once_shown(alice):
    key = run("createapitoken", "alice").strip()
    assert user_for_api_token(key) == alice
    assert AuditEvent.objects.filter(action="apitoken.create", actor=alice).exists()


def test_it_refuses_a_token_for_an_unknown_user():
    with pytest.raises(CommandError, match="No active user named 'nobody'"):
        run("createapitoken", "nobody")


def test_it_sweeps_from_the_command_line(tiny_profile):
    from tests.factories import patient_message

    draft = patient_message().draft_requests.get()
    assert run("sweep_stale", "--older-than", "0").strip() == "re-enqueued 1 request(s)"
    assert DraftRequest.objects.get(pk=draft.pk).status == "queued"


@pytest.mark.django_db
def test_the_migrations_describe_the_models_exactly():
    """A model change without its migration (or a migration that drifted) fails here."""
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())
