"""Quality figures per profile version, on a fixture whose answers were worked out by hand."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from reviewapp import analytics, workflow
from reviewapp.comparisons import comparison_start
from reviewapp.evidence import compared_rows
from reviewapp.models import Decision, DraftRequest, Message, ModelProfile, Service
from tests.factories import candidate

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # week 45
NEXT_MONDAY = MONDAY + timedelta(days=7)


def _decided(
    user,
    profile,
    *,
    at: datetime,
    action: str,
    ready_after: int,
    decided_after: int,
    texts=("abcd",),
    final: str | None = None,
    reasons=None,
    flagged: int = 0,
    locale: str = "en",
    service=None,
) -> DraftRequest:
    """A request drafted by ``profile`` and decided, with hand-chosen times (minutes)."""
    conversation, _ = workflow.conversation_start(locale=locale, service=service)
    message = workflow.message_receive(conversation=conversation, text="A message.")
    draft = message.draft_requests.get()
    DraftRequest.objects.filter(pk=draft.pk).update(profile=profile)
    workflow.generation_start(request_id=draft.pk, task_id=f"t{draft.pk}")
    drafted = [
        dataclasses.replace(candidate(t), flags=[{"filter": "x"}] if i < flagged else [])
        for i, t in enumerate(texts)
    ]
    workflow.candidates_store(request_id=draft.pk, candidates=drafted)
    workflow.draft_request_claim(request_id=draft.pk, user=user)
    first = draft.candidates.order_by("position").first()
    decision = workflow.draft_request_decide(
        request_id=draft.pk,
        user=user,
        action=action,
        candidate_id=first.pk if action in ("approve", "edit") else None,
        text=final,
        reasons=reasons,
    )
    Message.objects.filter(pk=message.pk).update(created_at=at)
    DraftRequest.objects.filter(pk=draft.pk).update(
        candidates_ready_at=at + timedelta(minutes=ready_after)
    )
    Decision.objects.filter(pk=decision.pk).update(created_at=at + timedelta(minutes=decided_after))
    Message.objects.filter(decision=decision).update(
        created_at=at + timedelta(minutes=decided_after)
    )
    return draft


@pytest.fixture
def versions(tiny_profile):
    v2 = ModelProfile.objects.create(name=tiny_profile.name, version=2, label="v2", base_model="x")
    return tiny_profile, v2


@pytest.fixture
def fixture_requests(alice, versions):
    """v1, week 45: one of each action; v2, week 46: two approvals.

    v1 by hand: rates 1/4 each; minutes to candidates 2, 4, 6, 8 (median 5); to
    decision 8, 10, 10, 20 (median 10); to release 10, 14, 28 (the rejection has no
    release; median 14); edit distances 0 (approve) and 1/4 ("abcd" → "abxd");
    flags 1 of the 3 candidates of the first request, 0 of 1 elsewhere: 1/6.
    """
    v1, v2 = versions
    _decided(alice, v1, at=MONDAY, action="approve", ready_after=2, decided_after=10,
             texts=("abcd", "efgh", "ijkl"), flagged=1)  # fmt: skip
    _decided(alice, v1, at=MONDAY + timedelta(hours=1), action="edit", ready_after=4,
             decided_after=14, final="abxd")  # fmt: skip
    _decided(alice, v1, at=MONDAY + timedelta(days=1), action="reject", ready_after=6,
             decided_after=16, reasons=["safety"])  # fmt: skip
    _decided(alice, v1, at=MONDAY + timedelta(days=2), action="write", ready_after=8,
             decided_after=28, final="My own words.")  # fmt: skip
    _decided(alice, v2, at=NEXT_MONDAY, action="approve", ready_after=1, decided_after=3)
    _decided(alice, v2, at=NEXT_MONDAY, action="approve", ready_after=3, decided_after=5)
    return v1, v2


def _csv_text(response) -> str:
    assert response["Content-Type"].startswith("text/csv")
    return b"".join(response.streaming_content).decode("utf-8-sig")


def _filters(**kwargs) -> analytics.AnalyticsFilters:
    return analytics.AnalyticsFilters(start=date(2026, 11, 1), end=date(2026, 11, 15), **kwargs)


def test_figures_per_version_match_the_hand_worked_answers(fixture_requests):
    v1, v2 = fixture_requests
    figures = analytics.collect(_filters())
    one, two = figures[v1.pk].total, figures[v2.pk].total
    assert one.decided == 4 and two.decided == 2
    assert [one.action_rate(a) for a in ("approve", "edit", "reject", "write")] == [0.25] * 4
    assert two.action_rate("approve") == 1.0
    assert one.reasons == {"safety": 1}
    assert sorted(one.edit_distances) == [0.0, 0.25]
    assert one.flag_rate == pytest.approx(1 / 6)
    assert sorted(one.to_candidates) == [2, 4, 6, 8]
    assert sorted(one.to_decision) == [8, 10, 10, 20]
    assert sorted(one.to_release) == [10, 14, 28]


def test_figures_fall_into_their_week_or_day(fixture_requests):
    v1, v2 = fixture_requests
    weekly = analytics.collect(_filters(period="week"))
    assert set(weekly[v1.pk].by_period) == {date(2026, 11, 2)}
    assert set(weekly[v2.pk].by_period) == {date(2026, 11, 9)}
    daily = analytics.collect(_filters(period="day"))
    assert {d: b.decided for d, b in daily[v1.pk].by_period.items()} == {
        date(2026, 11, 2): 2,
        date(2026, 11, 3): 1,
        date(2026, 11, 4): 1,
    }
    assert len(analytics.periods(_filters(period="day"))) == 15
    assert analytics.periods(_filters(period="week"))[0] == date(2026, 10, 26)


def test_filters_by_language_site_risk_and_version(alice, fixture_requests):
    v1, _v2 = fixture_requests
    north = Service.objects.create(slug="north", name="North")
    north.members.add(alice)
    finnish = _decided(alice, v1, at=MONDAY, action="approve", ready_after=1, decided_after=2,
                       locale="fi", service=north)  # fmt: skip
    DraftRequest.objects.filter(pk=finnish.pk).update(risk_level="elevated")
    assert analytics.collect(_filters(language="fi"))[v1.pk].total.decided == 1
    assert analytics.collect(_filters(service_id=north.pk))[v1.pk].total.decided == 1
    assert analytics.collect(_filters(risk="elevated"))[v1.pk].total.decided == 1
    assert analytics.collect(_filters(risk="none"))[v1.pk].total.decided == 4
    assert set(analytics.collect(_filters(profile_ids=(v1.pk,)))) == {v1.pk}


def test_blind_comparison_requests_count_for_neither_version(alice, sam, fixture_requests):
    v1, v2 = fixture_requests
    comparison = comparison_start(
        service=Service.objects.get(slug="main"), profile_a=v1, profile_b=v2, share=1, actor=sam
    )
    draft = _decided(alice, v1, at=MONDAY, action="approve", ready_after=1, decided_after=2)
    DraftRequest.objects.filter(pk=draft.pk).update(comparison=comparison)
    assert analytics.collect(_filters())[v1.pk].total.decided == 4


def test_two_versions_side_by_side_with_intervals(fixture_requests):
    v1, v2 = fixture_requests
    figures = analytics.collect(_filters())
    rows = {r.key: r for r in compared_rows(figures[v1.pk].total, figures[v2.pk].total)}
    approve = rows["approve"]
    assert (approve.a.estimate, approve.b.estimate) == (0.25, 1.0)
    assert approve.difference.estimate == pytest.approx(-0.75)
    assert approve.difference.low < -0.75 < approve.difference.high
    assert rows["to_candidates"].a.estimate == 5.0
    assert rows["to_release"].a.estimate == 14.0


def test_histogram_bins_edit_distances():
    assert analytics.histogram([0.0, 0.05, 0.25, 0.99, 1.0]) == [2, 0, 1, 0, 0, 0, 0, 0, 0, 2]


def test_the_dashboard_draws_each_chart_with_its_csv(client, sam, fixture_requests):
    v1, _v2 = fixture_requests
    client.force_login(sam)
    query = "start=2026-11-01&end=2026-11-15&period=week"
    page = client.get(f"/analytics/?{query}")
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count("<svg") == 10
    assert str(v1) in body
    rows = list(csv.reader(io.StringIO(_csv_text(client.get(f"/analytics/?{query}&csv=approved")))))
    assert rows[0] == ["week", "version", "approved", "n"]
    assert ["2026-11-02", str(v1), "0.25", "4"] in rows
    assert ["2026-11-09", str(v1), "", "0"] in rows  # an empty week: no rate, n 0
    reasons = _csv_text(client.get(f"/analytics/?{query}&csv=reasons"))
    assert f"safety,{v1},1" in reasons
    assert client.get(f"/analytics/?{query}&csv=nonsense").status_code == 404


def test_bad_filters_get_a_clear_400(client, sam):
    client.force_login(sam)
    response = client.get("/analytics/?start=2026-11-10&end=2026-11-01")
    assert response.status_code == 400
    assert "start date is after the end date" in response.content.decode()
    assert client.get("/analytics/?start=not-a-date").status_code == 400


def test_the_compare_page_shows_both_versions_and_its_csv(client, cora, fixture_requests):
    v1, v2 = fixture_requests
    client.force_login(cora)
    query = f"a={v1.pk}&b={v2.pk}&start=2026-11-01&end=2026-11-15"
    page = client.get(f"/analytics/compare/?{query}")
    assert page.status_code == 200
    assert "25%" in page.content.decode() and "100%" in page.content.decode()
    table = _csv_text(client.get(f"/analytics/compare/?{query}&csv=1"))
    assert f"approve,{v1},0.25" in table
    same = client.get(f"/analytics/compare/?a={v1.pk}&b={v1.pk}")
    assert same.status_code == 400


def test_a_decision_that_is_not_the_last_word_is_not_counted(fixture_requests):
    v1, _v2 = fixture_requests
    approved = Decision.objects.filter(action="approve", draft_request__profile=v1).get()
    DraftRequest.objects.filter(pk=approved.draft_request_id).update(status="returned")
    total = analytics.collect(_filters())[v1.pk].total
    assert total.decided == 3 and total.actions["approve"] == 0
    assert sorted(total.to_candidates) == [2, 4, 6, 8]  # drafting time still counts
