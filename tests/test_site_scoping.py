"""A site's supervisors change their own site only, and every refusal of another
site's data is audited, on the pages and in the API.

Sam supervises the default site, "main". Another site, "north", has its own
clinician (nina) and its own drafting profile; nothing sam does may change
what drafts north's requests.
"""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command

from reviewapp import routing
from reviewapp.comparisons import comparison_start
from reviewapp.models import AuditEvent, Comparison, ModelProfile, Promotion, Service
from tests.conftest import _persona
from tests.factories import patient_message, ready_request

pytestmark = pytest.mark.django_db


def _version(profile: ModelProfile, name: str) -> ModelProfile:
    return ModelProfile.objects.create(
        name=name, label=name, base_model=profile.base_model, queue=profile.queue
    )


@pytest.fixture
def north(tiny_profile):
    """Another site, drafted by a profile of its own."""
    return Service.objects.create(
        slug="north", name="North", profile=_version(tiny_profile, "north-model")
    )


@pytest.fixture
def nina(north):
    """A clinician of north only."""
    user = _persona("nina", role="clinician")
    user.services.clear()
    north.members.add(user)
    return user


def _denials(**details) -> list[AuditEvent]:
    return [
        event
        for event in AuditEvent.objects.filter(action="access.denied").order_by("id")
        if details.items() <= event.details.items()
    ]


# --- blind comparisons and promotion: the supervisor's own sites --------------


def test_the_comparison_form_lists_only_the_supervisors_own_sites(client, sam, north):
    client.force_login(sam)
    page = client.get("/comparisons/").content.decode()
    [site_list] = re.findall(r'<select name="service".*?</select>', page, re.S)
    offered = set(re.findall(r'<option value="(\d+)"', site_list))
    assert offered == {str(Service.objects.get(slug="main").pk)}
    assert "North" not in page


def test_another_sites_id_in_a_forged_post_is_refused_and_audited(client, sam, north, tiny_profile):
    v2 = _version(tiny_profile, "v2")
    client.force_login(sam)
    forged = client.post(
        "/comparisons/",
        {"service": north.pk, "profile_a": tiny_profile.pk, "profile_b": v2.pk, "share": "1"},
    )
    assert forged.status_code == 403
    assert not Comparison.objects.exists()
    [denied] = _denials(view="comparisons", channel="page")
    assert denied.actor == sam and denied.details["method"] == "POST"
    # Their own site, the same way, works.
    main = Service.objects.get(slug="main")
    started = client.post(
        "/comparisons/",
        {"service": main.pk, "profile_a": tiny_profile.pk, "profile_b": v2.pk, "share": "1"},
    )
    assert started.status_code == 302 and Comparison.objects.get().service == main


def test_a_supervisor_cannot_end_another_sites_comparison(client, sam, north, tiny_profile):
    north_supervisor = _persona("nils", role="supervisor")
    north.members.add(north_supervisor)
    theirs = comparison_start(
        service=north,
        profile_a=north.profile,
        profile_b=_version(tiny_profile, "north-v2"),
        share=0.5,
        actor=north_supervisor,
    )
    client.force_login(sam)
    assert "End this comparison" not in client.get(f"/comparisons/{theirs.pk}/").content.decode()
    assert client.post(f"/comparisons/{theirs.pk}/end/").status_code == 403
    theirs.refresh_from_db()
    assert theirs.running and _denials(view="comparison_end")


def test_a_site_supervisors_promotion_leaves_other_sites_routing_unchanged(
    client, sam, north, tiny_profile
):
    v2 = _version(tiny_profile, "v2")
    main = Service.objects.get(slug="main")
    bare = Service.objects.create(slug="south", name="South")  # follows the default
    before = {site.pk: routing.site_profile(site.pk) for site in (north, bare)}
    assert before == {north.pk: north.profile, bare.pk: tiny_profile}
    client.force_login(sam)
    page = client.get(f"/profiles/{v2.pk}/promote/").content.decode()
    assert "Main" in page and "other sites keep theirs" in page
    assert client.post(f"/profiles/{v2.pk}/promote/").status_code == 302

    assert ModelProfile.objects.get(is_default=True) == tiny_profile
    assert routing.site_profile(main.pk) == v2
    assert {site.pk: routing.site_profile(site.pk) for site in (north, bare)} == before
    promotion = Promotion.objects.get()
    assert (promotion.service, promotion.previous, promotion.profile) == (main, tiny_profile, v2)
    event = AuditEvent.objects.get(action="profile.promote")
    assert event.actor == sam and event.details["service"] == "main"
    assert patient_message().draft_requests.get().profile == v2  # main's next request
    # Promoting it again changes nothing.
    assert client.post(f"/profiles/{v2.pk}/promote/").status_code == 302
    assert Promotion.objects.count() == 1


def test_a_site_going_back_to_the_default_follows_it_again(client, sam, north, tiny_profile):
    """A site on a version of its own, promoted back to the default: the site follows
    the default again (not pinned to today's), so a later promotion of the default
    reaches it."""
    v2, v3 = _version(tiny_profile, "v2"), _version(tiny_profile, "v3")
    main = Service.objects.get(slug="main")
    client.force_login(sam)
    client.post(f"/profiles/{v2.pk}/promote/")
    assert routing.site_profile(main.pk) == v2
    client.post(f"/profiles/{tiny_profile.pk}/promote/")
    main.refresh_from_db()
    assert main.profile is None and routing.site_profile(main.pk) == tiny_profile
    north.members.add(sam)  # now runs every site: promotes the default itself
    client.post(f"/profiles/{v3.pk}/promote/")
    assert routing.site_profile(main.pk) == v3


def test_someone_who_runs_every_site_promotes_the_default(client, sam, north, tiny_profile):
    north.members.add(sam)
    v2 = _version(tiny_profile, "v2")
    client.force_login(sam)
    assert "New requests everywhere" in client.get(f"/profiles/{v2.pk}/promote/").content.decode()
    client.post(f"/profiles/{v2.pk}/promote/")
    assert ModelProfile.objects.get(is_default=True) == v2
    assert Promotion.objects.get().service is None
    assert routing.site_profile(north.pk) == north.profile  # its own profile stays


# --- the API's refusals of another site's drafts are audited ------------------


def test_the_api_audits_its_refusals_of_another_sites_drafts(client, nina):
    ours = ready_request()  # main's
    out = StringIO()
    call_command("createapitoken", "nina", stdout=out)
    auth = {"HTTP_AUTHORIZATION": f"Token {out.getvalue().strip()}"}
    calls = [
        lambda: client.get(f"/api/v1/drafts/{ours.pk}", **auth),
        lambda: client.generic("POST", f"/api/v1/drafts/{ours.pk}/claim", b"", **auth),
        lambda: client.post(
            f"/api/v1/drafts/{ours.pk}/decision",
            {"action": "approve", "candidate_id": ours.candidates.first().pk},
            content_type="application/json",
            **auth,
        ),
    ]
    for call in calls:
        reply = call()
        assert reply.status_code == 404 and reply.json() == {"error": "Not found."}
    denied = _denials(channel="api")
    assert len(denied) == 3
    assert {event.actor for event in denied} == {nina}
    assert {event.details["ids"]["draft_id"] for event in denied} == {str(ours.pk)}
    assert [event.details["method"] for event in denied] == ["GET", "POST", "POST"]
    # An id that names nothing is just not found: nothing was refused.
    assert client.get("/api/v1/drafts/99999999", **auth).status_code == 404
    assert len(_denials(channel="api")) == 3
    ours.refresh_from_db()
    assert ours.claimed_by is None and ours.status == "ready"
