"""Gold items mixed into annotation batches, and each reviewer's agreement with gold and peers."""

from __future__ import annotations

import json
import random

import pytest

from reviewapp import annotation
from reviewapp.annotation_import import ImportRow, parse_annotation_file
from reviewapp.calibration import gold_matches, mix_in_gold, reviewer_calibration
from reviewapp.errors import InvalidInput
from tests.test_annotation import _batch, _drafted

CRISIS_GOLD = {"verdict": "reject", "reasons": ["safety"], "crisis": True}


def test_gold_rows_are_read_and_checked():
    rows = parse_annotation_file(
        "\n".join(
            [
                json.dumps({"prompt": "Plain."}),
                json.dumps({"prompt": "I want to end it.", "gold": CRISIS_GOLD}),
            ]
        ).encode(),
        filename="b.jsonl",
    )
    assert rows[0].gold is None
    assert rows[1].gold == CRISIS_GOLD
    csv_rows = parse_annotation_file(
        b'prompt,gold\nHello,"{""verdict"": ""accept""}"\n', filename="b.csv"
    )
    assert csv_rows[0].gold == {"verdict": "accept", "reasons": [], "crisis": False}
    for bad, problem in [
        ({"verdict": "maybe"}, "needs a verdict"),
        ({"verdict": "accept", "reasons": ["safety"]}, "only a reject gold"),
        ({"verdict": "reject", "reasons": ["made-up"]}, "must come from"),
        ({"verdict": "reject", "why": "x"}, "unknown gold"),
    ]:
        line = json.dumps({"prompt": "x", "gold": bad}).encode()
        with pytest.raises(InvalidInput, match=problem) as caught:
            parse_annotation_file(line, filename="b.jsonl")
        assert "Line 1" in str(caught.value)


def test_gold_rows_land_at_random_places_among_the_rest():
    rows = [f"r{i}" for i in range(10)] + ["g1", "g2"]
    mixed = mix_in_gold(rows, is_gold=lambda r: r.startswith("g"), rng=random.Random(3))
    assert sorted(mixed) == sorted(rows)
    assert [r for r in mixed if r.startswith("r")] == [f"r{i}" for i in range(10)]
    places = {
        tuple(
            i
            for i, r in enumerate(
                mix_in_gold(rows, is_gold=lambda r: r.startswith("g"), rng=random.Random(seed))
            )
            if r.startswith("g")
        )
        for seed in range(10)
    }
    assert len(places) > 1 and places != {(10, 11)}


def test_what_agrees_with_gold():
    accept = {"verdict": "accept", "reasons": [], "crisis": False}
    assert gold_matches(accept, action="approve", reasons=[])
    assert gold_matches(accept, action="edit", reasons=[])
    assert not gold_matches(accept, action="reject", reasons=["safety"])
    assert gold_matches(CRISIS_GOLD, action="reject", reasons=["safety", "other"])
    assert not gold_matches(CRISIS_GOLD, action="reject", reasons=["too_long"])
    assert gold_matches(CRISIS_GOLD, action="write", reasons=[])
    assert not gold_matches(CRISIS_GOLD, action="approve", reasons=[])


@pytest.mark.django_db
def test_each_reviewers_agreement_with_gold_and_peers(client, sam, ann, andy, tiny_profile):
    """Hand-worked: three items, two annotators.

    item 1 (crisis gold: reject for safety): ann rejects for safety (agrees), andy
    approves candidate 1 (disagrees). item 2 (accept gold): both approve candidate 1
    (both agree with gold and with each other). item 3 (not gold): ann approves 1,
    andy approves 2 (peers disagree). ann: gold 2/2, crisis 1/1, peers 1/3; andy:
    gold 1/2, crisis 0/1, peers 1/3.
    """
    rows = [
        ImportRow("I want to end it all.", gold=CRISIS_GOLD),
        ImportRow(
            "Thanks, that helped.", gold={"verdict": "accept", "reasons": [], "crisis": False}
        ),
        ImportRow("I can't sleep."),
    ]
    batch = _drafted(_batch(sam, rows, k=2))
    by_prompt = {item.draft_request.message.text: item for item in batch.items.all()}
    crisis, thanks, sleep = (by_prompt[r.prompt] for r in rows)

    def first(item, n=1):
        return item.draft_request.candidates.get(position=n - 1).pk

    def record(item, user, action, **kw):
        annotation.annotation_record(item_id=item.pk, user=user, action=action, **kw)

    record(crisis, ann, "reject", reasons=["safety"])
    record(crisis, andy, "approve", candidate_id=first(crisis))
    record(thanks, ann, "approve", candidate_id=first(thanks))
    record(thanks, andy, "approve", candidate_id=first(thanks))
    record(sleep, ann, "approve", candidate_id=first(sleep))
    record(sleep, andy, "approve", candidate_id=first(sleep, 2))

    found = {c.reviewer.username: c for c in reviewer_calibration()}
    a, b = found["ann"], found["andy"]
    assert (a.gold_agreed, a.gold_seen, a.crisis_gold_agreed, a.crisis_gold_seen) == (2, 2, 1, 1)
    assert (b.gold_agreed, b.gold_seen, b.crisis_gold_agreed, b.crisis_gold_seen) == (1, 2, 0, 1)
    assert (a.peer_agreed, a.peer_comparisons) == (1, 3) == (b.peer_agreed, b.peer_comparisons)
    assert a.gold_agreement == 1.0 and b.crisis_gold_agreement == 0.0

    client.force_login(sam)
    page = client.get("/calibration/").content.decode()
    assert "ann" in page and "(1/2)" in page and "(0/1)" in page
    client.force_login(ann)
    item_page = client.get(f"/annotation/item/{crisis.pk}/").content.decode()
    assert "gold" not in item_page.lower()
