"""Reviewer calibration: agreement with gold items and with peers, for supervisors.

A gold item is an annotation prompt with an agreed correct decision, imported
with the batch (``{"gold": {"verdict": "accept"|"reject", "reasons": [...],
"crisis": true}}`` on its row) and mixed in among the other items at random
positions; annotators are not told which items are gold.

Candidates are drafted afresh for every batch, so gold names the kind of
decision, not a candidate: ``accept`` (approve or edit a candidate) or
``reject`` (reject them all, or write one's own). Reasons on a ``reject`` gold
are the rejection reasons a rejection must include (a crisis prompt's drafts
rejected for ``safety``, say); an annotator who wrote their own reply instead
gave none and is judged on the kind alone.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from reviewapp.agreement import verdict_of
from reviewapp.decision_input import REJECTION_REASONS
from reviewapp.errors import InvalidInput
from reviewapp.models import Annotation, Decision

GOLD_VERDICTS = ("accept", "reject")
ACCEPTING = (Decision.Action.APPROVE, Decision.Action.EDIT)


def gold_clean(value: object) -> dict:
    """A row's gold decision, checked; raises InvalidInput naming the problem."""
    if not isinstance(value, dict) or value.get("verdict") not in GOLD_VERDICTS:
        raise InvalidInput(_("gold needs a verdict, accept or reject."))
    unknown = set(value) - {"verdict", "reasons", "crisis"}
    if unknown:
        raise InvalidInput(_("unknown gold field(s) %s.") % ", ".join(sorted(unknown)))
    reasons = value.get("reasons") or []
    if not isinstance(reasons, list) or set(reasons) - set(REJECTION_REASONS):
        raise InvalidInput(_("gold reasons must come from: %s") % ", ".join(REJECTION_REASONS))
    if reasons and value["verdict"] != "reject":
        raise InvalidInput(_("only a reject gold names reasons."))
    if not isinstance(value.get("crisis", False), bool):
        raise InvalidInput(_("gold crisis must be true or false."))
    return {
        "verdict": value["verdict"],
        "reasons": sorted(reasons),
        "crisis": value.get("crisis", False),
    }


def gold_matches(gold: dict, *, action: str, reasons: list[str]) -> bool:
    verdict = "accept" if action in ACCEPTING else "reject"
    if verdict != gold["verdict"]:
        return False
    if action == Decision.Action.REJECT:
        return set(gold["reasons"]) <= set(reasons)
    return True


def mix_in_gold(rows: list, *, is_gold, rng: random.Random | None = None) -> list:
    """The rows with the gold ones moved to random positions among the rest."""
    rng = rng or random.SystemRandom()
    mixed = [row for row in rows if not is_gold(row)]
    for row in (row for row in rows if is_gold(row)):
        mixed.insert(rng.randint(0, len(mixed)), row)
    return mixed


@dataclass(frozen=True)
class ReviewerCalibration:
    reviewer: object
    annotations: int
    gold_seen: int
    gold_agreed: int
    crisis_gold_seen: int
    crisis_gold_agreed: int
    peer_comparisons: int  # (item, other annotator) pairs
    peer_agreed: int

    @staticmethod
    def _share(agreed: int, seen: int) -> float | None:
        return agreed / seen if seen else None

    @property
    def gold_agreement(self) -> float | None:
        return self._share(self.gold_agreed, self.gold_seen)

    @property
    def crisis_gold_agreement(self) -> float | None:
        return self._share(self.crisis_gold_agreed, self.crisis_gold_seen)

    @property
    def peer_agreement(self) -> float | None:
        return self._share(self.peer_agreed, self.peer_comparisons)


def reviewer_calibration(annotations=None) -> list[ReviewerCalibration]:
    """Each annotator's agreement with gold and with the other annotators of the same items.

    Peer agreement: of every (item, other annotator) pair, the share where both
    gave the same verdict (``agreement.verdict_key``: the same action on the
    same candidate).
    """
    if annotations is None:
        annotations = Annotation.objects.all()
    annotations = list(annotations.select_related("item", "candidate"))
    by_item: dict[int, list[Annotation]] = defaultdict(list)
    for annotation in annotations:
        by_item[annotation.item_id].append(annotation)
    tally: dict[int, list[int]] = defaultdict(lambda: [0] * 7)
    for annotation in annotations:
        counts = tally[annotation.annotator_id]
        counts[0] += 1
        gold = annotation.item.gold
        if gold:
            agreed = gold_matches(gold, action=annotation.action, reasons=annotation.reasons)
            counts[1] += 1
            counts[2] += agreed
            if gold.get("crisis"):
                counts[3] += 1
                counts[4] += agreed
        mine = verdict_of(annotation)
        for other in by_item[annotation.item_id]:
            if other.annotator_id != annotation.annotator_id:
                counts[5] += 1
                counts[6] += verdict_of(other) == mine
    users = get_user_model().objects.in_bulk(list(tally))
    return sorted(
        (ReviewerCalibration(users[user_id], *counts) for user_id, counts in tally.items()),
        key=lambda c: c.reviewer.get_username(),
    )
