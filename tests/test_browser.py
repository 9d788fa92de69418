"""The desk in a real browser: headless Chromium, driven by the keyboard wherever a person would.

The first test runs the whole loop on real parts (the Celery worker drafts with
the tiny Llama); the others start from a request whose candidate set is stored
as the worker would leave it, so the texts they edit and compare are known.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from reviewapp import annotation, workflow
from reviewapp.annotation_import import parse_annotation_file
from reviewapp.models import Decision, DraftRequest, Message
from tests.browser import (
    WAIT_MS,
    ZOOMED,
    focused,
    horizontal_overflow,
    reload_until,
    screenshot_dir,
    serious_axe_violations,
    tab_sequence,
    tab_to,
)
from tests.factories import patient_message, ready_request
from tests.two_factor import current_code

# Each test body is bounded; the shared session set-up (test database, tiny Llama) is not
# counted here, whichever test happens to pay for it (pytest's 300 s default covers it).
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(60, func_only=True),
]

PATIENT_TEXT = "I have not slept properly for a week and I feel on edge."
CANDIDATES = (
    "That sounds exhausting. How have you been sleeping lately?",
    "A week of poor sleep is hard. What tends to keep you awake?",
    "I'm sorry it has been so difficult. Would it help to talk about what is on your mind?",
)


def ready_for_review(texts=CANDIDATES, *, conversation=None, risk_level=None, waiting_minutes=0):
    """A request with stored candidates; optionally of a given risk and waiting for a while."""
    message = patient_message(PATIENT_TEXT, conversation=conversation)
    draft = ready_request(texts, message=message)
    changes = {}
    if risk_level is not None:
        changes["risk_level"] = risk_level
    if waiting_minutes:
        changes["waiting_since"] = timezone.now() - timedelta(minutes=waiting_minutes)
    if changes:
        DraftRequest.objects.filter(pk=draft.pk).update(**changes)
        draft.refresh_from_db()
    return draft


def released_text(page) -> str:
    """The text of the patient's one released reply, without its disclosure line."""
    return page.locator("#thread .msg.clinician").evaluate(
        "e => [...e.childNodes].filter(n => n.nodeType === Node.TEXT_NODE)"
        ".map(n => n.nodeValue).join('')"
    )


def claim_by_key(page) -> None:
    """Press c and wait for the reloaded page, its deferred keys.js included."""
    page.keyboard.press("c")
    page.locator('#claim-status [data-state="mine"]').wait_for()
    page.wait_for_load_state("load")


# --- 1. the whole loop, keyboard only -----------------------------------------------------


def test_it_takes_a_patient_message_to_a_released_reply_by_keyboard_alone(
    open_page, tiny_profile, alice, celery_worker
):
    conversation, token = workflow.conversation_start()
    patient = open_page(f"/chat/{token}/")
    tab_to(patient, "#text")
    patient.keyboard.type(PATIENT_TEXT)
    patient.keyboard.press("Tab")
    assert focused(patient, 'button[type="submit"]')
    patient.keyboard.press("Enter")
    patient.locator('#thread [data-state="awaiting"]').wait_for()
    draft = DraftRequest.objects.get(message__conversation=conversation)

    clinician = open_page("/login/")
    tab_to(clinician, "#id_username")
    clinician.keyboard.type("alice")
    clinician.keyboard.press("Tab")
    assert focused(clinician, "#id_password")
    clinician.keyboard.type("pw-alice")
    clinician.keyboard.press("Enter")
    clinician.wait_for_url("**/account/two-factor/**")
    tab_to(clinician, "#id_code")
    clinician.keyboard.type(current_code(alice))
    clinician.keyboard.press("Enter")
    clinician.wait_for_url("**/queue/")
    tab_to(clinician, f'a[href="/review/{draft.pk}/"]')
    clinician.keyboard.press("Enter")
    clinician.wait_for_url(f"**/review/{draft.pk}/")
    # The worker drafts in the background; the clinician reloads until candidates show.
    reload_until(clinician, 'input[data-candidate="3"]', timeout=40)

    claim_by_key(clinician)
    clinician.keyboard.press("2")
    assert clinician.locator('input[data-candidate="2"]').is_checked()
    clinician.keyboard.press("a")
    try:
        clinician.wait_for_url("**/queue/", timeout=WAIT_MS)
    except PlaywrightTimeout:
        raise AssertionError(
            "pressing a after choosing candidate 2 with the 2 key did not approve"
        ) from None
    assert "Reply released to the patient." in clinician.locator("main").inner_text()

    chosen = draft.candidates.get(position=1)
    patient.locator("#thread .msg.clinician").wait_for()  # the thread refreshes every 4 s
    assert released_text(patient) == chosen.text
    assert patient.locator('#thread .msg.clinician [data-disclosure="ai"]').count() == 1

    released = Message.objects.get(role=Message.Role.CLINICIAN)
    decision = Decision.objects.get()
    assert released.conversation_id == conversation.pk and released.text == chosen.text
    assert released.decision_id == decision.pk
    assert decision.action == Decision.Action.APPROVE
    assert decision.reviewer == alice and decision.candidate == chosen


# --- 2. editing shows a word diff ---------------------------------------------------------


def test_it_shows_an_edit_as_a_word_diff_before_approval(open_page, tiny_profile, alice):
    draft = ready_for_review()
    page = open_page(f"/review/{draft.pk}/", user=alice)
    claim_by_key(page)
    page.keyboard.press("e")
    box = page.locator("#edit-text")
    assert focused(page, "#edit-text")
    assert box.input_value() == CANDIDATES[0]  # prefilled with the chosen candidate
    page.keyboard.press("Control+End")
    for _ in "lately?":
        page.keyboard.press("Backspace")
    page.keyboard.type("recently?")

    diff = page.locator("#diff")
    diff.locator("ins", has_text="recently?").wait_for()
    assert diff.locator("del", has_text="lately?").count() == 1
    assert "recently" not in diff.locator("del").all_text_contents()[0]
    assert "How have you been sleeping" in diff.inner_text()  # unchanged words stay plain
    edited = box.input_value()
    assert edited == "That sounds exhausting. How have you been sleeping recently?"

    page.keyboard.press("Control+Enter")
    page.wait_for_url("**/queue/")
    decision = Decision.objects.get()
    assert decision.action == Decision.Action.EDIT and decision.reviewer == alice
    assert decision.candidate == draft.candidates.get(position=0)
    assert Message.objects.get(role=Message.Role.CLINICIAN).text == edited


# --- 3. two clinicians, one request -------------------------------------------------------


def test_it_shows_a_conflict_between_two_clinicians_in_both_browsers(
    open_page, tiny_profile, alice, bob
):
    draft = ready_for_review()
    alice_page = open_page(f"/review/{draft.pk}/", user=alice)
    bob_page = open_page(f"/review/{draft.pk}/", user=bob)
    assert bob_page.locator('#claim-status [data-state="unclaimed"]').count() == 1

    claim_by_key(alice_page)
    # Bob's status fragment polls every 5 s: no reload needed to learn alice took it.
    seen = bob_page.locator(
        '#claim-status [data-state="held"], #claim-status [data-state="changed"]'
    )
    seen.wait_for(timeout=12_000)
    assert "alice" in seen.inner_text()

    # Alice's lease lapses (she walked away); bob claims from the page he has open.
    DraftRequest.objects.filter(pk=draft.pk).update(
        claim_expires_at=timezone.now() - timedelta(minutes=1)
    )
    claim_by_key(bob_page)
    assert DraftRequest.objects.get(pk=draft.pk).claimed_by == bob

    # Alice comes back to her now stale page, chooses candidate 1 and approves.
    alice_page.keyboard.press("1")
    alice_page.keyboard.press("a")
    alice_page.locator('main > .notice.error[role="alert"]').wait_for()
    notice = alice_page.locator('main > .notice.error[role="alert"]').inner_text()
    assert "held by bob" in notice
    status = alice_page.locator('#claim-status [data-state="held"]')
    assert "bob holds this request" in status.inner_text()
    assert alice_page.locator('button[data-key="a"]').count() == 0  # nothing to approve with

    assert not Decision.objects.exists()
    assert not Message.objects.filter(role=Message.Role.CLINICIAN).exists()
    draft.refresh_from_db()
    assert draft.status == DraftRequest.Status.READY and draft.claimed_by == bob


# --- 4. accessibility ---------------------------------------------------------------------


def desk_with_items(sam):
    """Open requests of mixed risk, one held, one released reply, and an annotation batch."""
    conversation, token = workflow.conversation_start()
    routine = ready_for_review(conversation=conversation, waiting_minutes=3)
    crisis = ready_for_review(risk_level="crisis", waiting_minutes=12)
    elevated = ready_for_review(risk_level="elevated", waiting_minutes=40)
    workflow.draft_request_claim(request_id=elevated.pk, user=sam)
    replied_conversation, replied_token = workflow.conversation_start()
    replied = ready_for_review(conversation=replied_conversation)
    workflow.draft_request_decide(
        request_id=replied.pk,
        user=sam,
        action="approve",
        candidate_id=replied.candidates.get(position=1).pk,
    )
    rows = parse_annotation_file(
        b'{"prompt": "I cannot focus at work."}\n{"prompt": "It got worse this week."}\n',
        filename="batch.jsonl",
    )
    annotation.annotation_batch_import(
        name="Sleep set",
        profile=routine.profile,
        annotators_per_item=2,
        rows=rows,
        user=sam,
    )
    return {"routine": routine, "crisis": crisis, "token": token, "replied_token": replied_token}


def edit_a_word(page) -> None:
    """Open the edit panel by key and change the last word, leaving the diff on screen."""
    page.keyboard.press("e")
    page.keyboard.press("Control+End")
    for _ in "lately?":
        page.keyboard.press("Backspace")
    page.keyboard.type("recently?")
    page.locator("#diff ins").wait_for()
    page.keyboard.press("Escape")


def open_help(page) -> None:
    page.keyboard.press("?")
    page.locator("dialog#help").wait_for()


# name: (persona or None for the patient, path, text the page must show, what to do first)
PAGES = {
    "queue": ("alice", lambda d: "/queue/", lambda d: f"#{d['crisis'].pk}", None),
    "review": ("alice", lambda d: f"/review/{d['routine'].pk}/", lambda d: CANDIDATES[2], None),
    "review-edit-diff": (
        "alice",
        lambda d: f"/review/{d['routine'].pk}/",
        lambda d: "Changes against the candidate",
        edit_a_word,
    ),
    "review-help": (
        "alice",
        lambda d: f"/review/{d['routine'].pk}/",
        lambda d: "Choose candidate 1, 2, 3",
        open_help,
    ),
    "patient": (
        None,
        lambda d: f"/chat/{d['replied_token']}/",
        lambda d: "Drafted with AI assistance",
        None,
    ),
    "overview": ("sam", lambda d: "/supervisor/", lambda d: f"#{d['crisis'].pk}", None),
    "annotation": ("ann", lambda d: "/annotation/", lambda d: "Sleep set", None),
}


@pytest.mark.parametrize("name", PAGES)
def test_it_passes_axe_and_reflows_at_200_percent_zoom(
    name, request, open_page, tiny_profile, alice, sam, ann
):
    data = desk_with_items(sam)
    persona, path_of, shows, prepare = PAGES[name]
    user = request.getfixturevalue(persona) if persona else None
    path = path_of(data)

    for options in ({}, ZOOMED):
        page = open_page(path, user=user, **options)
        if prepare is not None:
            prepare(page)
        assert shows(data) in page.locator("main").inner_text(), f"{name} lacks its content"
        if options:
            overflow = horizontal_overflow(page)
            assert overflow == 0, f"{name} scrolls sideways by {overflow} px at 200% zoom"
        else:
            violations = serious_axe_violations(page)
            assert not violations, f"axe on {name}:\n" + "\n".join(violations)


def test_it_opens_and_closes_the_shortcut_help_with_the_keyboard(open_page, tiny_profile, alice):
    draft = ready_for_review()
    page = open_page(f"/review/{draft.pk}/", user=alice)
    help_dialog = page.locator("dialog#help")
    assert not help_dialog.is_visible()
    page.keyboard.press("?")
    help_dialog.wait_for(state="visible")
    assert page.evaluate("document.getElementById('help').open")
    assert focused(page, "dialog#help *")  # a modal dialog takes the focus
    page.keyboard.press("Escape")
    help_dialog.wait_for(state="hidden")
    assert not page.evaluate("document.getElementById('help').open")
    assert page.url.endswith(f"/review/{draft.pk}/")


def test_it_approves_only_a_candidate_chosen_on_the_page(open_page, tiny_profile, alice):
    """A stray a on arrival releases nothing; an open edit is never dropped by a."""
    draft = ready_for_review()
    page = open_page(f"/review/{draft.pk}/", user=alice)
    page.keyboard.press("a")
    assert focused(page, 'input[data-candidate="1"]')
    assert not Message.objects.filter(role=Message.Role.CLINICIAN).exists()
    page.keyboard.press("e")
    page.keyboard.type(" Extra words.")
    page.keyboard.press("Escape")
    page.keyboard.press("a")
    assert page.locator("#panel-edit").evaluate("e => e.open")
    assert focused(page, "#edit-text")
    assert not Decision.objects.exists()


def test_it_tabs_to_the_candidates_before_the_approve_button(open_page, tiny_profile, alice):
    draft = ready_for_review()
    page = open_page(f"/review/{draft.pk}/", user=alice)
    stops = tab_sequence(page)
    radio = next(i for i, s in enumerate(stops) if s.startswith("input||candidate_id|"))
    approve = next(i for i, s in enumerate(stops) if s.endswith("|action|approve|a"))
    assert radio < approve, stops


@pytest.mark.parametrize(
    ("persona", "path", "region", "every"),
    [("alice", "/queue/", "#queue-live", 5), ("sam", "/supervisor/", "#overview-live", 10)],
    ids=["queue", "overview"],
)
def test_it_keeps_keyboard_focus_on_a_live_list_while_it_refreshes(
    persona, path, region, every, request, open_page, tiny_profile
):
    draft = ready_for_review(risk_level="crisis")
    page = open_page(path, user=request.getfixturevalue(persona))
    link = f'{region} a[href="/review/{draft.pk}/"]'
    tab_to(page, link)
    page.evaluate(
        """([region, ms]) => new Promise((resolve, reject) => {
            const live = document.querySelector(region);
            live.addEventListener('htmx:afterSettle', resolve, {once: true});
            setTimeout(() => reject(new Error(region + ' did not refresh in time')), ms);
        })""",
        [region, (every + 3) * 1000],
    )
    if not focused(page, link):
        active = page.evaluate("document.activeElement.tagName.toLowerCase()")
        raise AssertionError(
            f"focus moved from the review link to <{active}> when {region} refreshed"
        )
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/review/{draft.pk}/")


# --- 5. screenshots -----------------------------------------------------------------------


def test_it_saves_screenshots_of_the_main_screens(open_page, tiny_profile, alice, bob, tmp_path):
    """Queue, review, edit diff and the patient's page; to $SAVE_SCREENSHOTS_TO if set."""
    out = screenshot_dir(tmp_path)
    conversation, token = workflow.conversation_start()
    draft = ready_for_review(conversation=conversation, waiting_minutes=2)
    ready_for_review(risk_level="crisis", waiting_minutes=22)
    held = ready_for_review(risk_level="elevated", waiting_minutes=35)
    workflow.draft_request_claim(request_id=held.pk, user=bob)
    ready_for_review(risk_level="elevated", waiting_minutes=6)
    ready_for_review(waiting_minutes=50)

    page = open_page("/queue/", user=alice)
    page.locator(f'a[href="/review/{draft.pk}/"]').wait_for()
    page.screenshot(path=out / "queue.png")

    page.goto(f"/review/{draft.pk}/")
    claim_by_key(page)
    page.screenshot(path=out / "review.png")

    page.keyboard.press("e")
    page.keyboard.press("Control+End")
    for _ in "How have you been sleeping lately?":
        page.keyboard.press("Backspace")
    page.keyboard.type("What has been keeping you awake at night?")
    page.locator("#diff ins", has_text="keeping").wait_for()
    page.locator("#panel-edit").scroll_into_view_if_needed()
    page.evaluate("document.activeElement.blur()")  # no caret in the picture
    page.screenshot(path=out / "diff.png")

    page.locator("#edit-text").press("Control+Enter")
    page.wait_for_url("**/queue/")
    patient = open_page(f"/chat/{token}/")
    edited = "That sounds exhausting. What has been keeping you awake at night?"
    assert released_text(patient) == edited
    patient.screenshot(path=out / "patient.png")

    for name in ("queue", "review", "diff", "patient"):
        size = (out / f"{name}.png").stat().st_size
        assert 0 < size < 300_000, f"{name}.png is {size} bytes"


def test_it_changes_the_risk_level_with_one_key_and_records_it(open_page, tiny_profile, alice):
    from reviewapp.models import RiskReview

    draft = ready_for_review()
    assert draft.risk_level == "none"
    page = open_page(f"/review/{draft.pk}/", user=alice)
    assert page.locator('input[name="risk_level"][value="none"]').is_checked()
    page.keyboard.press("l")
    assert page.locator('input[name="risk_level"][value="elevated"]').is_checked()
    page.keyboard.press("1")
    page.keyboard.press("a")
    page.wait_for_url("**/queue/")
    review = RiskReview.objects.get()
    assert (review.screened_level, review.level) == ("none", "elevated")


def test_the_patient_sees_the_crisis_notice_at_once(open_page, tiny_profile):
    conversation, token = workflow.conversation_start(locale="fi")
    patient = open_page(f"/chat/{token}/")
    patient.locator("#text").fill("otin just kaikki mun unilääkkeet")
    patient.locator('form button[type="submit"]').click()
    notice = patient.locator('#thread [data-state="crisis-support"]')
    notice.wait_for()
    assert "09 2525 0111" in notice.inner_text()
    # No channel delivered anything: the page does not claim anyone was alerted.
    assert patient.locator('[data-state="clinician-alerted"]').count() == 0
