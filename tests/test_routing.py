"""The default profile is read once per cache period, and a change is seen at once here."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviewapp import routing
from reviewapp.errors import WorkflowError
from reviewapp.models import ModelProfile
from reviewapp.profiles import profile_save


def test_the_default_profile_is_read_once_then_served_from_the_cache(tiny_profile):
    assert routing.default_profile() == tiny_profile
    with CaptureQueriesContext(connection) as queries:
        assert routing.default_profile() == tiny_profile
    assert len(queries) == 0


def test_the_cache_expires(tiny_profile, monkeypatch):
    routing.default_profile()
    ModelProfile.objects.filter(pk=tiny_profile.pk).update(queue="elsewhere")  # no signal
    assert routing.default_profile().queue == tiny_profile.queue
    later = time.monotonic() + routing.ROUTING_CACHE_SECONDS + 0.1
    monkeypatch.setattr(routing.time, "monotonic", lambda: later)
    assert routing.default_profile().queue == "elsewhere"


def test_promoting_another_profile_is_seen_at_once_in_this_process(tiny_profile, sam):
    routing.default_profile()
    other = ModelProfile.objects.create(name="other", label="other", base_model="unused")
    other.is_default = True
    profile_save(profile=other, actor=sam)
    assert routing.default_profile() == other


def test_no_default_profile_is_a_clear_error(tiny_profile):
    tiny_profile.delete()
    with pytest.raises(WorkflowError, match="No default model profile"):
        routing.default_profile()


def test_a_site_with_a_profile_of_its_own_is_drafted_by_it_and_others_by_the_default(
    tiny_profile,
):
    from reviewapp.models import Service

    finnish = ModelProfile.objects.create(
        name="fi", label="fi", base_model="unused", queue="gen-llama-poro-2-8b"
    )
    plain = Service.objects.create(slug="plain", name="Plain")
    helsinki = Service.objects.create(slug="helsinki", name="Helsinki")
    assert routing.route_new_request(helsinki.pk).profile == tiny_profile
    helsinki.profile = finnish
    helsinki.save()  # seen at once in this process, as a promotion is
    assert routing.route_new_request(helsinki.pk).profile == finnish
    assert routing.route_new_request(helsinki.pk, risk_level="crisis").profile == finnish
    assert routing.route_new_request(plain.pk).profile == tiny_profile
    assert routing.route_new_request(None).profile == tiny_profile
