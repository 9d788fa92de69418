"""Agreement between annotators on a batch, checked against a hand-computed alpha."""

from __future__ import annotations

import pytest

from reviewapp import annotation
from reviewapp.agreement import batch_agreement
from reviewapp.annotation_import import ImportRow
from tests.test_annotation import _batch, _drafted

pytestmark = pytest.mark.django_db


def _three_items(sam):
    return _drafted(_batch(sam, [ImportRow(f"Prompt {n}.") for n in (1, 2, 3)], k=2))


def test_it_computes_krippendorffs_alpha_and_lists_disagreements(client, sam, ann, andy):
    batch = _three_items(sam)
    first, second, third = batch.items.order_by("position")

    def verdict(item, user, action, **kwargs):
        if action == "approve":
            kwargs["candidate_id"] = item.draft_request.candidates.get(position=0).pk
        annotation.annotation_record(item_id=item.pk, user=user, action=action, **kwargs)

    verdict(first, ann, "approve", rubric={"empathy": 4})
    verdict(first, andy, "approve", rubric={"empathy": 4})
    verdict(second, ann, "approve")
    verdict(second, andy, "reject", reasons=["too_long"])
    verdict(third, ann, "write", text="Mine.", rubric={"empathy": 1})
    verdict(third, andy, "write", text="Mine too.", rubric={"empathy": 5})

    result = batch_agreement(batch)
    # By hand (nominal): values a,a | a,r | w,w; n = 6, D_o = 2/6,
    # D_e = (3*1 + 3*2 + 1*2) * 2 / (6*5) = 22/30, alpha = 1 - (2/6)/(22/30) = 12/22.
    assert result.items_compared == 3
    assert result.verdict_alpha == pytest.approx(12 / 22)
    assert [d[0].position for d in result.disagreements] == [2, 3]
    assert result.disagreements[0][1] == {"andy": "reject", "ann": "approve 1"}
    assert result.disagreements[1][2] == {"empathy": (1, 5)}
    client.force_login(sam)
    page = client.get(f"/annotation/{batch.pk}/").content.decode()
    assert "0.55" in page and "empathy 1–5" in page
    assert "<title>Sleep set · Countersign</title>" in page and page.count("To adjudicate") == 1


def test_it_says_nothing_where_there_is_nothing_to_compare(sam, ann):
    batch = _three_items(sam)
    item = batch.items.first()
    annotation.annotation_record(item_id=item.pk, user=ann, action="write", text="Only me.")
    result = batch_agreement(batch)
    assert result.items_compared == 0 and result.verdict_alpha is None
    assert result.disagreements == []
