"""How far annotators agree on a batch, and which items need adjudication.

Krippendorff's alpha (the ``krippendorff`` package) per rubric item (ordinal)
and for the verdict itself (nominal: approve candidate 1, edit, reject, write),
over items with two or more annotations. An item is listed for adjudication when
its annotators' verdicts differ or a rubric item's scores are two or more apart.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import krippendorff
import numpy as np

from reviewapp.decision_input import rubric_items
from reviewapp.models import Annotation, AnnotationBatch

DISAGREEMENT_SPREAD = 2


def verdict_key(action: str, candidate_position: int | None) -> str:
    """What a reviewer decided, comparable across the reviewers of one item."""
    if action in ("approve", "edit") and candidate_position is not None:
        return f"{action} {candidate_position + 1}"
    return action


def verdict_of(annotation: Annotation) -> str:
    candidate = annotation.candidate
    return verdict_key(annotation.action, candidate.position if candidate else None)


def item_agreement(verdict_keys: list[str]) -> float | None:
    """The share of an item's reviewers who gave its most common verdict (``verdict_key``);
    None for a single verdict, which has nothing to agree with."""
    if len(verdict_keys) < 2:
        return None
    return Counter(verdict_keys).most_common(1)[0][1] / len(verdict_keys)


@dataclass(frozen=True)
class BatchAgreement:
    items_compared: int
    # None where there is too little to compare (fewer than two annotated items).
    verdict_alpha: float | None
    rubric_alpha: dict[str, float | None]
    # [(item, {"annotator": verdict}, {"rubric item": (low, high)})]
    disagreements: list[tuple]


def _alpha(rows: list[list[float]], level: str) -> float | None:
    data = np.array(rows, dtype=float).T  # annotators x items
    values = data[~np.isnan(data)]
    if data.shape[1] < 2 or len(set(values.tolist())) < 2:
        return None
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))


def batch_agreement(batch: AnnotationBatch) -> BatchAgreement:
    annotations = Annotation.objects.filter(item__batch=batch).select_related(
        "item", "annotator", "candidate"
    )
    by_item: dict[int, list[Annotation]] = {}
    for annotation in annotations:
        by_item.setdefault(annotation.item_id, []).append(annotation)
    shared = {k: v for k, v in by_item.items() if len(v) >= 2}
    width = max((len(v) for v in shared.values()), default=0)

    verdict_codes: dict[str, int] = {}
    verdict_rows = []
    rubric_rows: dict[str, list[list[float]]] = {item: [] for item in rubric_items()}
    disagreements = []
    for group in shared.values():
        group.sort(key=lambda a: a.annotator_id)
        padding = [np.nan] * (width - len(group))
        verdicts = [verdict_of(a) for a in group]
        verdict_rows.append(
            [verdict_codes.setdefault(v, len(verdict_codes)) for v in verdicts] + padding
        )
        spreads = {}
        for item, rows in rubric_rows.items():
            scores = [a.rubric_scores.get(item) for a in group]
            rows.append([np.nan if s is None else s for s in scores] + padding)
            given = [s for s in scores if s is not None]
            if len(given) >= 2 and max(given) - min(given) >= DISAGREEMENT_SPREAD:
                spreads[item] = (min(given), max(given))
        if len(set(verdicts)) > 1 or spreads:
            disagreements.append(
                (
                    group[0].item,
                    {a.annotator.get_username(): v for a, v in zip(group, verdicts, strict=True)},
                    spreads,
                )
            )
    return BatchAgreement(
        items_compared=len(shared),
        verdict_alpha=_alpha(verdict_rows, "nominal") if verdict_rows else None,
        rubric_alpha={
            item: _alpha(rows, "ordinal") if rows else None for item, rows in rubric_rows.items()
        },
        disagreements=sorted(disagreements, key=lambda d: d[0].position),
    )
