"""Profiles are versioned: an edit to a profile that drafted candidates is a new version."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from reviewapp.models import AuditEvent, Candidate, ModelProfile
from tests.factories import ready_request
from tests.two_factor import enrol_if_needed

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = get_user_model().objects.create_superuser("root", password="pw-root")
    enrol_if_needed(admin)  # staff see patient data: a second factor
    client.force_login(admin)
    return client


def change_form(profile, **changes):
    fields = {
        "name": profile.name,
        "label": profile.label,
        "base_model": profile.base_model,
        "adapter": profile.adapter,
        "adapter_config": '{"r": 8, "alpha": 32}',
        "loading_mode": profile.loading_mode,
        "prompt_format": profile.prompt_format,
        "system_prompt": profile.system_prompt,
        "language": profile.language,
        "generation_defaults": '{"max_new_tokens": 12}',
        "post_filters": "[]",
        "queue": profile.queue,
        "is_default": "on" if profile.is_default else "",
    }
    return {**fields, **changes}


def test_it_saves_an_edit_as_a_new_version_once_candidates_exist(admin_client, tiny_profile):
    draft = ready_request()
    url = f"/admin/reviewapp/modelprofile/{tiny_profile.pk}/change/"
    reply = admin_client.post(url, change_form(tiny_profile, system_prompt="Be kinder."))
    assert reply.status_code == 302, reply.content.decode()[:2000]
    old, new = ModelProfile.objects.filter(name=tiny_profile.name).order_by("version")
    assert (old.version, new.version) == (1, 2)
    assert (old.system_prompt, new.system_prompt) == ("You are a careful assistant.", "Be kinder.")
    assert (old.is_default, new.is_default) == (False, True)
    assert set(Candidate.objects.filter(draft_request=draft).values_list("profile", flat=True)) == {
        old.pk
    }
    assert AuditEvent.objects.filter(action="profile.revise", object_id=str(new.pk)).exists()


def test_it_edits_in_place_while_nothing_was_drafted(admin_client, tiny_profile):
    url = f"/admin/reviewapp/modelprofile/{tiny_profile.pk}/change/"
    admin_client.post(url, change_form(tiny_profile, system_prompt="Be kinder."))
    tiny_profile.refresh_from_db()
    assert (tiny_profile.version, tiny_profile.system_prompt) == (1, "Be kinder.")


def test_it_shows_a_clear_error_for_an_unknown_post_filter(admin_client, tiny_profile):
    url = f"/admin/reviewapp/modelprofile/{tiny_profile.pk}/change/"
    reply = admin_client.post(url, change_form(tiny_profile, post_filters='["made_up"]'))
    assert reply.status_code == 200 and "Unknown post-filter(s): made_up" in reply.content.decode()


def test_it_lets_an_admin_add_a_profile(admin_client, tiny_profile):
    reply = admin_client.post(
        "/admin/reviewapp/modelprofile/add/",
        change_form(tiny_profile, name="site-custom", is_default=""),
    )
    assert reply.status_code == 302
    assert ModelProfile.objects.get(name="site-custom").version == 1


def test_a_site_on_an_edited_profile_follows_it_to_the_new_version(admin_client, tiny_profile):
    """As the default does: the edit is what the site's clinicians asked for."""
    from reviewapp import routing
    from reviewapp.models import Service

    site = Service.objects.create(slug="helsinki", name="Helsinki", profile=tiny_profile)
    other = Service.objects.create(slug="north", name="North")
    ready_request()
    url = f"/admin/reviewapp/modelprofile/{tiny_profile.pk}/change/"
    admin_client.post(url, change_form(tiny_profile, system_prompt="Be kinder."))
    new = ModelProfile.objects.get(name=tiny_profile.name, version=2)
    site.refresh_from_db()
    other.refresh_from_db()
    assert site.profile == new and other.profile is None
    assert routing.route_new_request(site.pk).profile == new
    revise = AuditEvent.objects.get(action="profile.revise", object_id=str(new.pk))
    assert revise.details["sites"] == ["helsinki"]


def test_an_admin_sets_a_sites_profile_and_it_is_audited(admin_client, tiny_profile):
    from reviewapp.models import Service

    site = Service.objects.create(slug="helsinki", name="Helsinki")
    reply = admin_client.post(
        f"/admin/reviewapp/service/{site.pk}/change/",
        {"slug": "helsinki", "name": "Helsinki", "profile": tiny_profile.pk},
    )
    assert reply.status_code == 302, reply.content.decode()[:2000]
    site.refresh_from_db()
    assert site.profile == tiny_profile
    saved = AuditEvent.objects.get(action="service.save", object_id=str(site.pk))
    assert saved.details["profile"] == tiny_profile.pk and saved.details["changed"] == ["profile"]
