"""Blind comparisons: routing a share of a site's requests to two versions, drafting
both through a real Celery worker, interleaved and unlabelled, the clinician's
choice as a preference, and a supervisor's promotion with its evidence on record."""

from __future__ import annotations

import random

import pytest
from django.db import IntegrityError

from reviewapp import routing, workflow
from reviewapp.comparisons import (
    candidates_per_version,
    comparison_end,
    comparison_start,
    interleave,
    preferences,
)
from reviewapp.errors import InvalidInput
from reviewapp.evidence import comparison_result, version_evidence
from reviewapp.models import AuditEvent, Comparison, DraftRequest, ModelProfile, Promotion, Service
from tests.factories import candidate, patient_message
from tests.test_full_loop import wait_for


def _second_version(profile: ModelProfile, **changes) -> ModelProfile:
    fields = {
        f.name: getattr(profile, f.name)
        for f in ModelProfile._meta.concrete_fields
        if f.name not in ("id", "version", "is_default", "created_at", "trained_from")
    }
    return ModelProfile.objects.create(**{**fields, "version": profile.version + 1, **changes})


def _main() -> Service:
    return Service.objects.get(slug="main")


@pytest.mark.django_db
def test_the_draw_routes_the_share_of_a_sites_requests(tiny_profile, sam):
    v2 = _second_version(tiny_profile)
    comparison = comparison_start(
        service=_main(), profile_a=tiny_profile, profile_b=v2, share=0.25, actor=sam
    )
    assert routing.route_new_request(_main().pk, draw=lambda: 0.24).comparison == comparison
    assert routing.route_new_request(_main().pk, draw=lambda: 0.25).comparison is None
    other = Service.objects.create(slug="other", name="Other")
    assert routing.route_new_request(other.pk, draw=lambda: 0.0).comparison is None
    draws = random.Random(5)
    routed = sum(
        routing.route_new_request(_main().pk, draw=draws.random).comparison is not None
        for _ in range(2000)
    )
    assert 400 < routed < 600  # 25% of 2000, within about 4.5 standard deviations


@pytest.mark.django_db
def test_starting_a_comparison_checks_its_terms(tiny_profile, sam):
    v2 = _second_version(tiny_profile)
    elsewhere = _second_version(tiny_profile, version=9, queue="gpu-2")
    with pytest.raises(InvalidInput, match="two different"):
        comparison_start(service=_main(), profile_a=v2, profile_b=v2, share=0.5, actor=sam)
    with pytest.raises(InvalidInput, match="same worker queue"):
        comparison_start(service=_main(), profile_a=v2, profile_b=elsewhere, share=0.5, actor=sam)
    with pytest.raises(InvalidInput, match="share"):
        comparison_start(service=_main(), profile_a=tiny_profile, profile_b=v2, share=0, actor=sam)
    comparison_start(service=_main(), profile_a=tiny_profile, profile_b=v2, share=0.5, actor=sam)
    with pytest.raises(InvalidInput, match="already running"):
        comparison_start(service=_main(), profile_a=v2, profile_b=tiny_profile, share=1, actor=sam)
    assert AuditEvent.objects.filter(action="comparison.start").count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_second_running_comparison_at_a_site(tiny_profile, sam):
    v2 = _second_version(tiny_profile)
    comparison_start(service=_main(), profile_a=tiny_profile, profile_b=v2, share=1, actor=sam)
    with pytest.raises(IntegrityError):
        Comparison.objects.create(
            service=_main(), profile_a=v2, profile_b=tiny_profile, share=1, started_by=sam
        )


@pytest.mark.django_db
def test_ending_a_comparison_stops_routing_at_once(tiny_profile, sam):
    v2 = _second_version(tiny_profile)
    comparison = comparison_start(
        service=_main(), profile_a=tiny_profile, profile_b=v2, share=1, actor=sam
    )
    assert patient_message().draft_requests.get().comparison == comparison
    comparison_end(comparison=comparison, actor=sam)
    assert patient_message().draft_requests.get().comparison is None
    assert AuditEvent.objects.filter(action="comparison.end").count() == 1


def test_candidates_alternate_between_versions_from_a_random_first():
    firsts = set()
    for seed in range(20):
        candidates, owners = interleave(
            [1, 2], [["a1", "a2"], ["b1", "b2"]], rng=random.Random(seed)
        )
        assert owners in ([1, 2, 1, 2], [2, 1, 2, 1])
        assert sorted(candidates) == ["a1", "a2", "b1", "b2"]
        firsts.add(owners[0])
    assert firsts == {1, 2}
    assert candidates_per_version(3) == 2 and candidates_per_version(1) == 1


def _comparison_request(profile_ids, owners_texts):
    """A comparison request with its candidates stored as the worker would."""
    message = patient_message()
    draft = message.draft_requests.get()
    workflow.generation_start(request_id=draft.pk, task_id=f"t{draft.pk}")
    candidates, owners = interleave(
        profile_ids, [[candidate(t) for t in texts] for texts in owners_texts]
    )
    workflow.candidates_store(request_id=draft.pk, candidates=candidates, profile_ids=owners)
    return draft


@pytest.mark.django_db
def test_each_decision_is_a_preference_and_the_win_rate_follows(tiny_profile, alice, sam):
    v2 = _second_version(tiny_profile)
    comparison = comparison_start(
        service=_main(), profile_a=tiny_profile, profile_b=v2, share=1, actor=sam
    )
    choices = ["v2", "v2", "v2", "v1", "reject"]
    for choice in choices:
        draft = _comparison_request([tiny_profile.pk, v2.pk], [["one", "two"], ["three", "four"]])
        workflow.draft_request_claim(request_id=draft.pk, user=alice)
        if choice == "reject":
            workflow.draft_request_decide(
                request_id=draft.pk, user=alice, action="reject", reasons=["tone_empathy"]
            )
            continue
        chosen = draft.candidates.filter(profile=v2 if choice == "v2" else tiny_profile).first()
        workflow.draft_request_decide(
            request_id=draft.pk, user=alice, action="edit" if choice == "v1" else "approve",
            candidate_id=chosen.pk, text="Edited." if choice == "v1" else None,
        )  # fmt: skip
    found = preferences(comparison)
    assert [p.winner_id for p in found] == [v2.pk, v2.pk, v2.pk, tiny_profile.pk, None]
    assert [p.edited for p in found] == [False, False, False, True, False]
    result = comparison_result(comparison)
    assert (result.decided, result.neither, result.edited_wins) == (5, 1, 1)
    assert (result.a.wins, result.a.losses, result.b.wins) == (1, 3, 3)
    assert result.b.rate == 0.75 and not result.b.enough_data and not result.b.significant


@pytest.mark.django_db(transaction=True)
def test_a_worker_drafts_both_versions_interleaved_and_the_page_does_not_say_which(
    client, tiny_profile, alice, sam, celery_worker
):
    v2 = _second_version(tiny_profile, system_prompt="You answer briefly.")
    comparison_start(service=_main(), profile_a=tiny_profile, profile_b=v2, share=1, actor=sam)
    draft = patient_message().draft_requests.get()
    assert draft.comparison is not None and draft.profile == tiny_profile
    ready = wait_for(
        lambda: DraftRequest.objects.filter(pk=draft.pk, status="ready").first(),
        what="candidates from both versions",
    )
    owners = list(ready.candidates.order_by("position").values_list("profile_id", flat=True))
    assert len(owners) == 2 * candidates_per_version(3)
    assert owners in (
        [tiny_profile.pk, v2.pk] * 2,
        [v2.pk, tiny_profile.pk] * 2,
    )
    client.force_login(alice)
    page = client.get(f"/review/{draft.pk}/").content.decode()
    assert "blind comparison" in page
    assert str(tiny_profile) not in page and str(v2) not in page
    queue = client.get("/queue/").content.decode()
    assert str(v2) not in queue


@pytest.mark.django_db
def test_a_supervisor_promotes_a_version_with_the_evidence_on_record(client, tiny_profile, sam):
    v2 = _second_version(tiny_profile)
    comparison_start(service=_main(), profile_a=tiny_profile, profile_b=v2, share=1, actor=sam)
    client.force_login(sam)
    page = client.get(f"/profiles/{v2.pk}/promote/")
    assert page.status_code == 200
    assert "there is no blind comparison" not in page.content.decode()
    response = client.post(f"/profiles/{v2.pk}/promote/")
    assert response.status_code == 302
    v2.refresh_from_db()
    tiny_profile.refresh_from_db()
    assert v2.is_default and not tiny_profile.is_default
    assert routing.default_profile() == v2
    promotion = Promotion.objects.get()
    assert (promotion.profile, promotion.previous, promotion.promoted_by) == (v2, tiny_profile, sam)
    assert promotion.evidence["current_default"]["id"] == tiny_profile.pk
    assert promotion.evidence["comparisons"][0]["decided"] == 0
    event = AuditEvent.objects.get(action="profile.promote")
    assert event.actor == sam and event.details["evidence"] == promotion.evidence


@pytest.mark.django_db
def test_evidence_names_the_version_and_the_current_default(tiny_profile):
    v2 = _second_version(tiny_profile)
    shown = version_evidence(v2)
    assert shown["profile"]["id"] == v2.pk
    assert set(shown["versions"]) == {str(v2.pk), str(tiny_profile.pk)}
    assert shown["comparisons"] == [] and shown["ratings"] == {}


@pytest.mark.django_db
def test_a_crisis_message_is_never_drafted_by_a_comparison(tiny_profile, sam):
    v2 = _second_version(tiny_profile)
    comparison_start(service=_main(), profile_a=tiny_profile, profile_b=v2, share=1, actor=sam)
    assert (
        routing.route_new_request(_main().pk, risk_level="crisis", draw=lambda: 0).comparison
        is None
    )
    crisis = patient_message("I want to kill myself tonight.").draft_requests.get()
    assert crisis.risk_level == "crisis" and crisis.comparison is None
    assert patient_message().draft_requests.get().comparison is not None


@pytest.mark.django_db
def test_a_redraft_after_the_comparison_ended_goes_to_the_default_alone(tiny_profile, alice, sam):
    v2 = _second_version(tiny_profile)
    comparison = comparison_start(
        service=_main(), profile_a=v2, profile_b=tiny_profile, share=1, actor=sam
    )
    draft = _comparison_request([v2.pk, tiny_profile.pk], [["one"], ["two"]])
    running = _comparison_request([v2.pk, tiny_profile.pk], [["three"], ["four"]])
    workflow.draft_request_claim(request_id=running.pk, user=alice)
    workflow.draft_request_decide(
        request_id=running.pk, user=alice, action="reject", reasons=["too_long"]
    )
    still = DraftRequest.objects.get(message=running.message, status="queued")
    assert (still.comparison, still.profile) == (comparison, v2)
    comparison_end(comparison=comparison, actor=sam)
    workflow.draft_request_claim(request_id=draft.pk, user=alice)
    workflow.draft_request_decide(
        request_id=draft.pk, user=alice, action="reject", reasons=["other"]
    )
    retry = DraftRequest.objects.get(message=draft.message, status="queued")
    assert (retry.comparison, retry.profile) == (None, tiny_profile)


@pytest.mark.django_db
def test_a_decision_sent_back_or_without_candidates_is_no_preference(tiny_profile, alice, sam):
    v2 = _second_version(tiny_profile)
    comparison = comparison_start(
        service=_main(), profile_a=tiny_profile, profile_b=v2, share=1, actor=sam
    )
    draft = _comparison_request([tiny_profile.pk, v2.pk], [["one"], ["two"]])
    workflow.draft_request_claim(request_id=draft.pk, user=alice)
    chosen = draft.candidates.get(profile=v2)
    workflow.draft_request_decide(
        request_id=draft.pk, user=alice, action="approve", candidate_id=chosen.pk
    )
    assert [p.winner_id for p in preferences(comparison)] == [v2.pk]
    DraftRequest.objects.filter(pk=draft.pk).update(status="returned")
    assert preferences(comparison) == []
    failed = patient_message().draft_requests.get()
    workflow.generation_fail(request_id=failed.pk, reason="OutOfMemoryError")
    workflow.draft_request_claim(request_id=failed.pk, user=alice)
    workflow.draft_request_decide(request_id=failed.pk, user=alice, action="write", text="Mine.")
    assert preferences(comparison) == []
