"""Signing in: a second factor for patient data, lockout of guessers, sessions that end,
production settings that pass Django's deploy check, and revocable API tokens."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from base64 import b32decode, b32encode
from io import StringIO
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from reviewapp.models import AuditEvent
from reviewapp.sign_in import ACTIVE_AT, LOGGED_IN_AT
from tests.two_factor import TwoFactorClient, code_for, current_code

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def _actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


def _log_in(client, user, password=None, **extra):
    return client.post(
        "/login/",
        {"username": user.username, "password": password or f"pw-{user.username}"},
        **extra,
    )


def test_login_rotates_the_session_and_is_audited(client, alice):
    client.get("/login/")
    client.session.save()
    before = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert _log_in(client, alice).status_code == 302
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != before
    assert AuditEvent.objects.filter(action="login", actor=alice).exists()


def test_a_new_clinician_enrols_an_authenticator_before_seeing_anything(client, alice, settings):
    """Where users may enrol themselves (the demo), the page shows a new key and its QR code."""
    _self_enrol(settings, True)
    TOTPDevice.objects.filter(user=alice).delete()
    _log_in(client, alice)
    page = client.get("/account/two-factor/?next=/queue/")
    assert page.status_code == 200 and b"<svg" in page.content
    secret = page.context["secret"]
    assert len(secret) >= 16 and secret in page.content.decode()
    wrong = client.post("/account/two-factor/", {"code": "000000", "next": "/queue/"})
    assert wrong.status_code == 400 and b"not right" in wrong.content
    assert client.get("/queue/").status_code == 302
    device = TOTPDevice.objects.get(user=alice)
    device.throttle_reset()  # the wrong code above would make the next one wait
    right = client.post("/account/two-factor/", {"code": code_for(device), "next": "/queue/"})
    assert right.status_code == 302 and right["Location"] == "/queue/"
    assert client.get("/queue/").status_code == 200
    assert TOTPDevice.objects.get(user=alice).confirmed
    assert {"second_factor.enrolled", "login.second_factor", "login.second_factor_failed"} <= set(
        _actions()
    )


def test_roles_without_patient_data_need_no_second_factor(client, ann):
    assert not TOTPDevice.objects.filter(user=ann).exists()
    _log_in(client, ann)
    assert client.get("/annotation/").status_code == 200


def test_an_open_redirect_is_not_followed_after_the_code(client, alice):
    _log_in(client, alice)
    reply = client.post(
        "/account/two-factor/", {"code": current_code(alice), "next": "https://evil.example/"}
    )
    assert reply.status_code == 302 and reply["Location"] == "/"


def test_repeated_wrong_passwords_lock_the_username_from_that_address(client, alice):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _log_in(client, alice, password="guess").status_code == 200
    assert _log_in(client, alice, password="guess").status_code == 429  # the last allowed
    locked = _log_in(client, alice)  # and now even the right password
    assert locked.status_code == 429 and b"Too many failed logins" in locked.content
    assert not client.session.get("_auth_user_id")
    elsewhere = TwoFactorClient()
    assert _log_in(elsewhere, alice, REMOTE_ADDR="10.0.0.9").status_code == 302
    actions = _actions()
    assert actions.count("login.failed") >= settings.AXES_FAILURE_LIMIT
    assert "login.locked_out" in actions


def _age_session(client, **seconds_ago):
    session = client.session
    now = time.time()
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_an_idle_session_ends_and_polling_does_not_keep_it_alive(client, alice):
    client.force_login(alice)
    assert client.get("/queue/").status_code == 200
    _age_session(client, **{ACTIVE_AT: 10 * 60})
    # An open page polls: that is not the user doing anything.
    assert client.get("/queue/?fragment=1", HTTP_HX_REQUEST="true").status_code == 200
    assert time.time() - client.session[ACTIVE_AT] >= 10 * 60
    # A page the user asks for is activity.
    assert client.get("/queue/").status_code == 200
    assert time.time() - client.session[ACTIVE_AT] < 5
    _age_session(client, **{ACTIVE_AT: 16 * 60})
    polled = client.get("/queue/", HTTP_HX_REQUEST="true")
    assert polled.status_code == 204 and polled["HX-Redirect"] == "/login/?expired=idle"
    assert client.get("/queue/")["Location"].startswith("/login/")
    assert AuditEvent.objects.filter(action="session.expired", details__reason="idle").exists()
    assert b"without activity" in client.get("/login/?expired=idle").content


def test_a_session_ends_after_its_absolute_limit_however_busy(client, alice):
    client.force_login(alice)
    _age_session(client, **{LOGGED_IN_AT: 13 * 3600, ACTIVE_AT: 5})
    reply = client.get("/queue/")
    assert reply.status_code == 302 and reply["Location"] == "/login/?expired=age"


def test_logout_ends_the_server_session(client, alice):
    client.force_login(alice)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.post("/logout/").status_code == 302
    replay = TwoFactorClient()
    replay.cookies[settings.SESSION_COOKIE_NAME] = cookie
    assert replay.get("/queue/")["Location"].startswith("/login/")
    assert "logout" in _actions()


def test_pages_carry_a_content_security_policy(client, alice):
    client.force_login(alice)
    policy = client.get("/queue/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy


def test_the_production_settings_pass_the_deploy_check():
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-0123456789",
        "ALLOWED_HOSTS": "desk.example.org",
        # The project's own check warns until crisis alerts have somewhere to go.
        "ON_CALL_EMAILS": "on-call@example.org",
        # ... and refuses to start without the audit chain's key.
        "AUDIT_CHAIN_KEY": "a-long-random-audit-chain-key-" + "z" * 40,
    }
    result = _deploy_check(env)
    assert result.returncode == 0, result.stdout + result.stderr
    warned = _deploy_check({k: v for k, v in env.items() if k != "ON_CALL_EMAILS"})
    assert warned.returncode != 0 and "countersign.W001" in warned.stderr + warned.stdout
    unkeyed = _deploy_check({k: v for k, v in env.items() if k != "AUDIT_CHAIN_KEY"})
    assert unkeyed.returncode != 0 and "countersign.E004" in unkeyed.stderr + unkeyed.stdout


def _deploy_check(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_api_tokens_are_hashed_shown_once_and_revocable(client, alice):
    out = StringIO()
    call_command("createapitoken", "alice", stdout=out)
    key = out.getvalue().strip()
    from reviewapp.models import ApiToken

    stored = ApiToken.objects.get(user=alice)
    assert key not in (stored.key_hash, stored.prefix) and len(stored.key_hash) == 64
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    assert client.get("/api/v1/queue", **auth).status_code == 200
    call_command("revokeapitoken", "alice", "--prefix", key[:8], stdout=StringIO())
    assert client.get("/api/v1/queue", **auth).status_code == 401
    with pytest.raises(CommandError, match="No live token"):
        call_command("revokeapitoken", "alice", "--all", stdout=StringIO())
    assert "apitoken.revoke" in _actions()


def test_an_api_token_prefix_can_always_be_passed_on_the_command_line(client, alice, monkeypatch):
    # A URL-safe random key starts with "-" one time in 64; its prefix then read as
    # an option and revoking it by prefix failed.
    monkeypatch.setattr("reviewapp.tokens.secrets.token_urlsafe", lambda n: "-" + "x" * 42)
    out = StringIO()
    call_command("createapitoken", "alice", stdout=out)
    key = out.getvalue().strip()
    assert key.startswith("cs_")
    call_command("revokeapitoken", "alice", "--prefix", key[:8], stdout=StringIO())
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    assert client.get("/api/v1/queue", **auth).status_code == 401


def _self_enrol(settings, allowed: bool) -> None:
    settings.COUNTERSIGN = {**settings.COUNTERSIGN, "SECOND_FACTOR_SELF_ENROL": allowed}


def _issue_authenticator(username: str) -> str:
    """What the administrator sees and hands over, out of band: enrolauthenticator's output."""
    out = StringIO()
    call_command("enrolauthenticator", username, stdout=out)
    return out.getvalue()


def _code_from_key(key: str) -> str:
    """The code an authenticator app shows for a typed-in (base32) key."""
    return f"{totp(b32decode(key), 30, 0, 6, 0):06d}"


def _secrets_shown(response, device: TOTPDevice) -> list[str]:
    """Whatever in a response would let its reader set up ``device``'s codes."""
    body = response.content.decode() + str(dict(response.items()))
    shown = [
        secret
        for secret in (b32encode(device.bin_key).decode(), device.key, "otpauth", "<svg")
        if secret in body
    ]
    context = response.context or {}
    return shown + [name for name in ("secret", "qr_svg") if name in context]


def test_where_self_enrolment_is_off_an_administrator_issues_the_authenticator(
    client, alice, settings
):
    _self_enrol(settings, False)
    TOTPDevice.objects.filter(user=alice).delete()
    _log_in(client, alice)
    refused = client.get("/account/two-factor/?next=/queue/")
    assert refused.status_code == 403 and b"administrator" in refused.content
    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert "second_factor.missing" in _actions()

    printed = _issue_authenticator("alice")
    link, key_line = printed.splitlines()
    device = TOTPDevice.objects.get(user=alice)
    key = b32encode(device.bin_key).decode()
    assert link.startswith("otpauth://totp/") and parse_qs(urlsplit(link).query)["secret"] == [key]
    assert key_line == f"key: {key}"  # for typing into the app
    page = client.get("/account/two-factor/?next=/queue/")
    assert page.status_code == 200 and b"administrator" in page.content
    right = client.post("/account/two-factor/", {"code": _code_from_key(key), "next": "/queue/"})
    assert right.status_code == 302 and right["Location"] == "/queue/"
    assert _secrets_shown(page, device) == [] and _secrets_shown(right, device) == []
    assert client.get("/queue/").status_code == 200
    assert TOTPDevice.objects.get(user=alice).confirmed
    with pytest.raises(CommandError, match="use --replace"):
        call_command("enrolauthenticator", "alice", stdout=StringIO())
    assert {"second_factor.issued", "second_factor.enrolled"} <= set(_actions())


def test_a_password_alone_never_sees_or_confirms_an_issued_authenticator(client, alice, settings):
    """Production: whoever holds only the password gets no secret or QR code from any page of
    the login flow, and guessing does not confirm the device; its holder still signs in."""
    _self_enrol(settings, False)
    TOTPDevice.objects.filter(user=alice).delete()
    _issue_authenticator("alice")
    device = TOTPDevice.objects.get(user=alice)
    flow = [client.get("/login/"), _log_in(client, alice)]
    flow.append(client.get(flow[-1]["Location"]))  # the queue sends to the second factor
    flow.append(client.get(flow[-1]["Location"]))
    assert flow[-1].status_code == 200 and b'name="code"' in flow[-1].content
    flow.append(client.post("/account/two-factor/", {"code": "000000", "next": "/queue/"}))
    assert flow[-1].status_code == 400
    flow.append(client.post("/account/two-factor/", {"code": "abc", "next": "/queue/"}))
    flow.append(client.get("/queue/"))
    assert flow[-1].status_code == 302 and "/account/two-factor/" in flow[-1]["Location"]
    for response in flow:
        assert _secrets_shown(response, device) == [], response.request["PATH_INFO"]
    assert not TOTPDevice.objects.get(user=alice).confirmed

    holder = TwoFactorClient()
    _log_in(holder, alice)
    device.throttle_reset()  # the guesses above would make the next code wait
    signed = holder.post("/account/two-factor/", {"code": code_for(device), "next": "/queue/"})
    assert signed.status_code == 302 and holder.get("/queue/").status_code == 200
    assert TOTPDevice.objects.get(user=alice).confirmed


def test_production_settings_do_not_let_users_enrol_themselves():
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "y" * 60,
        "ALLOWED_HOSTS": "desk.example.org",
    }
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.COUNTERSIGN['SECOND_FACTOR_SELF_ENROL'], s.SESSION_COOKIE_SECURE)",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "reviewapp.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shown.stdout.split() == ["False", "True"], shown.stderr
