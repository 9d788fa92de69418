"""Bad input to the API and the pages gets a clear 4xx, never a 500.

Every API error is JSON in the shape ``{"error": "..."}`` (reviewapp/api/app.py),
nothing is stored, and markup in a message is kept as text and escaped wherever
a page shows it.

Unknown fields: a request body with a field the schema does not name is refused
with 422 (``StrictSchema``, reviewapp/api/schemas.py), so a misspelt "txt" or a
smuggled "role" never passes silently. Unknown query parameters are ignored, as
HTTP clients add their own (cache busters).
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.utils import translation

from reviewapp import workflow
from reviewapp.models import DraftRequest, Message
from reviewapp.tokens import api_token_create
from tests.factories import default_profile_ensure, patient_message, ready_request

pytestmark = pytest.mark.django_db

LIMIT = settings.COUNTERSIGN["MAX_MESSAGE_CHARS"]
SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture(autouse=True)
def default_profile(db):
    default_profile_ensure()


@pytest.fixture
def patient():
    conversation, token = workflow.conversation_start(locale="en")
    return {
        "conversation": conversation,
        "token": token,
        "url": f"/api/v1/conversations/{conversation.pk}/messages",
        "auth": {"HTTP_AUTHORIZATION": f"Bearer {token}"},
    }


@pytest.fixture
def alice_api(alice):
    return {"HTTP_AUTHORIZATION": f"Token {api_token_create(user=alice)}"}


@pytest.fixture
def draft():
    return ready_request()


def assert_json_error(reply, status: int) -> dict:
    assert reply.status_code == status, (reply.status_code, reply.content[:300])
    assert reply["Content-Type"].startswith("application/json")
    body = reply.json()
    assert isinstance(body["error"], str) and body["error"]
    return body


def post_raw(client, url, body, content_type="application/json", **headers):
    return client.generic("POST", url, body, content_type=content_type, **headers)


# --- message text -------------------------------------------------------------


def test_it_accepts_a_message_of_exactly_the_maximum_length(client, patient):
    reply = client.post(
        patient["url"], {"text": "x" * LIMIT}, content_type="application/json", **patient["auth"]
    )
    assert reply.status_code == 201
    assert len(Message.objects.get().text) == LIMIT


@pytest.mark.parametrize("extra", [1, 100_000])
def test_it_refuses_a_message_over_the_maximum_length(client, patient, extra):
    reply = client.post(
        patient["url"],
        {"text": "x" * (LIMIT + extra)},
        content_type="application/json",
        **patient["auth"],
    )
    body = assert_json_error(reply, 400)
    assert str(LIMIT) in body["error"]
    assert not Message.objects.exists()


def test_it_refuses_a_body_larger_than_django_reads_with_413(client, patient):
    """Past DATA_UPLOAD_MAX_MEMORY_SIZE Django will not read the body at all."""
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    reply = post_raw(client, patient["url"], b'{"text": "' + b"x" * size + b'"}', **patient["auth"])
    assert_json_error(reply, 413)
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        b'{"text": "\xff\xfe"}',  # not UTF-8 at all
        b'{"text": "caf\xe9"}',  # Latin-1
        b'{"text": "\xc3"}',  # a UTF-8 sequence cut short
        b"\xef\xbb\xbf\xff",
    ],
)
def test_it_refuses_a_body_that_is_not_utf8(client, patient, raw):
    assert_json_error(post_raw(client, patient["url"], raw, **patient["auth"]), 400)
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "text",
    ["nul\u0000byte", "bell\u0007", "escape\u001b[31mred", "delete\u007f", "form\u000cfeed"],
)
def test_it_refuses_control_characters_in_a_message(client, patient, text):
    reply = client.post(
        patient["url"], {"text": text}, content_type="application/json", **patient["auth"]
    )
    body = assert_json_error(reply, 400)
    assert "control characters" in body["error"]
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        rb'{"text": "\ud800"}',
        rb'{"text": "a\udc00b"}',
        b'{"text": "\xed\xa0\x80"}',  # a surrogate encoded, which UTF-8 forbids
    ],
)
def test_it_refuses_a_lone_surrogate_in_a_message(client, patient, raw):
    # Python's JSON parser lets a lone surrogate through; the schema refuses it.
    assert_json_error(post_raw(client, patient["url"], raw, **patient["auth"]), 422)
    assert not Message.objects.exists()


def test_it_keeps_line_breaks_tabs_and_non_ascii_text(client, patient):
    text = "first line\nsecond\tcolumn\r\nthird — ääkköset 😊"
    reply = client.post(
        patient["url"], {"text": text}, content_type="application/json", **patient["auth"]
    )
    assert reply.status_code == 201
    assert Message.objects.get().text == text


# --- markup is text -----------------------------------------------------------


def test_it_stores_markup_as_text_and_escapes_it_on_the_patients_page(client, patient):
    reply = client.post(
        patient["url"], {"text": SCRIPT}, content_type="application/json", **patient["auth"]
    )
    assert reply.status_code == 201
    # The API answers JSON, not HTML: the text comes back exactly as written.
    assert reply.json()["text"] == SCRIPT
    assert client.get(patient["url"], **patient["auth"]).json()["messages"][0]["text"] == SCRIPT

    page = client.get(f"/chat/{patient['token']}/").content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "<script>alert" not in page and "<img src=x" not in page


def test_it_escapes_markup_in_a_reply_on_the_patients_page(client, patient, alice):
    message = patient_message("hello", conversation=patient["conversation"])
    draft = ready_request([SCRIPT], message=message)
    workflow.draft_request_claim(request_id=draft.pk, user=alice)
    workflow.draft_request_decide(
        request_id=draft.pk, user=alice, action="approve", candidate_id=draft.candidates.get().pk
    )
    page = client.get(f"/chat/{patient['token']}/").content.decode()
    assert "&lt;script&gt;" in page
    assert "<script>alert" not in page and "<img src=x" not in page


def test_it_escapes_markup_on_the_review_page(client, patient, alice):
    message = patient_message(SCRIPT, conversation=patient["conversation"])
    draft = ready_request([SCRIPT + " candidate"], message=message)
    client.force_login(alice)
    page = client.get(f"/review/{draft.pk}/").content.decode()
    assert page.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") >= 2
    assert "<script>alert" not in page and "<img src=x" not in page


# --- the body is not JSON, or not the JSON we asked for --------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "{not json",
        '{"text": "hi"',  # cut short
        '{"text": "hi"} trailing',
        "{'text': 'hi'}",  # Python, not JSON
        '{"text": "a" "b"}',
        "[" * 100_000 + "]" * 100_000,  # nested past the parser's recursion limit
        '{"text": "hi", "n": ' + "9" * 5000 + "}",  # more digits than Python converts
    ],
)
def test_it_answers_malformed_json_with_400(client, patient, raw):
    reply = post_raw(client, patient["url"], raw, **patient["auth"])
    assert_json_error(reply, 400)
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "raw", ["null", '"hi"', "5", "true", "[]", '[{"text": "hi"}]', "{}", '{"text": NaN}']
)
def test_it_answers_json_of_the_wrong_shape_with_422(client, patient, raw):
    reply = post_raw(client, patient["url"], raw, **patient["auth"])
    body = assert_json_error(reply, 422)
    assert body["problems"]
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=xyz",
        "application/xml",
        "application/json-patch+json",
        "",
    ],
)
def test_it_answers_a_body_that_is_not_json_with_415(client, patient, content_type):
    reply = post_raw(client, patient["url"], '{"text": "hi"}', content_type, **patient["auth"])
    assert_json_error(reply, 415)
    assert not Message.objects.exists()


def test_it_reads_json_with_a_charset_parameter(client, patient):
    reply = post_raw(
        client,
        patient["url"],
        '{"text": "hi"}',
        "application/json; charset=utf-8",
        **patient["auth"],
    )
    assert reply.status_code == 201


# --- unknown fields and wrong types ----------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "body", "unknown"),
    [
        ("conversations", {"locale": "en", "admin": True}, "admin"),
        ("messages", {"text": "hi", "role": "clinician"}, "role"),
        ("messages", {"txt": "hi"}, "txt"),
        ("decision", {"action": "write", "text": "Hi", "released": True}, "released"),
    ],
)
def test_it_refuses_unknown_fields_with_422(
    client, patient, alice_api, draft, endpoint, body, unknown
):
    url, headers = {
        "conversations": ("/api/v1/conversations", {}),
        "messages": (patient["url"], patient["auth"]),
        "decision": (f"/api/v1/drafts/{draft.pk}/decision", alice_api),
    }[endpoint]
    reply = client.post(url, body, content_type="application/json", **headers)
    problems = assert_json_error(reply, 422)["problems"]
    assert unknown in [p["field"].rsplit(".", 1)[-1] for p in problems]
    assert Message.objects.count() == 1  # the draft's own message only
    assert DraftRequest.objects.get(pk=draft.pk).status == "ready"


def test_it_ignores_unknown_query_parameters(client, alice_api):
    assert client.get("/api/v1/queue?_=12345&foo=bar", **alice_api).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"text": 5},
        {"text": ["hi"]},
        {"text": {"text": "hi"}},
        {"text": None},
        {"text": True},
    ],
)
def test_it_refuses_a_message_of_the_wrong_type_with_422(client, patient, body):
    reply = client.post(patient["url"], body, content_type="application/json", **patient["auth"])
    assert_json_error(reply, 422)
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"action": 1},
        {"action": ["write"], "text": "Hi"},
        {"action": "approve", "candidate_id": "first"},
        {"action": "approve", "candidate_id": 1.5},
        {"action": "write", "text": 42},
        {"action": "reject", "reasons": "safety"},
        {"action": "reject", "reasons": [1, 2]},
        {"action": "write", "text": "Hi", "note": ["x"]},
        {"action": "write", "text": "Hi", "rubric": ["empathy"]},
        {"action": "write", "text": "Hi", "rubric": {"empathy": "high"}},
        {"action": "write", "text": "Hi", "version": "latest"},
        # Refused, not coerced: the schema says integer.
        {"action": "approve", "candidate_id": "1"},
        {"action": "approve", "candidate_id": True},
        {"action": "write", "text": "Hi", "version": True},
        {"action": "write", "text": "Hi", "rubric": {"empathy": "4"}},
        {"action": "write", "text": "Hi", "note": "n" * 2001},
    ],
)
def test_it_refuses_a_decision_of_the_wrong_type_with_422(client, alice_api, draft, body):
    reply = client.post(
        f"/api/v1/drafts/{draft.pk}/decision", body, content_type="application/json", **alice_api
    )
    assert_json_error(reply, 422)
    assert DraftRequest.objects.get(pk=draft.pk).status == "ready"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"action": "approve", "candidate_id": 10**30}, 400),
        ({"action": "approve", "candidate_id": -(10**30)}, 400),
        ({"action": "approve", "candidate_id": 2**63}, 400),
        ({"action": "write", "text": "Hi", "version": 10**30}, 409),
        ({"action": "write", "text": "Hi", "rubric": {"empathy": 10**30}}, 400),
    ],
)
def test_it_answers_huge_integers_in_a_decision_with_a_4xx(client, alice_api, draft, body, status):
    reply = client.post(
        f"/api/v1/drafts/{draft.pk}/decision", body, content_type="application/json", **alice_api
    )
    assert_json_error(reply, status)
    assert DraftRequest.objects.get(pk=draft.pk).status == "ready"


@pytest.mark.parametrize("locale", ["", "e", "english-language", "en_US!", "<b>", 5, None])
def test_it_refuses_a_bad_locale_with_422(client, locale):
    reply = client.post(
        "/api/v1/conversations", {"locale": locale}, content_type="application/json"
    )
    assert_json_error(reply, 422)


# --- path and query parameters ---------------------------------------------------


@pytest.mark.parametrize(
    "draft_id",
    [str(2**31), str(2**63), "9" * 40, "0", "-1"],
)
@pytest.mark.parametrize(
    ("method", "suffix"), [("GET", ""), ("POST", "/claim"), ("POST", "/decision")]
)
def test_it_answers_huge_or_impossible_draft_ids_with_404(
    client, alice_api, draft_id, method, suffix
):
    body = '{"action": "write", "text": "Hi"}' if suffix == "/decision" else ""
    reply = client.generic(
        method,
        f"/api/v1/drafts/{draft_id}{suffix}",
        body,
        content_type="application/json",
        **alice_api,
    )
    assert_json_error(reply, 404)


@pytest.mark.parametrize("draft_id", ["abc", "1.5", "1e3", "0x10", "%00", "%ff"])
def test_it_answers_a_draft_id_that_is_no_integer_with_422(client, alice_api, draft_id):
    assert_json_error(client.get(f"/api/v1/drafts/{draft_id}", **alice_api), 422)


@pytest.mark.parametrize(
    "conversation_id",
    ["not-a-uuid", "1", "00000000-0000-0000-0000-00000000000", "%00", "%ff%fe", "' OR 1=1 --"],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_it_answers_a_conversation_id_that_is_no_uuid_with_422(
    client, patient, conversation_id, method
):
    reply = client.generic(
        method,
        f"/api/v1/conversations/{conversation_id}/messages",
        '{"text": "hi"}' if method == "POST" else "",
        content_type="application/json",
        **patient["auth"],
    )
    assert_json_error(reply, 422)
    assert not Message.objects.exists()


@pytest.mark.parametrize("limit", ["0", "201", "-1", "abc", "1.5", "9" * 40, ""])
def test_it_answers_a_bad_queue_limit_with_422(client, alice_api, limit):
    assert_json_error(client.get(f"/api/v1/queue?limit={limit}", **alice_api), 422)


# --- credentials ---------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    ["Bearer " + "x" * 10_000, "Bearer ä-not-ascii", "Bearer a b c", "Bearer\t", "bearer"],
)
def test_it_answers_odd_credentials_with_401(client, patient, header):
    reply = client.get(patient["url"], HTTP_AUTHORIZATION=header)
    assert_json_error(reply, 401)


# --- pages -----------------------------------------------------------------------


@pytest.mark.parametrize("token", ["x", "x" * 5000, "%00", "%ff", "ä"])
def test_it_answers_an_unknown_chat_token_with_404(client, token):
    assert client.get(f"/chat/{token}/").status_code == 404


@pytest.mark.parametrize("draft_id", [str(2**31), str(2**63), "9" * 40])
def test_it_answers_a_huge_review_id_with_404(client, alice, draft_id):
    client.force_login(alice)
    assert client.get(f"/review/{draft_id}/").status_code == 404


@pytest.mark.parametrize(
    "text", ["", "bell\u0007", "x" * (LIMIT + 1)], ids=["empty", "control", "too-long"]
)
def test_it_answers_a_bad_message_on_the_chat_page_with_400(client, patient, text):
    reply = client.post(f"/chat/{patient['token']}/", {"text": text})
    assert reply.status_code == 400
    assert not Message.objects.exists()


@pytest.mark.parametrize("value", ["abc", "1.5", "9" * 40, "\u0000", "٣x"])
@pytest.mark.parametrize("page", ["status", "lease"])
def test_it_answers_a_malformed_version_on_the_review_screen_with_400(
    client, alice, draft, page, value
):
    """The live parts poll with ``?v=<version>``; a mangled one is the client's mistake."""
    client.force_login(alice)
    call = client.get if page == "status" else client.post
    reply = call(f"/review/{draft.pk}/{page}/?{urlencode({'v': value})}")
    assert reply.status_code == 400
    assert "A number was expected." in reply.content.decode()
    assert client.get(f"/review/{draft.pk}/status/?v={draft.version}").status_code == 200


def test_it_answers_a_malformed_candidate_in_the_live_diff_with_400_in_finnish(
    client, alice, draft
):
    client.force_login(alice)
    with translation.override(translation.get_language()):  # not Finnish for the next test
        reply = client.post(
            f"/review/{draft.pk}/diff/",
            {"candidate_id": "abc", "edit_text": "x"},
            HTTP_ACCEPT_LANGUAGE="fi",
        )
    assert reply.status_code == 400 and "Arvon on oltava numero." in reply.content.decode()
    assert reply["Content-Language"] == "fi"
    chosen = draft.candidates.first()
    fine = client.post(f"/review/{draft.pk}/diff/", {"candidate_id": chosen.pk, "edit_text": "x"})
    assert fine.status_code == 200


@pytest.fixture
def north_clinician(db):
    """A clinician of another service, who needs break-glass to open the default one's."""
    from reviewapp.models import Service
    from tests.conftest import _persona

    user = _persona("nina", role="clinician")
    user.services.clear()
    Service.objects.create(slug="north", name="North").members.add(user)
    return user


@pytest.mark.parametrize(
    "reason",
    ["Covering tonight\u0000 for the crisis line", "x" * 501, "y" * 2_000_000],
    ids=["nul", "one-over", "two-megabytes"],
)
def test_it_refuses_a_break_glass_reason_with_a_nul_or_over_the_cap(
    client, north_clinician, draft, reason
):
    from reviewapp.models import AuditEvent, BreakGlassGrant

    client.force_login(north_clinician)
    reply = client.post(f"/review/{draft.pk}/break-glass/", {"reason": reason})
    assert reply.status_code == 400
    page = reply.content.decode()
    assert "500 characters" in page or "control characters" in page
    assert len(page) < 20_000  # the reason is not echoed back
    assert not BreakGlassGrant.objects.exists()
    assert not AuditEvent.objects.filter(action="break_glass.open").exists()


def test_it_keeps_a_break_glass_reason_of_exactly_the_cap(client, north_clinician, draft):
    from reviewapp.models import AuditEvent, BreakGlassGrant

    client.force_login(north_clinician)
    reason = "Covering the crisis line " + "z" * 475
    assert client.post(f"/review/{draft.pk}/break-glass/", {"reason": reason}).status_code == 302
    assert BreakGlassGrant.objects.get().reason == reason
    assert AuditEvent.objects.get(action="break_glass.open").details["reason"] == reason
