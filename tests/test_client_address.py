"""The real client address behind the proxy: one rule for the rate limits, the audit log
and django-axes. The lockout case runs against a real gunicorn behind a simulated proxy."""

from __future__ import annotations

import json
import re

import pytest
from axes.helpers import get_client_ip_address
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.test import Client, RequestFactory

from reviewapp.audit import client_ip
from reviewapp.lib.client_address import client_address
from reviewapp.models import AuditEvent
from tests.factories import default_profile_ensure
from tests.processes import GunicornServer
from tests.test_compose import SECRETS, compose


def _request(remote: str = "10.0.0.2", forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_with_no_proxy_the_peer_is_the_client_whatever_the_header_says(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(_request("203.0.113.5", "198.51.100.1")) == "203.0.113.5"


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (1, "203.0.113.5", "203.0.113.5"),
        # The client wrote the left part; the proxy appended what it saw.
        (1, "198.51.100.1, 203.0.113.5", "203.0.113.5"),
        (1, "not an address, 203.0.113.5", "203.0.113.5"),
        (2, "198.51.100.1, 203.0.113.5, 192.0.2.9", "203.0.113.5"),
        # Spellings proxies use: a port, brackets, IPv4 written as IPv6.
        (1, "203.0.113.5:51234", "203.0.113.5"),
        (1, "[2001:db8::1]:443", "2001:db8::1"),
        (1, "2001:DB8:0::1", "2001:db8::1"),
        (1, "::ffff:203.0.113.5", "203.0.113.5"),
    ],
)
def test_behind_proxies_it_takes_the_entry_that_many_hops_from_the_right(
    settings, hops, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = hops
    assert client_address(_request(forwarded=forwarded)) == expected


@pytest.mark.parametrize(
    ("hops", "forwarded"),
    [
        (1, None),  # came around the proxy
        (1, ""),
        (1, "203.0.113.5, garbage"),
        (1, "203.0.113.5, "),
        (2, "203.0.113.5"),  # fewer hops than configured
        (1, "203.0.113.5, 300.1.1.1"),
    ],
)
def test_a_missing_short_or_malformed_header_falls_back_to_the_peer(settings, hops, forwarded):
    settings.TRUSTED_PROXY_COUNT = hops
    assert client_address(_request("10.0.0.2", forwarded)) == "10.0.0.2"


def test_audit_and_axes_ask_the_same_rule(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = _request("10.0.0.2", "198.51.100.1, 203.0.113.5")
    assert client_ip(request) == get_client_ip_address(request) == "203.0.113.5"
    assert client_ip(None) is None


@pytest.mark.django_db
def test_audit_events_record_the_real_client_behind_the_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    started = Client(REMOTE_ADDR="10.0.0.2").post(
        "/api/v1/conversations",
        {},
        content_type="application/json",
        HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.5",
    )
    assert started.status_code == 201
    event = AuditEvent.objects.get(action="conversation.start")
    assert event.ip == "203.0.113.5"


# --- The lockout, through gunicorn ----------------------------------------------------------


def _log_in(web: GunicornServer, *, client: str, password: str, spoofed: str = ""):
    """A browser's login: fetch the form (its CSRF cookie and token), then post it."""
    form = web.get("/login/", client=client, spoofed=spoofed)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    return web.post(
        "/login/",
        client=client,
        spoofed=spoofed,
        cookies=form.cookies,
        data={"username": "carol", "password": password, "csrfmiddlewaretoken": token},
        allow_redirects=False,
    )


@pytest.fixture
def carol(transactional_db):
    """A user whose password the server's own (production) hasher can check."""
    default_profile_ensure()
    user = get_user_model().objects.create_user(username="carol")
    # Few iterations: the test's speed, not the hash's strength, matters here.
    user.password = PBKDF2PasswordHasher().encode("right-pw", "saltsalt", iterations=1000)
    user.save()
    return user


def test_wrong_passwords_from_one_address_lock_out_only_that_address(carol, tmp_path, settings):
    """Five wrong passwords from A (behind the TLS proxy) lock carol out from A, even
    when A writes B's address leftmost in X-Forwarded-For; carol still signs in from
    B. The audit log has the real clients' addresses, never the proxy's."""
    with GunicornServer(tmp_path, TRUSTED_PROXY_COUNT="1") as web:
        statuses = [
            _log_in(web, client="203.0.113.66", password="guess").status_code
            for _ in range(settings.AXES_FAILURE_LIMIT)
        ]
        assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429], web.log()[-2000:]
        assert _log_in(web, client="203.0.113.66", password="right-pw").status_code == 429
        spoofing = _log_in(web, client="203.0.113.66", spoofed="192.0.2.77", password="right-pw")
        assert spoofing.status_code == 429
        signed_in = _log_in(web, client="192.0.2.77", password="right-pw")
        assert signed_in.status_code == 302, web.log()[-2000:]
    failed = AuditEvent.objects.filter(action="login.failed").values_list("ip", flat=True)
    assert set(failed) == {"203.0.113.66"}
    assert AuditEvent.objects.filter(action="login", ip="192.0.2.77").exists()


def test_the_compose_stack_trusts_its_one_tls_proxy():
    """The documented proxy (a TLS proxy on the host, in front of the loopback-only
    port) is one hop: the web process takes the address it appends."""
    done = compose("config", "--format", "json", env=SECRETS)
    assert done.returncode == 0, done.stderr
    web = json.loads(done.stdout)["services"]["web"]
    assert web["environment"]["TRUSTED_PROXY_COUNT"] == "1"
    assert all(port["host_ip"] == "127.0.0.1" for port in web["ports"])


def test_it_warns_in_production_behind_a_tls_proxy_with_no_hop_counted(settings):
    from reviewapp.checks import proxy_hops_counted

    settings.PRODUCTION = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXY_COUNT = 0
    assert [issue.id for issue in proxy_hops_counted(None)] == ["countersign.W004"]
    settings.TRUSTED_PROXY_COUNT = 1
    assert proxy_hops_counted(None) == []
    settings.TRUSTED_PROXY_COUNT, settings.SECURE_PROXY_SSL_HEADER = 0, None
    assert proxy_hops_counted(None) == []  # no proxy said: REMOTE_ADDR is the client
