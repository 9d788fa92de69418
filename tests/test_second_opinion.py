"""A second opinion on the worker: a model-based screener that can only raise a level."""

from __future__ import annotations

import pytest
import torch

from reviewapp.models import AuditEvent, Conversation, CrisisAlert, DraftRequest
from tests.factories import patient_message
from worker.risk_opinion import ClassifierScreener, Opinion, rubric_judge
from worker.second_opinion import second_opinion
from worker.tasks import profile_spec


def _classifier(root, name: str, favoured: int, labels=("none", "elevated", "crisis")):
    """A tiny BERT with SmolLM2's tokenizer whose head always favours one label."""
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from tests.tiny_llama import _smollm2_tokenizer_dir

    tokenizer = AutoTokenizer.from_pretrained(_smollm2_tokenizer_dir(root))
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=37,
        max_position_embeddings=512,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )
    torch.manual_seed(7)
    model = BertForSequenceClassification(config)
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.zero_()
        model.classifier.bias[favoured] = 8.0
    folder = root / name
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def classifiers(tmp_path_factory):
    root = tmp_path_factory.mktemp("classifiers")
    return {
        "crisis": _classifier(root, "always-crisis", 2),
        "none": _classifier(root, "always-none", 0),
        "unlabelled": _classifier(root, "unlabelled", 0, labels=("LABEL_0", "LABEL_1", "LABEL_2")),
    }


def _configure(settings, **values):
    settings.COUNTERSIGN = {**settings.COUNTERSIGN, **values}


def _use_classifier(settings, path) -> None:
    _configure(settings, RISK_SECOND_OPINION="classifier", RISK_SECOND_OPINION_MODEL=str(path))


def test_an_opinion_turns_into_a_level_with_the_sites_threshold():
    opinion = Opinion({"none": 0.3, "elevated": 0.3, "crisis": 0.4})
    assert opinion.level(0.35) == "crisis"
    assert opinion.level(0.5) == "elevated"
    assert opinion.level(0.8) == "none"
    assert opinion.reason("classifier", 0.35) == "classifier: crisis 0.40"


def test_a_classifier_must_name_the_levels(classifiers):
    with pytest.raises(ValueError, match="must name the levels"):
        ClassifierScreener(str(classifiers["unlabelled"]))


@pytest.mark.django_db
def test_a_classifiers_raise_is_recorded_audited_and_alerts_on_call(
    settings, classifiers, tiny_profile
):
    _use_classifier(settings, classifiers["crisis"])
    message = patient_message("Work was long today.")
    draft = DraftRequest.objects.get(message=message)
    assert draft.risk_level == "none"
    assert second_opinion(draft, profile_spec(tiny_profile)) == "crisis"
    draft.refresh_from_db()
    message.refresh_from_db()
    assert draft.risk_level == "crisis" and message.risk_level == "crisis"
    reason = message.risk_reasons[-1]
    assert reason["rule"] == "second_opinion" and reason["phrase"].startswith("classifier: crisis")
    assert CrisisAlert.objects.filter(draft_request=draft).exists()
    assert Conversation.objects.get(pk=message.conversation_id).risk_level == "crisis"
    event = AuditEvent.objects.get(action="message.second_opinion")
    assert event.details["opinion"] == "crisis" and event.details["raised_requests"] == [draft.pk]


@pytest.mark.django_db
def test_a_crisis_found_in_a_carried_messages_own_text_pages_on_call(
    settings, classifiers, tiny_profile, alice, bob
):
    """A follow-up that only carried crisis from an answered message: the second
    opinion finding crisis in its own text alerts on-call for the request answering it."""
    from reviewapp import workflow
    from tests.factories import ready_request

    first = ready_request(
        ["Call 988 now, or 911 if you are in danger."],
        message=patient_message("I'm going to kill myself tonight."),
    )
    workflow.draft_request_decide(
        request_id=first.pk, user=alice, action="approve", candidate_id=first.candidates.get().pk
    )
    workflow.draft_request_sign_off(request_id=first.pk, user=bob)
    follow_up = patient_message("whatever", conversation=first.message.conversation)
    draft = DraftRequest.objects.get(message=follow_up)
    assert draft.risk_level == "crisis" and not CrisisAlert.objects.filter(draft_request=draft)
    _use_classifier(settings, classifiers["crisis"])
    assert second_opinion(draft, profile_spec(tiny_profile)) == "crisis"
    assert CrisisAlert.objects.filter(draft_request=draft).exists()


@pytest.mark.django_db
def test_a_raise_to_crisis_takes_a_request_out_of_a_blind_comparison(sam, tiny_profile):
    from reviewapp import workflow
    from reviewapp.models import Comparison, ModelProfile, Service, default_service_id

    other = ModelProfile.objects.create(
        name="tiny-llama-lora", version=2, label="v2", base_model=tiny_profile.base_model
    )
    Comparison.objects.create(
        service=Service.objects.get(pk=default_service_id()),
        profile_a=tiny_profile,
        profile_b=other,
        share=1.0,
        started_by=sam,
    )
    message = patient_message("Work was long today.")
    draft = DraftRequest.objects.get(message=message)
    assert draft.comparison_id is not None
    workflow.message_second_opinion(
        message_id=message.pk, level="crisis", reason="test: crisis 0.99", screener="test"
    )
    draft.refresh_from_db()
    assert draft.risk_level == "crisis" and draft.comparison is None
    assert draft.profile == tiny_profile


@pytest.mark.django_db
def test_it_never_lowers_a_level(settings, classifiers, tiny_profile):
    _use_classifier(settings, classifiers["none"])
    message = patient_message("I'm going to kill myself tonight.")
    draft = DraftRequest.objects.get(message=message)
    assert second_opinion(draft, profile_spec(tiny_profile)) is None
    draft.refresh_from_db()
    assert draft.risk_level == "crisis"
    assert not AuditEvent.objects.filter(action="message.second_opinion").exists()


@pytest.mark.django_db
def test_a_failing_screener_never_stops_the_draft(settings, tiny_profile, caplog):
    _configure(
        settings, RISK_SECOND_OPINION="classifier", RISK_SECOND_OPINION_MODEL="/nowhere/at/all"
    )
    draft = DraftRequest.objects.get(message=patient_message("Work was long today."))
    assert second_opinion(draft, profile_spec(tiny_profile)) is None
    assert "second opinion (classifier) failed" in caplog.text


@pytest.mark.django_db
def test_the_rubric_asks_the_drafting_model_and_reads_its_answer(settings, tiny_profile):
    from worker.engine_cache import get_engine

    spec = profile_spec(tiny_profile)
    engine = get_engine(spec)
    opinion = rubric_judge(engine, spec, "I took all my pills.")
    assert set(opinion.probabilities) == {"none", "elevated", "crisis"}
    assert abs(sum(opinion.probabilities.values()) - 1) < 1e-5
    # The same question, the same answer: no sampling.
    assert rubric_judge(engine, spec, "I took all my pills.") == opinion
    # A site's threshold no opinion can reach never raises anything.
    _configure(settings, RISK_SECOND_OPINION="rubric", RISK_SECOND_OPINION_THRESHOLD=1.01)
    draft = DraftRequest.objects.get(message=patient_message("Work was long today."))
    assert second_opinion(draft, spec) is None
    _configure(settings, RISK_SECOND_OPINION_THRESHOLD=0.0)
    assert second_opinion(draft, spec) == "crisis"


@pytest.mark.django_db(transaction=True)
def test_the_worker_asks_before_drafting(settings, classifiers, tiny_profile, celery_worker):
    from tests.test_full_loop import wait_for

    _use_classifier(settings, classifiers["crisis"])
    message = patient_message("Work was long today.")
    draft = DraftRequest.objects.get(message=message)
    wait_for(
        lambda: DraftRequest.objects.get(pk=draft.pk).status == "ready",
        timeout=60,
        what="the request drafted",
    )
    assert DraftRequest.objects.get(pk=draft.pk).risk_level == "crisis"
    assert CrisisAlert.objects.filter(draft_request=draft).exists()
