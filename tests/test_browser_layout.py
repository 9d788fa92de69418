"""Layout as a browser draws it, under the site's own Content-Security-Policy.

The queue's wait bars must show how much of the target a wait has used (an inline
``style`` width is blocked by the policy, which left every bar full), and a
patient's very long word must wrap instead of widening the review and chat pages.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from reviewapp import workflow
from reviewapp.models import DraftRequest
from tests.browser import horizontal_overflow
from tests.factories import default_profile_ensure, ready_request

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(60, func_only=True),
]

LONG_WORD = "a" * 4000


@pytest.fixture
def default_profile(transactional_db):
    default_profile_ensure()


def _waiting(minutes: int, *, risk: str) -> DraftRequest:
    conversation, _ = workflow.conversation_start(locale="en")
    draft = workflow.message_receive(
        conversation=conversation, text="I feel low today."
    ).draft_requests.get()
    DraftRequest.objects.filter(pk=draft.pk).update(
        risk_level=risk, waiting_since=timezone.now() - timedelta(minutes=minutes)
    )
    return draft


def _bar_share(page, draft_id: int) -> float:
    """The drawn width of a row's bar as a share of its track."""
    return page.locator(f'tr[data-request="{draft_id}"] .timer-bar').evaluate(
        "bar => bar.firstElementChild.getBoundingClientRect().width"
        " / bar.getBoundingClientRect().width"
    )


def test_it_draws_each_wait_bar_to_the_share_of_its_target(
    open_page, default_profile, alice, settings
):
    settings.COUNTERSIGN = {
        **settings.COUNTERSIGN,
        "SLA_MINUTES": {"crisis": 15, "elevated": 60, "none": 240},
    }
    half = _waiting(120, risk="none")
    late = _waiting(45, risk="crisis")
    page = open_page("/queue/", user=alice)
    assert _bar_share(page, half.pk) == pytest.approx(0.5, abs=0.03)
    assert _bar_share(page, late.pk) == pytest.approx(1.0, abs=0.01)


def test_it_wraps_a_very_long_word_on_the_review_page(open_page, default_profile, alice):
    message = workflow.message_receive(
        conversation=workflow.conversation_start(locale="en")[0], text=LONG_WORD
    )
    draft = ready_request((LONG_WORD, "Short candidate."), message=message)
    page = open_page(f"/review/{draft.pk}/", user=alice)
    assert page.locator(".msg.patient").count() == 1
    assert horizontal_overflow(page) == 0, "the review page scrolls sideways"


def test_it_wraps_a_very_long_word_on_the_patients_chat_page(open_page, default_profile):
    conversation, token = workflow.conversation_start(locale="en")
    workflow.message_receive(conversation=conversation, text=LONG_WORD)
    page = open_page(f"/chat/{token}/")
    assert page.locator("#thread .msg").count() == 1
    assert horizontal_overflow(page) == 0, "the chat page scrolls sideways"
